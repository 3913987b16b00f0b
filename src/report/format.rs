//! The small formatters the report's tables and verdicts share.

use crate::analysis::{Analysis, Estimate};
use crate::optim::Method;
use crate::util::fmt::{percent, short};
use crate::util::stats::mean_sd;

/// "−0.62 [−0.75, −0.49]": a signed estimate with its 95 % interval (none with one seed per
/// cell).
pub(super) fn est(e: &Estimate) -> String {
    match e.interval {
        Some((lo, hi)) => format!("{:+.2} [{lo:+.2}, {hi:+.2}]", e.point),
        None => format!("{:+.2} (no interval)", e.point),
    }
}

/// "2.25 [1.74, 2.42]": a size with its 95 % interval.
pub(super) fn size(e: &Estimate) -> String {
    match e.interval {
        Some((lo, hi)) => format!("{:.2} [{lo:.2}, {hi:.2}]", e.point),
        None => format!("{:.2} (no interval)", e.point),
    }
}

/// R² for tables: "–" when the best decay is the same at every learning rate (R² undefined).
pub(super) fn r2(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "– (constant)".into()
    }
}

/// "98.51 ± 0.03 % (3 seeds)".
pub(super) fn pm(xs: &[f64]) -> String {
    let (m, sd) = mean_sd(xs);
    match sd {
        Some(sd) => format!("{} ± {} % ({} seeds)", percent(m), percent(sd), xs.len()),
        None => format!("{} % (1 seed, no sd)", percent(m)),
    }
}

/// A cell's decay in the method's symbol, and for a decoupled method in PyTorch's convention
/// too: "λ' = 2e-3 (λ_pt = 5e-1)", "λ = 1e-3".
pub(super) fn decay_cell(m: Method, lr: f64, decay: f64) -> String {
    let own = format!("{} = {}", m.decay_symbol(), short(decay));
    if m.is_decoupled() {
        format!("{own} (λ_pt = {})", short(decay / lr))
    } else {
        own
    }
}

/// "Not measured: every cell of X and Y diverged." when a method of `methods` was swept but
/// has no finished cell to choose.
pub(super) fn all_diverged(a: &Analysis, methods: &[Method]) -> Option<String> {
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
