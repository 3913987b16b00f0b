//! The verdict on claim 3 — the best L2 penalty is tied to the learning rate, decoupled decay
//! separates them — read from the intervals of the valley slopes, in both decay conventions,
//! with the SGD pair's calibration and the transfer test.

use super::coupling::unbracketed;
use super::format::{all_diverged, est, robustness, size};
use crate::analysis::{Analysis, Coupling, MethodAnalysis, PairAnalysis};
use crate::optim::{DecayKind, Method};
use std::fmt::Write as _;

/// Claim 3: one coupling verdict per pair of an L2 method and its decoupled partner.
pub(super) fn claim3(a: &Analysis) -> String {
    let mut s = String::new();
    for (l2, dec) in Method::PAIRS {
        let (Some(a2), Some(ad)) = (a.method(l2), a.method(dec)) else {
            continue;
        };
        let _ = write!(s, "*{} and {}.* ", l2.label(), dec.label());
        match all_diverged(a, &[l2, dec]) {
            Some(gone) => s.push_str(&gone),
            None => s.push_str(&coupling_verdict(a, a2, ad)),
        }
        s.push_str("\n\n");
    }
    if s.is_empty() {
        s = "Not measured: the sweep needs an L2 method and its decoupled partner.".into();
    }
    s.trim_end().to_string()
}

/// Claim 3 for one pair: an L2 method `a2` and its decoupled partner `ad`, read from two
/// measures — the valley slopes ([`crate::analysis::Slopes::reading`]) and the transfer
/// regret in both parametrisations — each sentence built from this pair's own numbers.
fn coupling_verdict(a: &Analysis, a2: &MethodAnalysis, ad: &MethodAnalysis) -> String {
    let (c2, cd, cd_pt) = (
        a2.slopes.reading(0.0),
        ad.slopes.reading(0.0),
        ad.slopes.reading(-1.0),
    );
    let slope_vote = Vote::of_slopes(c2, cd);
    let regret_vote = Vote::of_regret(a2, ad);
    let mut s = conclusion(a2, ad, slope_vote, regret_vote);
    s.push(' ');
    s.push_str(&slope_sentence(a2, 0.0, c2));
    s.push(' ');
    s.push_str(&slope_sentence(ad, 0.0, cd));
    if ad.slopes.valley.is_some() {
        let _ = write!(
            s,
            " In PyTorch's convention (λ_pt = λ'/α, every slope −1): {} ({}).",
            ad.slopes
                .valley
                .map_or("–".into(), |e| est(&e.shifted(-1.0))),
            cd_pt.word()
        );
    }
    for m in [a2, ad] {
        s.push(' ');
        s.push_str(&regret_sentence(m));
    }
    if let Some(p) = a.pairs.iter().find(|p| p.l2 == a2.method) {
        if a2.method == Method::Sgd {
            s.push(' ');
            s.push_str(&calibration(p, a.settings.momentum()));
        }
    }
    for m in [a2, ad] {
        let left = unbracketed(a, m);
        if !left.is_empty() {
            let _ = write!(
                s,
                " {} not in the fit: {}.",
                m.method.label(),
                left.join("; ")
            );
        }
    }
    s
}

/// Which picture one measure supports for a pair: Loshchilov & Hutter's (the best L2 penalty
/// falls as 1/α, the best λ' stays put), the explicit regulariser's (the best λ stays put, so
/// the best λ' grows with α), between the two (the slopes: the best λ falls and the best λ'
/// grows), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    LoshchilovHutter,
    Regulariser,
    Between,
    Neither,
}

impl Vote {
    /// The slopes' vote: each picture needs both slopes settled its way.
    fn of_slopes(c2: Coupling, cd: Coupling) -> Vote {
        match (c2, cd) {
            (Coupling::Coupled { falls: true }, Coupling::Separated) => Vote::LoshchilovHutter,
            (Coupling::Separated, Coupling::Coupled { falls: false }) => Vote::Regulariser,
            (Coupling::Coupled { falls: true }, Coupling::Coupled { falls: false }) => {
                Vote::Between
            }
            _ => Vote::Neither,
        }
    }

    /// The regret's vote: which parametrisation lets one value serve every α, per method (an
    /// interval of the difference that excludes 0); a method that prefers neither abstains,
    /// and two methods that point to different pictures settle nothing.
    fn of_regret(a2: &MethodAnalysis, ad: &MethodAnalysis) -> Vote {
        let side = |m: &MethodAnalysis| -> Vote {
            let Some((lo, hi)) = m.regret().and_then(|r| r.difference.interval) else {
                return Vote::Neither;
            };
            // difference = regret holding the per-step product − regret holding the decay as
            // swept; L-H's picture holds αλ (L2) and λ' (decoupled) fixed.
            let per_step_wins = hi < 0.0;
            let as_swept_wins = lo > 0.0;
            match (
                m.method.decay_kind() == DecayKind::Decoupled,
                per_step_wins,
                as_swept_wins,
            ) {
                (false, true, _) | (true, _, true) => Vote::LoshchilovHutter,
                (false, _, true) | (true, true, _) => Vote::Regulariser,
                _ => Vote::Neither,
            }
        };
        match (side(a2), side(ad)) {
            (x, y) if x == y => x,
            (Vote::Neither, y) => y,
            (x, Vote::Neither) => x,
            _ => Vote::Neither,
        }
    }
}

/// Claim 3's verdict for a pair, from the votes of the slopes and of the regret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Shown,
    PartlyShown,
    OtherWayRound,
    LeaningOtherWay,
    Opposite,
    InBetween,
    NotSettled,
}

impl Verdict {
    fn of(slope: Vote, regret: Vote) -> Verdict {
        use Vote::*;
        let open = |v: Vote| matches!(v, Neither | Between);
        match (slope, regret) {
            (LoshchilovHutter, LoshchilovHutter) => Verdict::Shown,
            (LoshchilovHutter, r) if open(r) => Verdict::PartlyShown,
            (s, LoshchilovHutter) if open(s) => Verdict::PartlyShown,
            (Regulariser, Regulariser) => Verdict::OtherWayRound,
            (Regulariser, r) if open(r) => Verdict::LeaningOtherWay,
            (s, Regulariser) if open(s) => Verdict::LeaningOtherWay,
            (Between, _) => Verdict::InBetween,
            (Neither, _) => Verdict::NotSettled,
            _ => Verdict::Opposite,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Shown => "shown",
            Verdict::PartlyShown => "partly shown",
            Verdict::OtherWayRound => "not shown, the other way round",
            Verdict::LeaningOtherWay => "not shown, leaning the other way",
            Verdict::Opposite => "not settled (the measures disagree)",
            Verdict::InBetween => "not settled (between the two pictures)",
            Verdict::NotSettled => "not settled",
        }
    }
}

/// Claim 3's verdict word for the pair (`l2`, `dec`), when the folder swept both.
pub(crate) fn claim3_word(a: &Analysis, l2: Method, dec: Method) -> Option<&'static str> {
    let (a2, ad) = (a.method(l2)?, a.method(dec)?);
    if all_diverged(a, &[l2, dec]).is_some() {
        return Some("not measured");
    }
    let slope = Vote::of_slopes(a2.slopes.reading(0.0), ad.slopes.reading(0.0));
    Some(Verdict::of(slope, Vote::of_regret(a2, ad)).word())
}

/// The verdict proper, from the two votes.
fn conclusion(a2: &MethodAnalysis, ad: &MethodAnalysis, slope: Vote, regret: Vote) -> String {
    let (l2, dec) = (a2.method.label(), ad.method.label());
    let (s2, sd) = (a2.method.decay_symbol(), ad.method.decay_symbol());
    let lh = format!(
        "the best {s2} falls as α grows and one {sd} serves every α (Loshchilov & Hutter's \
         picture)"
    );
    let reg = format!(
        "the best {s2} stays put across α and the best {sd} grows with it, as if the runs \
         settled at the minimiser of R_emp + (λ/2)‖θ‖², which does not depend on α"
    );
    let between = format!(
        "the slopes put the best decay between the two pictures: the best {s2} falls as α \
         grows, but the best {sd} grows with α too"
    );
    let by_slopes = |v: Vote| match v {
        Vote::LoshchilovHutter => format!("the slopes say {lh}"),
        Vote::Regulariser => format!("the slopes say {reg}"),
        Vote::Between => between.clone(),
        Vote::Neither => "the slopes do not settle it".to_string(),
    };
    let by_regret = |v: Vote| match v {
        Vote::LoshchilovHutter => format!("the transfer regret says {lh}"),
        Vote::Regulariser => format!("the transfer regret says {reg}"),
        _ => "the transfer regret prefers neither parametrisation".to_string(),
    };
    let v = Verdict::of(slope, regret);
    let head = match v {
        Verdict::Shown => "**Shown**",
        Verdict::PartlyShown => "**Partly shown**",
        Verdict::OtherWayRound => "**Not shown, the other way round**",
        Verdict::LeaningOtherWay => "**Not shown**, leaning the other way round,",
        Verdict::Opposite => "**Not settled**: the two measures point to opposite pictures,",
        Verdict::InBetween => "**Not settled**, between the two pictures,",
        Verdict::NotSettled => "**Not settled**",
    };
    let body = match (slope, regret) {
        (Vote::LoshchilovHutter, Vote::LoshchilovHutter) => {
            format!("the slopes and the transfer regret both say {lh}")
        }
        (Vote::Regulariser, Vote::Regulariser) => {
            format!("the slopes and the transfer regret both say {reg}")
        }
        _ => format!("{}; {}", by_slopes(slope), by_regret(regret)),
    };
    format!("{head} for {l2} and {dec}: {body}.")
}

/// "SGD + L2: valley slope −0.24 [−0.29, −0.16], **not settled** (windows …)".
fn slope_sentence(m: &MethodAnalysis, shift: f64, reading: Coupling) -> String {
    let label = m.method.label();
    let Some(v) = m.slopes.valley else {
        return format!(
            "{label}: no valley fit (it needs two or more learning rates whose best positive \
              decay is bracketed, each with three positive decays within {} point of its best, \
              or a best positive decay with a measured one either side).",
            crate::analysis::NEAR_BEST_POINTS
        );
    };
    let range = match (reading, m.slopes.range(shift)) {
        (Coupling::NotSettled, Some((lo, hi))) if hi > lo => {
            format!("; the fits range over {lo:+.2} … {hi:+.2}")
        }
        _ => String::new(),
    };
    format!(
        "{label}: valley slope {} {}, **{}** ({}{range}).",
        match m.method.decay_kind() == DecayKind::Decoupled {
            true => "of λ'",
            false => "of λ",
        },
        est(&v.shifted(shift)),
        reading.word(),
        robustness(&m.slopes, shift),
    )
}

/// The practitioner's measure for one method: what reusing one tuned decay across α costs in
/// each parametrisation, and which lets one value serve every α.
fn regret_sentence(m: &MethodAnalysis) -> String {
    let label = m.method.label();
    let (swept, per_step) = if m.method.decay_kind() == DecayKind::Decoupled {
        ("λ'", "λ_pt = λ'/α")
    } else {
        ("λ", "αλ")
    };
    let Some(r) = m.regret() else {
        return format!("Transfer regret of {label}: not measured (it needs two seeds per cell).");
    };
    let better = match r.difference.interval {
        Some((_, hi)) if hi < 0.0 => format!("holding {per_step} fixed serves every α better"),
        Some((lo, _)) if lo > 0.0 => format!("holding {swept} fixed serves every α better"),
        _ => "neither serves every α better (the difference's interval holds 0)".to_string(),
    };
    format!(
        "Transfer regret of {label} (tuned at one α on one seed, reused at every other α, \
          scored on another seed): {} points lost holding {swept} fixed, {} holding {per_step} \
          fixed ({} and {} comparisons; difference {}): {better}.",
        size(&r.intervals[0]),
        size(&r.intervals[1]),
        r.held[0].comparisons,
        r.held[1].comparisons,
        est(&r.difference),
    )
}

/// The SGD pair's built-in check: without momentum SGD + L2 with λ is SGDW with λ' = αλ, so
/// their valley slopes must differ by exactly 1. With momentum the two are different
/// algorithms and nothing is expected.
fn calibration(p: &PairAnalysis, momentum: f64) -> String {
    if momentum > 0.0 {
        return format!(
            "Calibration: none with momentum {momentum} — {} and {} are then two algorithms, \
              so their slopes need not differ by 1{}.",
            p.l2.label(),
            p.decoupled.label(),
            p.slope_gap
                .as_ref()
                .map_or(String::new(), |g| format!(" (they differ by {})", est(g)))
        );
    }
    match &p.slope_gap {
        Some(g) => format!(
            "Calibration: {}'s slope minus {}'s is {} (1 expected, since the two are one \
             algorithm under λ' = αλ){}.",
            p.decoupled.label(),
            p.l2.label(),
            est(g),
            match g.interval {
                Some(_) if g.covers(1.0) => ": the fit passes its own check",
                Some(_) =>
                    ": the interval misses 1, so each valley slope may be off by about \
                            the difference",
                None => "",
            }
        ),
        None => "Calibration: not measured (no valley fit for one of the pair).".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_rows::{analysis, synthetic_seeds};

    #[test]
    fn the_votes_read_both_pictures_and_abstain_otherwise() {
        let falls = Coupling::Coupled { falls: true };
        let grows = Coupling::Coupled { falls: false };
        let sep = Coupling::Separated;
        assert_eq!(Vote::of_slopes(falls, sep), Vote::LoshchilovHutter);
        assert_eq!(Vote::of_slopes(sep, grows), Vote::Regulariser);
        assert_eq!(Vote::of_slopes(falls, grows), Vote::Between);
        assert_eq!(
            Verdict::of(Vote::Between, Vote::Neither).word(),
            "not settled (between the two pictures)"
        );
        assert_eq!(
            Verdict::of(Vote::Between, Vote::LoshchilovHutter),
            Verdict::PartlyShown
        );
        assert_eq!(
            Verdict::of(Vote::LoshchilovHutter, Vote::Regulariser),
            Verdict::Opposite
        );
        assert_eq!(Vote::of_slopes(Coupling::NoValley, sep), Vote::Neither);
        assert_eq!(Vote::of_slopes(Coupling::NotSettled, sep), Vote::Neither);
    }

    #[test]
    fn two_pairs_with_opposite_results_get_their_own_sentences() {
        // The SGD pair in L-H's picture (best λ ∝ 1/α, best λ' fixed); the Adam pair the
        // other way round (best λ fixed, best λ' ∝ α).
        let mut rows = synthetic_seeds(Method::Sgd, -1.0, 1e-5);
        rows.extend(synthetic_seeds(Method::Sgdw, 0.0, 1e-4));
        rows.extend(synthetic_seeds(Method::Adam, 0.0, 1e-4));
        rows.extend(synthetic_seeds(Method::Adamw, 1.0, 1e-2));
        let full = crate::study::presets::preset(crate::study::presets::Preset::Full);
        let a = analysis(full.settings, rows);
        let v = claim3(&a);
        let (sgd, adam) = v.split_once("*Adam + L2 and AdamW.*").expect("two pairs");
        assert!(
            sgd.contains(
                "**Shown** for SGD + L2 and SGDW: the slopes and the transfer regret both say"
            ),
            "{sgd}"
        );
        assert!(sgd.contains("(Loshchilov & Hutter's picture)"), "{sgd}");
        assert!(sgd.contains("SGD + L2: valley slope of λ -1.0"), "{sgd}");
        assert!(
            adam.contains("**Not shown, the other way round** for Adam + L2 and AdamW"),
            "{adam}"
        );
        assert!(adam.contains("AdamW: valley slope of λ' +1.0"), "{adam}");
        assert!(!adam.contains("Loshchilov & Hutter's picture"), "{adam}");
        assert!(
            adam.contains("holding λ_pt = λ'/α fixed serves every α better"),
            "{adam}"
        );
        assert!(
            sgd.contains("holding λ' fixed serves every α better"),
            "{sgd}"
        );
    }

    #[test]
    fn a_one_seed_study_settles_nothing_about_the_coupling() {
        use crate::analysis::test_rows::synthetic;
        let mut rows = synthetic(Method::Adam, -1.0, 1e-6);
        rows.extend(synthetic(Method::Adamw, 0.0, 1e-4));
        let quick = crate::study::presets::preset(crate::study::presets::Preset::Quick);
        let v = claim3(&analysis(quick.settings, rows));
        assert!(v.contains("**Not settled** for Adam + L2 and AdamW"), "{v}");
        assert!(v.contains("no interval"), "{v}");
        assert!(v.contains("Transfer regret of AdamW: not measured"), "{v}");
    }
}
