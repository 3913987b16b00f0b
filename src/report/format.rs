//! The small formatters the report's tables and verdicts share.

use crate::util::fmt::percent;
use crate::util::stats::mean_sd;

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
