//! The verdict on each of the study's three claims, in plain language: what the data shows,
//! what it only suggests, and what it does not show. The report opens with them and `wdlab
//! report` prints them. Claims 1 and 2 are read here, claim 3 in [`super::claim3`]; a study
//! with the Lion pair (`--preset lion`) gets a fourth, read here too.

use super::format::{all_diverged, est, pm};
use crate::analysis::chosen_pair::ChosenComparison;
use crate::analysis::{Analysis, Estimate, MethodAnalysis, PairAnalysis, FALLBACK_TIE_POINTS};
use crate::optim::Method;
use crate::study::{Equivalence, EquivalencePair};
use crate::util::fmt::{percent, short};
use std::fmt::Write as _;

/// The verdicts, one paragraph per claim, stating honestly what the data does not show.
pub(crate) fn verdicts(a: &Analysis) -> Vec<(String, String)> {
    let mut v = vec![
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
            super::claim3::claim3(a),
        ),
    ];
    if let Some(s) = claim4(a) {
        v.push((
            "4. For Lion, L2 and decoupled decay differ more than for Adam".to_string(),
            s,
        ));
    }
    v
}

/// Claim 4, in a study with the Lion pair (None without it): LionW against Lion + L2 at their
/// chosen cells and at equal training loss, then the decoupled-minus-L2 gap of every pair side
/// by side. Lion's step is sign(c): the same size for every element whatever the gradient's
/// scale, so an L2 term changes a step only where it flips a sign (Chen et al. 2023, §3.2),
/// which predicts the widest gap of the three.
fn claim4(a: &Analysis) -> Option<String> {
    let (l2, dec) = (Method::Lion, Method::Lionw);
    if a.method(l2).is_none() && a.method(dec).is_none() {
        return None;
    }
    if let Some(s) = all_diverged(a, &[l2, dec]) {
        return Some(s);
    }
    let Some(mut s) = chosen_cells_compared(a, l2, dec) else {
        return Some("Not measured: the sweep needs both lion and lionw.".to_string());
    };
    if let Some(p) = a.pairs.iter().find(|p| p.decoupled == dec) {
        s.push(' ');
        s.push_str(&equal_loss_sentence(a, p));
    }
    s.push(' ');
    s.push_str(&gaps_across_pairs(a));
    Some(s)
}

/// The decoupled-minus-L2 test accuracy at the chosen cells of every pair with both chosen, in
/// the order SGD, Adam, Lion, and whether its size grows along that order.
fn gaps_across_pairs(a: &Analysis) -> String {
    let gaps: Vec<(&str, f64)> = Method::PAIRS
        .iter()
        .filter_map(|&(l2, dec)| {
            let mean = |m: Method| Some(a.method(m)?.chosen.as_ref()?.test_mean_sd().0);
            Some((l2.def().direction_name(), 100.0 * (mean(dec)? - mean(l2)?)))
        })
        .collect();
    let listed: Vec<String> = gaps
        .iter()
        .map(|(name, g)| format!("{name} {g:+.2}"))
        .collect();
    let widens = gaps.len() > 1 && gaps.windows(2).all(|w| w[1].1.abs() > w[0].1.abs());
    let reading = if widens {
        "the gap **widens** from pair to pair, as the direction depends less linearly on the \
         gradient"
    } else {
        "the gap does **not** widen steadily along that order"
    };
    format!(
        "Decoupled minus L2 at the chosen cells: {} points; {reading} (the order of the \
         differences only: each pair's own tests say whether its difference is beyond seed \
         noise).",
        listed.join(", ")
    )
}

/// Claim 1, from the equivalence check: SGD + L2 and SGDW are one algorithm.
fn claim1(a: &Analysis) -> String {
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

/// Claim 2: AdamW against Adam + L2 at their chosen cells, and at equal training loss.
fn claim2(a: &Analysis) -> String {
    if let Some(s) = all_diverged(a, &[Method::Adam, Method::Adamw]) {
        return s;
    }
    let Some(mut s) = chosen_cells_compared(a, Method::Adam, Method::Adamw) else {
        let mut s = "Not measured: the sweep needs both adam and adamw.".to_string();
        if a.settings.momentum() > 0.0 && a.method(Method::Sgdw).is_some() {
            s.push_str(
                " Claim 1 compares SGDW with SGD + L2, which momentum makes two algorithms.",
            );
        }
        return s;
    };
    if let Some(p) = a.pairs.iter().find(|p| p.decoupled == Method::Adamw) {
        s.push(' ');
        s.push_str(&equal_loss_sentence(a, p));
    }
    s
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

/// The decoupled method `dec` against its L2 partner `l2` at their chosen cells, read from the
/// three tests of [`crate::analysis::chosen_pair`]; None unless both have a chosen cell.
fn chosen_cells_compared(a: &Analysis, l2: Method, dec: Method) -> Option<String> {
    let (lc, dc) = (
        a.method(l2).and_then(|m| m.chosen.as_ref())?,
        a.method(dec).and_then(|m| m.chosen.as_ref())?,
    );
    let (ml, _) = lc.test_mean_sd();
    let (md, _) = dc.test_mean_sd();
    let diff = 100.0 * (md - ml);
    let (ln, dn) = (l2.label(), dec.label());
    let mut s = format!(
        "At their best settings on validation, {dn} (α = {}, λ' = {}) reaches {} test \
         accuracy and {ln} (α = {}, λ = {}) {}: a difference of {diff:+.2} points. ",
        short(dc.lr),
        short(dc.decay),
        pm(&dc.tests),
        short(lc.lr),
        short(lc.decay),
        pm(&lc.tests),
    );
    let Some(c) = a.chosen_pair(l2, dec) else {
        return Some(s);
    };
    s.push_str(&three_tests(c));
    s.push(' ');
    let (verdict, failed, not_run) = c.agreement();
    let _ = match verdict {
        1 => write!(
            s,
            "**Shown**: {dn} generalises better than {ln} here — all three tests agree at the \
             5 % level."
        ),
        -1 => write!(
            s,
            "**Not shown, reversed**: {ln} generalises better than {dn} here — all three \
             tests agree at the 5 % level."
        ),
        _ => {
            let mut why = Vec::new();
            if !failed.is_empty() {
                why.push(format!(
                    "{} {} not exclude a difference of 0 in the same direction",
                    failed.join(" and "),
                    if failed.len() > 1 { "do" } else { "does" }
                ));
            }
            if !not_run.is_empty() {
                why.push(format!("{} could not be run", not_run.join(" and ")));
            }
            write!(
                s,
                "**Not shown**: {}, so on this MNIST setup {dn} and {ln} are not told apart \
                 at their best settings.",
                why.join("; ")
            )
        }
    };
    if verdict == 0 {
        // With no positive decay in either grid the two are one algorithm: nothing differs.
        let decays = |m| {
            a.method(m)
                .is_some_and(|x| x.grid.decays.iter().any(|&d| d > 0.0))
        };
        s.push_str(if decays(l2) && decays(dec) {
            " That they are different algorithms is still visible in the equivalence check \
             and in the different shapes of their heat maps."
        } else {
            " Every decay of one of their grids is 0, where the two are the same algorithm, \
             so a tie is all this study can show; sweep positive decays to compare them."
        });
    }
    Some(s)
}

/// The three tests of claim 2 in one sentence, each with what it could not measure.
fn three_tests(c: &ChosenComparison) -> String {
    let reselected = c.reselected.map_or_else(
        || "re-chosen bootstrap: not measured".to_string(),
        |e| {
            format!(
                "with each method's cell re-chosen in every bootstrap replicate, {}",
                est(&e)
            )
        },
    );
    let welch = c.welch.map_or_else(
        || "Welch's t: not measured (it needs two seeds at each chosen cell)".to_string(),
        |w| {
            format!(
                "Welch's t = {:.2} with {:.1} degrees of freedom, {}",
                w.t,
                w.df,
                p_value(w.p)
            )
        },
    );
    let paired = c.paired.map_or_else(
        || {
            "paired over test images: not measured (the chosen cells saved no test \
             predictions; `wdlab reproduce` retrains them to save them)"
                .to_string()
        },
        |p| {
            format!(
                "paired over the {} test images ({} and {} seeds): {:+.2} points, standard \
                 error {:.2}, z = {:.2}, {}",
                p.images,
                p.seeds.1,
                p.seeds.0,
                p.diff_points,
                p.se_points,
                p.z,
                p_value(p.p)
            )
        },
    );
    format!("Tested three ways: {reselected}; {welch}; {paired}.")
}

/// "p = 0.067", "p < 0.001".
fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// The pair at equal training loss, in one sentence; for a pair other than the SGD pair, with
/// the SGD pair's gap beside it when that pair is one algorithm (no momentum): its true gap is
/// 0, so what the same fit finds there is the fit's own bias.
pub(super) fn equal_loss_sentence(a: &Analysis, p: &PairAnalysis) -> String {
    let (l2, dec) = (p.l2.label(), p.decoupled.label());
    let Some(e) = &p.equal_loss else {
        return format!(
            "At equal training loss: not measured ({l2} and {dec} need four or more runs with \
             a positive decay each, over overlapping training losses)."
        );
    };
    let (lo, hi) = e.overlap;
    // The SGD pair is one algorithm without momentum: its true gap is 0, so what the same fit
    // finds there is the fit's own error, and a gap is only read as such beyond it.
    let null = a
        .pairs
        .iter()
        .find(|q| q.l2 == Method::Sgd && q.decoupled == Method::Sgdw && q.l2 != p.l2)
        .filter(|_| a.settings.momentum() == 0.0)
        .and_then(|q| q.equal_loss.as_ref())
        .map(|n| n.gap);
    let word = equal_loss_word(e.gap, null, l2, dec);
    let null = null.map_or(String::new(), |n| {
        format!(
            " (the SGD pair, one algorithm here, gives {} by the same fit: the size of the \
             fit's own error)",
            est(&n)
        )
    });
    format!(
        "At equal training loss (Loshchilov & Hutter's Fig. 3 view; [figure](equal-loss.svg)), \
         {dec}'s test error minus {l2}'s is {} points over the final training losses both \
         reach ({lo:.1e} to {hi:.1e}){null}: {word}.",
        est(&e.gap),
    )
}

/// The reading of an equal-loss `gap` (decoupled minus L2 test error): a side wins when the
/// interval excludes 0 and, where the SGD pair's `null` gap is known, its point too.
fn equal_loss_word(gap: Estimate, null: Option<Estimate>, l2: &str, dec: &str) -> String {
    let Some((l, h)) = gap.interval else {
        return "no interval".to_string();
    };
    let bias = null.map_or(0.0, |n| n.point);
    let (below, above) = (h < 0.0_f64.min(bias), l > 0.0_f64.max(bias));
    match (below, above) {
        (true, _) => format!("**{dec} generalises better at the same training loss**"),
        (_, true) => format!("**{l2} generalises better at the same training loss**"),
        _ if h < 0.0 || l > 0.0 => format!(
            "**not told apart from the fit's own error**: the interval excludes 0 but holds \
             the SGD pair's {bias:+.2}"
        ),
        _ => "**a tie**: the interval holds 0".to_string(),
    }
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

    /// A study of the three pairs gets a fourth verdict, which compares LionW with Lion + L2
    /// and lists every pair's gap; a study without Lion keeps its three.
    #[test]
    fn the_lion_pair_gets_its_own_verdict_with_the_gap_of_every_pair() {
        use crate::analysis::test_rows::{analysis, synthetic_seeds};
        let settings = crate::study::presets::preset(crate::study::presets::Preset::Lion).settings;
        let lifted = |m: Method, lift: f64| {
            let mut rows = synthetic_seeds(m, 0.0, 1e-3);
            for r in &mut rows {
                r.test_accuracy = r.test_accuracy.map(|t| t + lift);
                r.val_accuracy = r.val_accuracy.map(|v| v + lift);
            }
            rows
        };
        let mut rows = Vec::new();
        for (m, lift) in [
            (Method::Sgd, 0.0),
            (Method::Sgdw, 0.0),
            (Method::Adam, 0.0),
            (Method::Adamw, 0.004),
            (Method::Lion, 0.0),
            (Method::Lionw, 0.01),
        ] {
            rows.extend(lifted(m, lift));
        }
        let three = analysis(settings.clone(), rows[..rows.len() / 3 * 2].to_vec());
        assert_eq!(verdicts(&three).len(), 3);
        let v = verdicts(&analysis(settings, rows));
        assert_eq!(v.len(), 4);
        assert!(v[3].0.starts_with("4. For Lion"), "{}", v[3].0);
        let s = &v[3].1;
        assert!(s.contains("LionW (α = "), "{s}");
        assert!(
            s.contains("SGD +0.00, Adam +0.40, Lion +1.00 points"),
            "{s}"
        );
        assert!(s.contains("the gap **widens**"), "{s}");
    }

    #[test]
    fn an_equal_loss_gap_is_read_beyond_the_sgd_pair_s_null() {
        let e = |point: f64, lo: f64, hi: f64| Estimate {
            point,
            interval: Some((lo, hi)),
            failed: 0,
        };
        let word = |gap, null| equal_loss_word(gap, null, "Adam + L2", "AdamW");
        // Label noise as measured: −1.88 [−4.66, −0.18] against a null of −2.25.
        let w = word(e(-1.88, -4.66, -0.18), Some(e(-2.25, -4.90, -0.50)));
        assert!(w.contains("not told apart from the fit's own error"), "{w}");
        assert!(w.contains("holds the SGD pair's -2.25"), "{w}");
        // LayerNorm as measured: −0.87 [−1.11, −0.64] against −0.51: beyond it.
        let w = word(e(-0.87, -1.11, -0.64), Some(e(-0.51, -0.64, -0.06)));
        assert!(w.contains("**AdamW generalises better"), "{w}");
        let w = word(e(0.3, 0.1, 0.5), None);
        assert!(w.contains("**Adam + L2 generalises better"), "{w}");
        assert!(word(e(0.0, -0.2, 0.2), None).contains("**a tie**"));
    }

    #[test]
    fn with_momentum_the_sgd_pair_is_compared_at_its_chosen_cells() {
        use crate::study::presets::Preset;
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
