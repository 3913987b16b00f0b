//! The verdict on each of the study's three claims, in plain language: what the data shows,
//! what it only suggests, and what it does not show. The report opens with them and `wdlab
//! report` prints them.

use super::format::{est, pm};
use crate::analysis::{
    Analysis, Coupling, Held, MethodAnalysis, PairAnalysis, FALLBACK_TIE_POINTS,
};
use crate::optim::Method;
use crate::study::{Equivalence, EquivalencePair};
use crate::util::fmt::{percent, short};
use std::fmt::Write as _;

/// The verdicts, one paragraph per claim, stating honestly what the data does not show.
pub(crate) fn verdicts(a: &Analysis) -> Vec<(String, String)> {
    vec![
        (
            "1. SGD + L2 with λ equals SGDW with λ' = αλ".to_string(),
            claim1(a),
        ),
        (
            "2. For Adam, L2 and decoupled decay differ, and which generalises better".to_string(),
            claim2(a),
        ),
        (
            "3. The best L2 penalty is tied to the learning rate; decoupled decay separates them"
                .to_string(),
            claim3(a),
        ),
    ]
}

/// Claim 1, from the equivalence check: SGD + L2 and SGDW are one algorithm.
fn claim1(a: &Analysis) -> String {
    match &a.equivalence {
        Some(eq) => equivalence_verdict(eq, a.method(Method::Sgd), a.settings.momentum),
        None => "Not measured in this folder: run `wdlab report DIR --equivalence` (or `wdlab \
                 reproduce`) to train the pair."
            .to_string(),
    }
}

/// Claim 1 when the folder holds the check; `sgd` supplies the seed noise the curves are
/// compared with, `momentum` the SGD momentum the study ran (which breaks the identity).
fn equivalence_verdict(eq: &Equivalence, sgd: Option<&MethodAnalysis>, momentum: f64) -> String {
    let p = &eq.sgd;
    let rel = p.max_param_diff / p.max_param.max(f64::MIN_POSITIVE);
    // The identity is per step, so the one-epoch parameter difference is the test. Over
    // a long run any two computations that differ in the last bit drift apart (more so
    // at a large learning rate), so the curves are compared with the seed noise.
    let same = rel < 1e-4;
    let mut s = format!(
        "{}: after one epoch ({} steps) the largest parameter difference is {:.1e} \
         (parameters up to {:.2}, relative {:.1e}). ",
        p.title, p.steps, p.max_param_diff, p.max_param, rel,
    );
    if same {
        s.push_str(
            "**Shown**: the two are the same algorithm up to float rounding, as \
             λ' = αλ predicts. ",
        );
        s.push_str(&curve_drift(p, sgd));
    } else {
        s.push_str(
            "**Not shown**: the runs differ by more than float rounding explains; check \
             that SGD runs without momentum (momentum breaks the equivalence).",
        );
    }
    if momentum > 0.0 {
        // With momentum the L2 term enters the buffer, m ← βm + α(g + λθ), and acts again at
        // every later step; SGDW's decay acts once (L-H Alg. 1). The check runs without
        // momentum; the study's own SGD runs do not.
        let _ = write!(
            s,
            " The study's own SGD runs use momentum β = {momentum}, under which the two are \
             different algorithms: SGD + L2's penalty passes through the momentum buffer \
             (m ← βm + α(∇R + λθ)) while SGDW decays θ once per step, so λ' = αλ equates \
             them for plain SGD only."
        );
    }
    if let Some(q) = &eq.adam {
        let _ = write!(
            s,
            " For contrast, {}: largest parameter difference {:.1e} after one epoch \
             (relative {:.1e}), curves up to {:.2} points apart — for Adam, L2 and \
             decoupled decay are different algorithms.",
            q.title,
            q.max_param_diff,
            q.max_param_diff / q.max_param.max(f64::MIN_POSITIVE),
            q.max_curve_gap()
        );
    }
    s
}

/// How the two equivalence curves compare over the full run, against the seed noise of the
/// chosen cell of `sgd` (when it has several seeds).
fn curve_drift(p: &EquivalencePair, sgd: Option<&MethodAnalysis>) -> String {
    let gap = p.max_curve_gap();
    let margin = sgd.map_or(FALLBACK_TIE_POINTS, |m| m.noise.tie_points());
    if gap <= margin {
        return format!("Their test-accuracy curves stay within {gap:.2} points of each other.");
    }
    let at = p
        .test_a
        .iter()
        .zip(&p.test_b)
        .zip(&p.epochs)
        .max_by(|((a1, b1), _), ((a2, b2), _)| (*a1 - *b1).abs().total_cmp(&(*a2 - *b2).abs()))
        .map_or(0, |(_, &e)| e);
    let last = match (p.test_a.last(), p.test_b.last()) {
        (Some(a), Some(b)) => 100.0 * (a - b).abs(),
        _ => f64::NAN,
    };
    let noise = sgd
        .and_then(|m| m.chosen.as_ref())
        .and_then(|c| c.test_mean_sd().1)
        .map_or(String::new(), |sd| {
            format!(
                " (the seed-to-seed standard deviation at SGD + L2's chosen cell is {})",
                percent(sd)
            )
        });
    format!(
        "Over the full run their test-accuracy curves drift apart, by up to {gap:.2} points \
         (epoch {at}) and {last:.2} points at the end{noise}: float rounding differences of \
         that size grow over thousands of steps, as between any two runs that differ in the \
         last bit."
    )
}

/// "Not measured: every cell of X and Y diverged." when a method of `methods` was swept but
/// has no finished cell to choose.
fn all_diverged(a: &Analysis, methods: &[Method]) -> Option<String> {
    let gone: Vec<&str> = methods
        .iter()
        .filter_map(|&m| a.method(m))
        .filter(|m| m.chosen.is_none())
        .map(|m| m.method.label())
        .collect();
    (!gone.is_empty()).then(|| {
        format!(
            "Not measured: every cell of {} diverged.",
            gone.join(" and ")
        )
    })
}

/// Claim 2: AdamW against Adam + L2 at their chosen cells, against the noise of the difference.
fn claim2(a: &Analysis) -> String {
    if let Some(s) = all_diverged(a, &[Method::Adam, Method::Adamw]) {
        return s;
    }
    let (Some(l2), Some(w)) = (
        a.method(Method::Adam).and_then(|m| m.chosen.as_ref()),
        a.method(Method::Adamw).and_then(|m| m.chosen.as_ref()),
    ) else {
        return "Not measured: the sweep needs both adam and adamw.".to_string();
    };
    let (ml, sl) = l2.test_mean_sd();
    let (mw, sw) = w.test_mean_sd();
    let diff = 100.0 * (mw - ml);
    // Standard error of the difference; with one seed each, the grids' tie margins stand in.
    let se = match (sl, sw) {
        (Some(sl), Some(sw)) => Some(
            100.0 * (sl.powi(2) / l2.tests.len() as f64 + sw.powi(2) / w.tests.len() as f64).sqrt(),
        ),
        _ => None,
    };
    let margins = [Method::Adam, Method::Adamw].map(|m| {
        a.method(m)
            .map_or(FALLBACK_TIE_POINTS, |x| x.noise.tie_points())
    });
    let threshold = se.map_or(margins[0].max(margins[1]), |se| 2.0 * se);
    let mut s = format!(
        "At their best settings on validation, AdamW (α = {}, λ' = {}) reaches {} test \
         accuracy and Adam + L2 (α = {}, λ = {}) {}: a difference of {:+.2} points{}. ",
        short(w.lr),
        short(w.decay),
        pm(&w.tests),
        short(l2.lr),
        short(l2.decay),
        pm(&l2.tests),
        diff,
        se.map_or(" (one seed each: no standard error)".to_string(), |se| {
            format!(" (standard error {se:.2})")
        }),
    );
    if diff > threshold {
        s.push_str(
            "**Shown**: AdamW generalises better than Adam + L2 here, by more than the \
             noise.",
        );
    } else if diff < -threshold {
        s.push_str(
            "**Not shown, reversed**: Adam + L2 is better than AdamW on this MNIST setup \
             by more than the noise.",
        );
    } else {
        let _ = write!(
            s,
            "**Not shown**: the difference is within the noise (not more than \
             {threshold:.2} points, twice its standard error), so on this MNIST setup AdamW and Adam + L2 \
             tie at their best settings. That they are different algorithms is still \
             visible in the equivalence check and in the different shapes of their heat \
             maps."
        );
    }
    if let Some(p) = a.pairs.iter().find(|p| p.decoupled == Method::Adamw) {
        s.push(' ');
        s.push_str(&equal_loss_sentence(p));
    }
    s
}

/// The pair at equal training loss, in one sentence.
pub(super) fn equal_loss_sentence(p: &PairAnalysis) -> String {
    let (l2, dec) = (p.l2.label(), p.decoupled.label());
    let Some(e) = &p.equal_loss else {
        return format!(
            "At equal training loss: not measured ({l2} and {dec} need four or more runs with \
             a positive decay each, over overlapping training losses)."
        );
    };
    let (lo, hi) = e.overlap;
    let word = match e.gap.interval {
        Some((l, h)) if h < 0.0 || l > 0.0 => {
            if h < 0.0 {
                format!("**{dec} generalises better at the same training loss**")
            } else {
                format!("**{l2} generalises better at the same training loss**")
            }
        }
        Some(_) => "**a tie**: the interval holds 0".to_string(),
        None => "no interval".to_string(),
    };
    format!(
        "At equal training loss (Loshchilov & Hutter's Fig. 3 view; [figure](equal-loss.svg)), \
         {dec}'s test error minus {l2}'s is {} points over the final training losses both \
         reach ({lo:.1e} to {hi:.1e}): {word}.",
        est(&e.gap),
    )
}

/// Claim 3: one coupling verdict per pair of an L2 method and its decoupled partner.
fn claim3(a: &Analysis) -> String {
    let mut s = String::new();
    for (l2, dec) in [(Method::Sgd, Method::Sgdw), (Method::Adam, Method::Adamw)] {
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

/// Claim 3 for one pair: an L2 method `a2` and its decoupled partner `ad`, read from the
/// intervals of their valley slopes (see [`Coupling`]).
fn coupling_verdict(a: &Analysis, a2: &MethodAnalysis, ad: &MethodAnalysis) -> String {
    let Some((v2, vd)) = a2.slopes.valley.zip(ad.slopes.valley) else {
        return format!(
            "{} and {}: no valley fit (each needs two or more learning rates with three \
             positive decays within {} point of that rate's best, around a floor).",
            a2.method.label(),
            ad.method.label(),
            crate::analysis::NEAR_BEST_POINTS
        );
    };
    let vd_pt = vd.shifted(-1.0);
    let (c2, cd, cd_pt) = (Coupling::of(&v2), Coupling::of(&vd), Coupling::of(&vd_pt));
    let mut s = format!(
        "Valley slope d log(best decay)/d log α with its 95 % interval: {} {} ({}); {} {} \
         ({}) with λ' as swept, {} ({}) in PyTorch's convention (λ_pt = λ'/α). Argmax \
         slopes, for comparison: {} {}, {} {}. ",
        a2.method.label(),
        est(&v2),
        c2.word(),
        ad.method.label(),
        est(&vd),
        cd.word(),
        est(&vd_pt),
        cd_pt.word(),
        a2.method.label(),
        a2.slopes.argmax.as_ref().map_or("–".into(), est),
        ad.method.label(),
        ad.slopes.argmax.as_ref().map_or("–".into(), est),
    );
    s.push_str(&coupling_conclusion(c2, cd, cd_pt));
    if let Some(p) = a.pairs.iter().find(|p| p.l2 == a2.method) {
        if a2.method == Method::Sgd {
            s.push(' ');
            s.push_str(&calibration(p));
        }
    }
    s.push(' ');
    s.push_str(&transfer_sentence(ad));
    let edges: Vec<String> = [a2, ad].iter().filter_map(|m| grid_edges(m)).collect();
    if !edges.is_empty() {
        let _ = write!(s, " Grid edges: {}.", edges.join("; "));
    }
    s
}

/// The verdict proper of claim 3 from the readings of the L2 slope `c2` and the decoupled
/// slope in the paper's (`cd`) and PyTorch's (`cd_pt`) conventions.
fn coupling_conclusion(c2: Coupling, cd: Coupling, cd_pt: Coupling) -> String {
    let falls = c2 == Coupling::Coupled { falls: true };
    let pt = if cd_pt == Coupling::Separated && cd != Coupling::Separated {
        " In PyTorch's convention the decoupled decay is separated: one λ_pt serves every α."
    } else {
        ""
    };
    let head = match (falls, c2, cd) {
        (_, Coupling::NoInterval, _) | (_, _, Coupling::NoInterval) => {
            return "**Not settled**: one seed per cell gives no interval (sweep two or more \
                    seeds per cell, `--seeds 2`)."
                .to_string();
        }
        (true, _, Coupling::Separated) => {
            "**Shown**: the best L2 coefficient falls as the learning rate grows (its \
             interval excludes 0), while the best decoupled decay stays within ±0.25 of flat."
        }
        (true, _, Coupling::Coupled { .. }) => {
            "**Partly shown**: the best L2 coefficient falls as the learning rate grows, but \
             the best decoupled decay moves with α too."
        }
        (true, _, _) => {
            "**Partly shown**: the best L2 coefficient falls as the learning rate grows; \
             whether the best decoupled decay stays put, the intervals do not settle."
        }
        (false, Coupling::Separated, Coupling::Coupled { falls: false }) => {
            "**Not shown, the other way round**: the best L2 coefficient stays put and the \
             best decoupled decay grows with α (λ' ≈ αλ at a fixed λ), as if the runs \
             settled near the minimiser of R_emp + (λ/2)‖θ‖², which does not depend on α."
        }
        (false, Coupling::Coupled { .. }, _) => {
            "**Not shown**: the best L2 coefficient grows with the learning rate."
        }
        _ => {
            "**Not settled**: the L2 slope's interval neither excludes 0 nor sits within \
             ±0.25, so these grids cannot say whether the best L2 coefficient falls with α."
        }
    };
    format!("{head}{pt}")
}

/// The SGD pair's built-in check: SGD + L2 with λ is SGDW with λ' = αλ, so their valley
/// slopes must differ by exactly 1.
fn calibration(p: &PairAnalysis) -> String {
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

/// The transfer test of a decoupled method in both conventions.
fn transfer_sentence(ad: &MethodAnalysis) -> String {
    let (Some(paper), Some(pt)) = (ad.transfer(Held::AsSwept), ad.transfer(Held::PerStep)) else {
        return format!(
            "Transfer test: not measured for {} (it needs two seeds per cell).",
            ad.method.label()
        );
    };
    let margin = ad.noise.tie_points();
    let better = if (paper.loss_points - pt.loss_points).abs() < margin {
        format!("a tie within the tie margin ({margin:.2} points)")
    } else if pt.loss_points < paper.loss_points {
        "PyTorch's convention lets one value serve every α better".to_string()
    } else {
        "the paper's convention lets one value serve every α better".to_string()
    };
    format!(
        "Transfer test ({}: decay tuned at one α on one seed, reused at every other α, scored \
         on the other seed, against tuning at each α): {:.2} points lost with λ' fixed, {:.2} \
         with λ_pt fixed ({} and {} comparisons): {better}.",
        ad.method.label(),
        paper.loss_points,
        pt.loss_points,
        paper.comparisons,
        pt.comparisons
    )
}

/// The learning rates whose best decay is the smallest or the largest non-zero decay of the
/// grid, where the optimum may lie beyond what was tried ("AdamW: at α = 5e-4 and 1e-3 the
/// best λ' is the smallest non-zero value tried").
fn grid_edges(m: &MethodAnalysis) -> Option<String> {
    let nonzero: Vec<f64> = m.grid.decays.iter().copied().filter(|&d| d > 0.0).collect();
    let (lo, hi) = (nonzero.first()?, nonzero.last()?);
    let side = |edge: f64, word: &str| {
        let lrs: Vec<String> = m
            .per_lr
            .iter()
            .filter(|b| b.decay == edge && !m.untrained_lrs.contains(&b.lr))
            .map(|b| short(b.lr))
            .collect();
        (!lrs.is_empty()).then(|| {
            format!(
                "at α = {} the best {} is the {word} non-zero value tried",
                lrs.join(", "),
                m.method.decay_symbol()
            )
        })
    };
    let parts: Vec<String> = [side(*lo, "smallest"), side(*hi, "largest")]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| format!("{}: {}", m.method.label(), parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::synthetic;

    #[test]
    fn the_coupling_verdict_reads_the_intervals_both_ways() {
        let falls = Coupling::Coupled { falls: true };
        let grows = Coupling::Coupled { falls: false };
        let sep = Coupling::Separated;
        let open = Coupling::NotSettled;
        // L-H's picture: best λ ∝ 1/α, best λ' fixed.
        assert!(coupling_conclusion(falls, sep, falls).starts_with("**Shown**"));
        // λ' moves with α, but λ_pt = λ'/α does not.
        let v = coupling_conclusion(falls, grows, sep);
        assert!(v.starts_with("**Partly shown**"), "{v}");
        assert!(v.contains("one λ_pt serves every α"), "{v}");
        // The other way round: best λ fixed, so best λ' = αλ grows with α.
        let v = coupling_conclusion(sep, grows, open);
        assert!(v.starts_with("**Not shown, the other way round**"), "{v}");
        let v = coupling_conclusion(open, sep, falls);
        assert!(v.starts_with("**Not settled**"), "{v}");
        let v = coupling_conclusion(Coupling::NoInterval, sep, falls);
        assert!(v.contains("one seed per cell gives no interval"), "{v}");
    }

    fn pair(diff: f64) -> crate::study::EquivalencePair {
        crate::study::EquivalencePair {
            title: "SGD + L2 (α = 1e-1, λ = 1e-3) vs SGDW (α = 1e-1, λ' = 1e-4)".into(),
            a_label: "SGD + L2".into(),
            b_label: "SGDW".into(),
            steps: 40,
            max_param_diff: diff,
            max_param: 0.3,
            epochs: vec![1, 2],
            test_a: vec![0.90, 0.92],
            test_b: vec![0.90, 0.93],
        }
    }

    #[test]
    fn with_momentum_claim_one_says_the_study_s_pair_differs() {
        let eq = |diff: f64| Equivalence {
            sgd: pair(diff),
            adam: None,
        };
        let plain = equivalence_verdict(&eq(3e-8), None, 0.0);
        assert!(plain.contains("**Shown**"), "{plain}");
        assert!(!plain.contains("momentum β"), "{plain}");
        // The check itself runs without momentum; the verdict says what momentum changes.
        let m = equivalence_verdict(&eq(3e-8), None, 0.9);
        assert!(m.contains("**Shown**"), "{m}");
        assert!(
            m.contains("use momentum β = 0.9, under which the two are different algorithms"),
            "{m}"
        );
        let broken = equivalence_verdict(&eq(2e-2), None, 0.0);
        assert!(broken.contains("**Not shown**"), "{broken}");
    }

    #[test]
    fn a_one_seed_study_settles_nothing_about_the_coupling() {
        let mut rows = synthetic(Method::Adam, -1.0, 1e-6);
        rows.extend(synthetic(Method::Adamw, 0.0, 1e-4));
        let a = Analysis {
            dir: std::path::PathBuf::from("unused"),
            settings: crate::study::presets::preset(crate::study::presets::Preset::Quick).settings,
            methods: [Method::Adam, Method::Adamw]
                .iter()
                .filter_map(|&m| analyse_method(m, &rows))
                .collect(),
            pairs: Vec::new(),
            rows,
            equivalence: None,
        };
        let v = claim3(&a);
        assert!(v.contains("Valley slope"), "{v}");
        assert!(v.contains("**Not settled**: one seed per cell"), "{v}");
        assert!(v.contains("Transfer test: not measured for AdamW"), "{v}");
    }

    #[test]
    fn a_best_decay_on_the_grid_edge_is_named() {
        // Best decay 1e-6, the smallest non-zero value of the synthetic grid, at every α.
        let m = analyse_method(Method::Adamw, &synthetic(Method::Adamw, 0.0, 1e-6)).unwrap();
        let edge = grid_edges(&m).expect("an edge");
        assert!(edge.contains("smallest non-zero value tried"), "{edge}");
        let inside = analyse_method(Method::Adamw, &synthetic(Method::Adamw, 0.0, 1e-3)).unwrap();
        assert_eq!(grid_edges(&inside), None);
    }
}
