//! The verdict on each of the study's claims, in plain language: what the data shows, what it
//! only suggests, and what it does not show. The report opens with them and `wdlab report`
//! prints them. Here: their list, and the claims that compare an L2 method with its decoupled
//! partner as two algorithms — claim 2 (Adam) and, in a study with the Lion pair
//! (`--preset lion`), claim 4 — at their chosen cells and at equal training loss. Claim 1 is
//! read in [`super::claim1`], claim 3 in [`super::claim3`].

use super::format::all_diverged;
use super::pair_tests::{chosen_cells_compared, equal_loss_sentence};
use crate::analysis::Analysis;
use crate::optim::Method;

/// The verdicts, one paragraph per claim, stating honestly what the data does not show.
pub(crate) fn verdicts(a: &Analysis) -> Vec<(String, String)> {
    let mut v = vec![
        (
            "1. SGD + L2 with λ equals SGDW with λ' = αλ".to_string(),
            super::claim1::claim1(a),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
