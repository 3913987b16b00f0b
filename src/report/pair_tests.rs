//! The sentences every pair's verdict quotes: an L2 method against its decoupled partner at
//! their chosen cells, read from the three tests of [`crate::analysis::chosen_pair`], and the
//! test error at equal training loss (Loshchilov & Hutter's Fig. 3 view).

use super::format::{est, pm};
use crate::analysis::chosen_pair::ChosenComparison;
use crate::analysis::{Analysis, Estimate, PairAnalysis};
use crate::optim::Method;
use crate::util::fmt::short;
use std::fmt::Write as _;

/// The decoupled method `dec` against its L2 partner `l2` at their chosen cells, read from the
/// three tests of [`crate::analysis::chosen_pair`]; None unless both have a chosen cell.
pub(super) fn chosen_cells_compared(a: &Analysis, l2: Method, dec: Method) -> Option<String> {
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
}
