//! The verdict on claim 1 — SGD + L2 with λ equals SGDW with λ' = αλ — read from the
//! equivalence check: the pair's one-epoch parameter difference against float rounding, the
//! drift of its curves against the seed noise, what momentum changes, and, with momentum, the
//! pair compared at its chosen cells as claim 2 compares Adam's.

use super::pair_tests::{chosen_cells_compared, equal_loss_sentence};
use crate::analysis::{Analysis, MethodAnalysis, FALLBACK_TIE_POINTS};
use crate::optim::Method;
use crate::study::{Equivalence, EquivalencePair};
use crate::util::fmt::percent;
use std::fmt::Write as _;

/// Claim 1, from the equivalence check: SGD + L2 and SGDW are one algorithm.
pub(super) fn claim1(a: &Analysis) -> String {
    let mut s = match &a.equivalence {
        Some(eq) => equivalence_verdict(eq, a.method(Method::Sgd), a.settings.momentum()),
        None => "Not measured in this folder: run `wdlab report DIR --equivalence` (or `wdlab \
                 reproduce`) to train the pair."
            .to_string(),
    };
    s.push_str(&momentum_pair_compared(a));
    s
}

/// The pair's largest parameter difference after one epoch relative to the largest parameter.
fn relative_diff(p: &EquivalencePair) -> f64 {
    p.max_param_diff / p.max_param.max(f64::MIN_POSITIVE)
}

/// The control's difference when the pair differs by more than rounding (relative 1e-4) but no
/// more than the control run (α changed by 2⁻²⁰) moves: a large α that amplifies rounding
/// within the first epoch. The identity is per step, so the one-epoch parameter difference is
/// the test; over a long run any two computations that differ in the last bit drift apart, so
/// the curves are compared with the seed noise instead.
fn amplified_rounding(p: &EquivalencePair) -> Option<f64> {
    p.rounding_diff
        .filter(|&r| relative_diff(p) >= 1e-4 && p.max_param_diff <= r)
}

/// Claim 1's verdict word, from the equivalence check of the folder.
pub(crate) fn claim1_word(a: &Analysis) -> &'static str {
    match &a.equivalence {
        None => "not measured",
        Some(eq) if amplified_rounding(&eq.sgd).is_some() => "shown (rounding amplified)",
        Some(eq) if relative_diff(&eq.sgd) < 1e-4 => "shown",
        Some(_) => "not shown",
    }
}

/// Claim 1 when the folder holds the check; `sgd` supplies the seed noise the curves are
/// compared with, `momentum` the SGD momentum the study ran (which breaks the identity).
fn equivalence_verdict(eq: &Equivalence, sgd: Option<&MethodAnalysis>, momentum: f64) -> String {
    let p = &eq.sgd;
    let rel = relative_diff(p);
    let mut s = format!(
        "{}: after one epoch ({} steps) the largest parameter difference is {:.1e} \
         (parameters up to {:.2}, relative {:.1e}). ",
        p.title, p.steps, p.max_param_diff, p.max_param, rel,
    );
    push_pair_verdict(&mut s, p, sgd);
    if momentum > 0.0 {
        push_momentum_caveat(&mut s, eq, momentum);
    }
    push_adam_contrast(&mut s, eq);
    s
}

/// The SGD pair's word: shown with rounding amplified, shown, or not shown.
fn push_pair_verdict(s: &mut String, p: &EquivalencePair, sgd: Option<&MethodAnalysis>) {
    let rel = relative_diff(p);
    if let Some(r) = amplified_rounding(p) {
        let _ = write!(
            s,
            "**Shown**, with rounding amplified: changing SGD + L2's α by one part in a \
             million (2⁻²⁰, a rounding-sized step) moves its parameters by {r:.1e} in the same \
             epoch, more than the pair differs, so at this learning rate the first epoch \
             amplifies float rounding and the difference says nothing against λ' = αλ. "
        );
        s.push_str(&curve_drift(p, sgd));
    } else if rel < 1e-4 {
        push_shown(s, p, rel, sgd);
    } else {
        s.push_str(
            "**Not shown**: the runs differ by more than float rounding explains; check \
             that SGD runs without momentum (momentum breaks the equivalence).",
        );
        if let Some(r) = p.rounding_diff {
            let _ = write!(
                s,
                " (Changing α by 2⁻²⁰ moves SGD + L2 by {r:.1e} in the same epoch.)"
            );
        }
    }
}

/// The pair agrees up to rounding (relative difference `rel`): shown, with why the pair may
/// still differ by more than the rounding control, and how the curves compare.
fn push_shown(s: &mut String, p: &EquivalencePair, rel: f64, sgd: Option<&MethodAnalysis>) {
    s.push_str(
        "**Shown**: the two are the same algorithm up to float rounding, as \
         λ' = αλ predicts. ",
    );
    if let Some(r) = p.rounding_diff.filter(|&r| r < p.max_param_diff) {
        // Weights take one identical f32 step on the CPU path (θ ← keep·θ − η_t·α·aᵀδ,
        // folded into the gemm) but biases take the general kernel, where SGD + L2 rounds
        // g + λθ at the gradient's precision and SGDW scales θ by (1 − η_t·λ'): rounding of
        // another kind than a uniform change of α makes.
        let _ = write!(
            s,
            "The pair differs by more than the rounding control moves SGD + L2 ({r:.1e}): \
             the control scales every update by 1 + 2⁻²⁰, while the pair differs in where \
             float rounding falls — SGD + L2 adds λθ to the gradient in f32 before its step \
             (rounded at the gradient's precision, in the biases' update), SGDW multiplies θ \
             by 1 − η_t·λ' — rounding of another kind, which the first epoch carries to \
             a relative {rel:.1e}, far below what two algorithms give. "
        );
    }
    s.push_str(&curve_drift(p, sgd));
}

/// The study's SGD runs use momentum β = `momentum`, under which λ' = αλ does not hold; the
/// momentum pair's differences when the check trained it.
fn push_momentum_caveat(s: &mut String, eq: &Equivalence, momentum: f64) {
    // With momentum the L2 term enters the buffer, m ← βm + α(g + λθ), and acts again at
    // every later step; SGDW's decay acts once (L-H Alg. 1). The check above runs without
    // momentum; the study's own SGD runs do not.
    let _ = write!(
        s,
        " The study's own SGD runs use momentum β = {momentum}, under which the two are \
         different algorithms: SGD + L2's penalty passes through the momentum buffer \
         (m ← βm + α(∇R + λθ)) while SGDW decays θ once per step, so λ' = αλ equates \
         them for plain SGD only"
    );
    match &eq.sgd_momentum {
        Some(m) => {
            let _ = write!(
                s,
                ": with momentum the same pair differs by {:.1e} after one epoch \
                 (relative {:.1e}) and its curves by up to {:.2} points.",
                m.max_param_diff,
                m.max_param_diff / m.max_param.max(f64::MIN_POSITIVE),
                m.max_curve_gap()
            );
        }
        None => s.push('.'),
    }
}

/// The Adam pair, when the check trained it, as the contrast of two different algorithms.
fn push_adam_contrast(s: &mut String, eq: &Equivalence) {
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

/// With momentum SGD + L2 and SGDW are two algorithms, so claim 1 also asks claim 2's
/// question of them (Loshchilov & Hutter's SGD experiments): which generalises better at
/// their chosen cells and at equal training loss. Empty without momentum or either method.
fn momentum_pair_compared(a: &Analysis) -> String {
    if a.settings.momentum() <= 0.0 {
        return String::new();
    }
    let Some(mut s) = chosen_cells_compared(a, Method::Sgd, Method::Sgdw) else {
        return String::new();
    };
    s.insert(0, ' ');
    if let Some(p) = a.pairs.iter().find(|p| p.decoupled == Method::Sgdw) {
        s.push(' ');
        s.push_str(&equal_loss_sentence(a, p));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(diff: f64) -> crate::study::EquivalencePair {
        crate::study::EquivalencePair {
            title: "SGD + L2 (α = 1e-1, λ = 1e-3) vs SGDW (α = 1e-1, λ' = 1e-4)".into(),
            a_label: "SGD + L2".into(),
            b_label: "SGDW".into(),
            steps: 40,
            max_param_diff: diff,
            max_param: 0.3,
            rounding_diff: None,
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
            sgd_momentum: None,
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
        let measured = Equivalence {
            sgd_momentum: Some(pair(2e-2)),
            ..eq(3e-8)
        };
        let m = equivalence_verdict(&measured, None, 0.9);
        assert!(
            m.contains("with momentum the same pair differs by 2.0e-2 after one epoch"),
            "{m}"
        );
        let broken = equivalence_verdict(&eq(2e-2), None, 0.0);
        assert!(broken.contains("**Not shown**"), "{broken}");
        // The same difference where a rounding-sized change of α moves the run further.
        let nudged = |r: f64| Equivalence {
            sgd: crate::study::EquivalencePair {
                rounding_diff: Some(r),
                ..pair(2e-2)
            },
            ..eq(2e-2)
        };
        let amplified = equivalence_verdict(&nudged(5e-2), None, 0.0);
        assert!(
            amplified.contains("**Shown**, with rounding amplified")
                && amplified.contains("moves its parameters by 5.0e-2"),
            "{amplified}"
        );
        let real = equivalence_verdict(&nudged(1e-3), None, 0.0);
        assert!(
            real.contains("**Not shown**") && real.contains("moves SGD + L2 by 1.0e-3"),
            "{real}"
        );
    }

    /// An SGD + L2 and SGDW study over two seeds, SGDW's best cell `lift` above SGD + L2's,
    /// with the settings of `preset`, in a study folder whose chosen cells saved predictions
    /// on 1,000 test images: SGDW's right on a fraction `right.1` of them, SGD + L2's on
    /// `right.0`.
    fn sgd_pair(
        preset: crate::study::presets::Preset,
        lift: f64,
        right: (f64, f64),
    ) -> (tempfile::TempDir, Analysis) {
        use crate::analysis::test_rows::{analysis, synthetic_seeds};
        use crate::study::predictions::{run_dir, PREDICTIONS, TEST_LABELS};
        let mut rows = synthetic_seeds(Method::Sgd, -1.0, 1e-5);
        rows.extend(
            synthetic_seeds(Method::Sgdw, 0.0, 1e-3)
                .into_iter()
                .map(|mut r| {
                    r.test_accuracy = r.test_accuracy.map(|t| t + lift);
                    r.val_accuracy = r.val_accuracy.map(|v| v + lift);
                    r
                }),
        );
        let settings = crate::study::presets::preset(preset).settings;
        let first = analysis(settings.clone(), rows.clone());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("study.json"),
            serde_json::to_string(&settings).unwrap(),
        )
        .unwrap();
        let labels: Vec<u8> = (0..1000).map(|i| (i % 10) as u8).collect();
        std::fs::write(dir.path().join(TEST_LABELS), &labels).unwrap();
        for (m, frac) in [(Method::Sgd, right.0), (Method::Sgdw, right.1)] {
            let c = first.method(m).unwrap().chosen.clone().unwrap();
            for &seed in &c.seeds {
                let cell = crate::study::Cell::new(m, c.lr, c.decay, seed);
                let folder = run_dir(dir.path(), &cell);
                std::fs::create_dir_all(&folder).unwrap();
                let hits = (frac * labels.len() as f64) as usize;
                let p: Vec<u8> = labels
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| if i < hits { l } else { (l + 1) % 10 })
                    .collect();
                std::fs::write(folder.join(PREDICTIONS), p).unwrap();
            }
        }
        let a = Analysis::load_rows(dir.path(), rows).unwrap();
        (dir, a)
    }

    #[test]
    fn with_momentum_the_sgd_pair_is_compared_at_its_chosen_cells() {
        use crate::study::presets::Preset;
        // Claim 2's paragraph, which names claim 1's pair when the study has no Adam pair.
        let claim2 = |a: &Analysis| crate::report::verdicts(a).swap_remove(1).1;
        let (_d, a) = sgd_pair(Preset::Momentum, 0.005, (0.90, 0.95));
        let c1 = claim1(&a);
        assert!(
            c1.contains(
                "SGDW (α = 1e-3, λ' = 1e-3) reaches 95.41 ± 0.01 % (2 seeds) test accuracy"
            ),
            "{c1}"
        );
        assert!(c1.contains("a difference of +0.50 points"), "{c1}");
        assert!(c1.contains("Welch's t = "), "{c1}");
        assert!(
            c1.contains("paired over the 1000 test images (2 and 2 seeds): +5.00 points"),
            "{c1}"
        );
        assert!(
            c1.contains("**Shown**: SGDW generalises better than SGD + L2 here — all three"),
            "{c1}"
        );
        let c2 = claim2(&a);
        assert!(c2.contains("Claim 1 compares SGDW with SGD + L2"), "{c2}");
        let (_d, reversed) = sgd_pair(Preset::Momentum, -0.005, (0.95, 0.90));
        let reversed = claim1(&reversed);
        assert!(
            reversed.contains("**Not shown, reversed**: SGD + L2 generalises better than SGDW"),
            "{reversed}"
        );
        // Seeds and selection say SGDW, the test images cannot tell: not shown, and which
        // test failed is named.
        let (_d, split) = sgd_pair(Preset::Momentum, 0.005, (0.95, 0.95));
        let split = claim1(&split);
        assert!(
            split.contains(
                "**Not shown**: the paired test over test images does not exclude a difference of 0 in the same direction"
            ),
            "{split}"
        );
        // Without momentum the pair is one algorithm: nothing to compare.
        let (_d, plain) = sgd_pair(Preset::Full, 0.005, (0.95, 0.95));
        assert!(!claim1(&plain).contains("At their best settings"));
        assert!(!claim2(&plain).contains("Claim 1 compares"));
    }
}
