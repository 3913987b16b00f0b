//! The verdict on claim 3 — the best L2 penalty is tied to the learning rate, decoupled decay
//! separates them — read from the intervals of the valley slopes, in both decay conventions,
//! with the SGD pair's calibration and the transfer test.

use super::format::{all_diverged, est};
use crate::analysis::{Analysis, Coupling, Held, MethodAnalysis, PairAnalysis};
use crate::optim::Method;
use crate::util::fmt::short;
use std::fmt::Write as _;

/// Claim 3: one coupling verdict per pair of an L2 method and its decoupled partner.
pub(super) fn claim3(a: &Analysis) -> String {
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
             positive decays within {} point of that rate's best, or a best positive decay \
             with a measured one either side, around a floor).",
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
        (false, Coupling::Separated, _) => {
            "**Not shown**: the best L2 coefficient stays within ±0.25 of flat over these \
             learning rates, so here the penalty is not tied to α."
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
    use crate::analysis::test_rows::{analysis, synthetic};

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
        let v = coupling_conclusion(sep, open, open);
        assert!(
            v.starts_with("**Not shown**: the best L2 coefficient stays within ±0.25"),
            "{v}"
        );
        let v = coupling_conclusion(open, sep, falls);
        assert!(v.starts_with("**Not settled**"), "{v}");
        let v = coupling_conclusion(Coupling::NoInterval, sep, falls);
        assert!(v.contains("one seed per cell gives no interval"), "{v}");
    }

    #[test]
    fn a_one_seed_study_settles_nothing_about_the_coupling() {
        let mut rows = synthetic(Method::Adam, -1.0, 1e-6);
        rows.extend(synthetic(Method::Adamw, 0.0, 1e-4));
        let quick = crate::study::presets::preset(crate::study::presets::Preset::Quick);
        let a = analysis(quick.settings, rows);
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
