//! The verdict on each of the study's three claims, in plain language: what the data shows,
//! what it only suggests, and what it does not show. The report opens with them and `wdlab
//! report` prints them.

use super::format::{pm, r2};
use crate::analysis::{Analysis, MethodAnalysis, NOISE_POINTS};
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
        Some(eq) => equivalence_verdict(eq, a.method(Method::Sgd)),
        None => "Not measured in this folder: run `wdlab report DIR --equivalence` (or `wdlab \
                 reproduce`) to train the pair."
            .to_string(),
    }
}

/// Claim 1 when the folder holds the check; `sgd` supplies the seed noise the curves are
/// compared with.
fn equivalence_verdict(eq: &Equivalence, sgd: Option<&MethodAnalysis>) -> String {
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
    if gap <= NOISE_POINTS {
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
    // Standard error of the difference; with one seed, the noise floor stands in.
    let se = match (sl, sw) {
        (Some(sl), Some(sw)) => Some(
            100.0 * (sl.powi(2) / l2.tests.len() as f64 + sw.powi(2) / w.tests.len() as f64).sqrt(),
        ),
        _ => None,
    };
    let threshold = se.map_or(NOISE_POINTS, |se| (2.0 * se).max(NOISE_POINTS));
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
            "**Not shown**: the difference is within the noise (below {threshold:.2} \
             points), so on this MNIST setup AdamW and Adam + L2 tie at their best \
             settings. That they are different algorithms is still visible in the \
             equivalence check and in the different shapes of their heat maps."
        );
    }
    s
}

/// Claim 3: one coupling verdict per pair of an L2 method and its decoupled partner.
fn claim3(a: &Analysis) -> String {
    let mut s = String::new();
    for (l2, dec) in [(Method::Sgd, Method::Sgdw), (Method::Adam, Method::Adamw)] {
        let (Some(a2), Some(ad)) = (a.method(l2), a.method(dec)) else {
            continue;
        };
        match all_diverged(a, &[l2, dec]) {
            Some(gone) => s.push_str(&gone),
            None => s.push_str(&coupling_verdict(a2, ad)),
        }
        s.push(' ');
    }
    if s.is_empty() {
        s = "Not measured: the sweep needs an L2 method and its decoupled partner.".into();
    }
    s.trim_end().to_string()
}

/// Claim 3 for one pair: an L2 method `a2` and its decoupled partner `ad`.
fn coupling_verdict(a2: &MethodAnalysis, ad: &MethodAnalysis) -> String {
    let slope = |m: &MethodAnalysis| {
        m.coupling.map_or(
            "no fit (fewer than two learning rates with a non-zero best decay)".to_string(),
            |f| format!("{:+.2} (R² {}, {} points)", f.slope, r2(f.r2), f.points),
        )
    };
    let fits = format!(
        "{} slope of log(best λ) on log(α): {}; {} slope of log(best λ') on log(α): {}.",
        a2.method.label(),
        slope(a2),
        ad.method.label(),
        slope(ad)
    );
    let moves = format!(
        "Over α from {} to {}, the best λ goes {} and the best λ' {}.",
        short(a2.lrs.first().copied().unwrap_or(f64::NAN)),
        short(a2.lrs.last().copied().unwrap_or(f64::NAN)),
        best_decay_path(a2),
        best_decay_path(ad)
    );
    let weak = weak_fits(a2, ad);
    let verdict = coupling_conclusion(a2, ad, !weak.is_empty());
    let caveat = if weak.is_empty() {
        String::new()
    } else {
        format!(
            " Caveat: {}, so the best decay at the other rates is set by noise.",
            weak.join("; ")
        )
    };
    let edges: Vec<String> = [a2, ad].iter().filter_map(|m| grid_edges(m)).collect();
    let caveat = if edges.is_empty() {
        caveat
    } else {
        format!("{caveat} Also: {}.", edges.join("; "))
    };
    format!("{fits} {moves} {verdict}{caveat}")
}

/// The methods of the pair whose slope rests on fewer than three informative learning rates,
/// in words. A best decay only means something at a learning rate where decay beats no decay
/// by more than the noise; with fewer than three such rates the slope is mostly noise.
fn weak_fits(a2: &MethodAnalysis, ad: &MethodAnalysis) -> Vec<String> {
    [a2, ad]
        .iter()
        .filter(|m| m.informative_lrs() < 3)
        .map(|m| {
            format!(
                "{} beats no decay by {NOISE_POINTS} points or more at only {} of {} learning rates",
                m.method.label(),
                m.informative_lrs(),
                m.lrs.len()
            )
        })
        .collect()
}

/// The verdict proper of claim 3, from the two slopes; `weak` when either rests on too few
/// informative learning rates (see [`weak_fits`]).
fn coupling_conclusion(a2: &MethodAnalysis, ad: &MethodAnalysis, weak: bool) -> &'static str {
    // Two points always lie on a line: a verdict needs three, and a fit that explains
    // at least half of the spread.
    let fit = |m: &MethodAnalysis, ok: fn(f64) -> bool| {
        m.coupling
            .is_some_and(|f| f.points >= 3 && f.r2 >= 0.5 && ok(f.slope))
    };
    let coupled = fit(a2, |slope| slope <= -0.5);
    let separable = ad
        .coupling
        .is_some_and(|f| f.points >= 3 && f.slope.abs() < 0.5);
    // The other way round needs evidence on both sides: a best λ' that grows with α, and a
    // best λ fitted over three or more rates that does not fall.
    let decay_tracks_lr =
        fit(ad, |slope| slope >= 0.5) && a2.coupling.is_some_and(|f| f.points >= 3);
    match (coupled, separable) {
        (true, true) if weak => {
            "**Suggested, not shown**: the slopes point the expected way (the best L2 \
             coefficient falls as the learning rate grows, the best decoupled decay \
             moves much less)."
        }
        (true, true) => {
            "**Shown**: the best L2 coefficient falls as the learning rate grows, while \
             the best decoupled decay moves much less."
        }
        (true, false) => {
            "**Partly shown**: the best L2 coefficient falls as the learning rate grows, \
             but the best decoupled decay moves too."
        }
        (false, true) => {
            "**Partly shown**: the best decoupled decay stays put, but the best L2 \
             coefficient does not clearly fall with the learning rate."
        }
        (false, false) if decay_tracks_lr => {
            "**Not shown, the other way round**: the best L2 coefficient does not clearly \
             fall with the learning rate, and the best decoupled decay grows with it \
             (λ' ≈ αλ at a fixed λ). What stays roughly fixed here is λ, as if the runs \
             settled near the minimiser of R_emp + (λ/2)‖θ‖², which does not depend on α."
        }
        (false, false) => {
            "**Not shown** by these grids (a verdict needs slopes fitted over at least \
             three learning rates, about −1 for L2 and about 0 for decoupled decay)."
        }
    }
}

/// The learning rates whose best decay is the smallest or the largest non-zero decay of the
/// grid, where the optimum may lie beyond what was tried ("AdamW: at α = 5e-4 and 1e-3 the
/// best λ' is the smallest non-zero value tried").
fn grid_edges(m: &MethodAnalysis) -> Option<String> {
    let nonzero: Vec<f64> = m.decays.iter().copied().filter(|&d| d > 0.0).collect();
    let (lo, hi) = (nonzero.first()?, nonzero.last()?);
    let side = |edge: f64, word: &str| {
        let lrs: Vec<String> = m
            .per_lr
            .iter()
            .filter(|b| b.decay == edge)
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

/// The best decay at the smallest and the largest learning rate: "from 1e-3 to 1.25e-4".
fn best_decay_path(m: &MethodAnalysis) -> String {
    match (m.per_lr.first(), m.per_lr.last()) {
        (Some(a), Some(b)) => format!("from {} to {}", short(a.decay), short(b.decay)),
        _ => "(no data)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::synthetic;

    #[test]
    fn the_coupling_verdict_reads_the_slopes_both_ways() {
        let analyse = |m: Method, slope: f64, c: f64| {
            analyse_method(m, &synthetic(m, slope, c)).expect("rows")
        };
        // L-H's picture: best λ ∝ 1/α, best λ' fixed.
        let v = coupling_verdict(
            &analyse(Method::Adam, -1.0, 1e-6),
            &analyse(Method::Adamw, 0.0, 1e-4),
        );
        assert!(v.contains("**Shown**"), "{v}");
        // The other way round: best λ fixed, so best λ' = αλ grows with α.
        let v = coupling_verdict(
            &analyse(Method::Sgd, 0.0, 1e-3),
            &analyse(Method::Sgdw, 1.0, 1e-2),
        );
        assert!(v.contains("**Not shown, the other way round**"), "{v}");
        assert!(
            v.contains("best λ' from 1e-5 to 1e-3"),
            "the path of the best λ': {v}"
        );
        // Both fixed: the L2 side does not fall.
        let v = coupling_verdict(
            &analyse(Method::Sgd, 0.0, 1e-3),
            &analyse(Method::Sgdw, 0.0, 1e-3),
        );
        assert!(
            v.contains("**Partly shown**: the best decoupled decay stays put"),
            "{v}"
        );
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
