//! `wdlab summary`: one table across study folders — per study the verdict of each claim with
//! the numbers it rests on — and, per claim, where it holds. README's "Results" is this output
//! (a test checks that it is, byte for byte), so no sentence there can drift from the reports.

use super::claim1::claim1_word;
use super::claim3::claim3_word;
use super::format::{est, signed};
use crate::analysis::{Analysis, MethodAnalysis};
use crate::optim::Method;
use std::fmt::Write as _;
use std::path::Path;

/// The markdown summary of the analysed folders `studies`, in the order given; `dirs` are the
/// folders as given on the command line (links are made relative to where it runs).
pub(crate) fn summary(studies: &[Analysis], dirs: &[&Path]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| study | setting | claim 1: SGD + L2 ≡ SGDW at λ' = αλ | claim 2: decoupled − L2, test points at the chosen cells (re-chosen 95 %) | claim 3: slope of the best decay in α (L2; decoupled as swept) | claim 3 | gain of decay, validation points |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for (a, dir) in studies.iter().zip(dirs) {
        let d = dir.display();
        let name = dir
            .file_name()
            .map_or_else(|| d.to_string(), |n| n.to_string_lossy().into_owned());
        let _ = writeln!(
            md,
            "| [{name}]({d}/README.md) | {} | [{}]({d}/report.md#equivalence-check) | {} | {} | {} | {} |",
            a.settings.describe(),
            claim1_cell(a),
            claim2_cell(a, &d.to_string()),
            slopes_cell(a),
            claim3_cell(a),
            gain_cell(a),
        );
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "Slopes: valley slope with its 95 % interval and reading (**coupled** / **separated** \
         only where every fitting window and every left-out α agree; **no valley resolved** \
         where the curvature's interval holds 0). Claim 3 combines the slopes with the transfer \
         regret (tune the decay at one α, reuse it at the others, in both parametrisations). \
         Every number links to, and is computed by, the study's report.\n"
    );
    let _ = writeln!(md, "What holds where:\n");
    let list = |f: &dyn Fn(&Analysis) -> String| -> String {
        studies
            .iter()
            .zip(dirs)
            .map(|(a, dir)| {
                let name = dir
                    .file_name()
                    .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
                format!("{name}: {}", f(a))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let _ = writeln!(
        md,
        "1. **SGD + L2 with λ is SGDW with λ' = αλ** (without momentum; the check trains the \
         pair from one seed and compares every parameter after one epoch) — {}.",
        list(&|a| claim1_word(a).to_string())
    );
    let _ = writeln!(
        md,
        "2. **Decoupled decay generalises better than L2 at the chosen cells** (shown only \
         where the re-chosen interval, Welch's t and the paired test over test images agree) — \
         {}.",
        list(&|a| claim2_word(a))
    );
    let _ = writeln!(
        md,
        "3. **The best L2 penalty is tied to α, decoupled decay separates them** — {}.",
        list(&|a| {
            Method::PAIRS
                .iter()
                .filter_map(|&(l2, dec)| {
                    Some(format!(
                        "{} pair {}",
                        l2.label().trim_end_matches(" + L2"),
                        claim3_word(a, l2, dec)?
                    ))
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    );
    md
}

fn claim1_cell(a: &Analysis) -> String {
    let word = claim1_word(a);
    match &a.equivalence {
        Some(eq) => format!("{word}, {:.1e}", eq.sgd.max_param_diff),
        None => word.to_string(),
    }
}

/// The pair claim 2 asks about: the Adam pair, or with momentum (no Adam) the SGD pair.
fn claim2_pair(a: &Analysis) -> Option<&crate::analysis::chosen_pair::ChosenComparison> {
    a.chosen_pair(Method::Adam, Method::Adamw).or_else(|| {
        a.chosen_pair(Method::Sgd, Method::Sgdw)
            .filter(|_| a.settings.momentum() > 0.0)
    })
}

fn claim2_word(a: &Analysis) -> String {
    match claim2_pair(a) {
        None => "not measured".into(),
        Some(c) => match c.agreement().0 {
            1 => format!("shown, {} better", c.decoupled.label()),
            -1 => format!("reversed, {} better", c.l2.label()),
            _ => "not shown".into(),
        },
    }
}

fn claim2_cell(a: &Analysis, d: &str) -> String {
    let Some(c) = claim2_pair(a) else {
        return "not measured".into();
    };
    let (lc, dc) = (
        a.method(c.l2).and_then(|m| m.chosen.as_ref()),
        a.method(c.decoupled).and_then(|m| m.chosen.as_ref()),
    );
    let diff = match (lc, dc) {
        (Some(l), Some(d)) => 100.0 * (d.test_mean_sd().0 - l.test_mean_sd().0),
        _ => f64::NAN,
    };
    let p = |p: Option<f64>| p.map_or("–".to_string(), |p| format!("{p:.3}"));
    format!(
        "[{} {diff:+.2} {}, Welch p {}, paired-image p {}: {}]({d}/report.md#verdicts)",
        c.decoupled.label(),
        c.reselected.map_or("–".into(), |e| match e.interval {
            Some((lo, hi)) => format!("[{}, {}]", signed(lo), signed(hi)),
            None => "no interval".into(),
        }),
        p(c.welch.map(|w| w.p)),
        p(c.paired.map(|x| x.p)),
        claim2_word(a)
    )
}

fn slope(m: &MethodAnalysis) -> String {
    match m.slopes.valley {
        Some(e) => format!(
            "{} {} {}",
            m.method.label(),
            est(&e),
            m.slopes.reading(0.0).word()
        ),
        None => format!("{} no valley fit", m.method.label()),
    }
}

fn slopes_cell(a: &Analysis) -> String {
    a.methods.iter().map(slope).collect::<Vec<_>>().join("<br>")
}

fn claim3_cell(a: &Analysis) -> String {
    Method::PAIRS
        .iter()
        .filter_map(|&(l2, dec)| {
            Some(format!(
                "{} / {}: {}",
                l2.label(),
                dec.label(),
                claim3_word(a, l2, dec)?
            ))
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn gain_cell(a: &Analysis) -> String {
    a.methods
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.method.label(),
                m.gain_over_no_decay()
                    .map_or("–".into(), |g| format!("{g:.2}"))
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}
