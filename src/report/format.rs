//! The small formatters the report's tables and verdicts share.

use crate::analysis::{Analysis, Estimate, FitChoice, Slopes, WINDOWS};
use crate::optim::{DecayKind, Method};
use crate::util::fmt::{percent, short};
use crate::util::stats::mean_sd;

/// "−0.62 [−0.75, −0.49]": a signed estimate with its 95 % interval (none with one seed per
/// cell).
pub(crate) fn est(e: &Estimate) -> String {
    match e.interval {
        Some((lo, hi)) => format!("{:+.2} [{}, {}]", e.point, signed(lo), signed(hi)),
        None => format!("{:+.2} (no interval)", e.point),
    }
}

/// "+0.25", "−∞": a signed bound, unbounded ones as ±∞.
pub(crate) fn signed(v: f64) -> String {
    match v {
        f64::INFINITY => "+∞".into(),
        f64::NEG_INFINITY => "−∞".into(),
        v => format!("{v:+.2}"),
    }
}

/// What a slope reading rests on, `shift` added to every slope: "windows 0.5 / 1 / 2 points:
/// −0.05 / −0.24 / −0.38; one α left out: −0.31 … −0.12; curvature 0.030 [0.012, 0.051]".
pub(super) fn robustness(s: &Slopes, shift: f64) -> String {
    let mut parts = Vec::new();
    let window = |w: f64| -> String {
        if w == FitChoice::HEADLINE.window {
            return s
                .valley
                .map_or("–".into(), |e| format!("{:+.2}", e.point + shift));
        }
        s.variants
            .iter()
            .find(|v| v.choice.window == w && v.choice.leave_out.is_none())
            .and_then(|v| v.slope)
            .map_or("no valley".into(), |e| format!("{:+.2}", e.point + shift))
    };
    parts.push(format!(
        "windows {} points: {}",
        WINDOWS.map(|w| format!("{w}")).join(" / "),
        WINDOWS.map(window).join(" / ")
    ));
    let left: Vec<Option<f64>> = s
        .variants
        .iter()
        .filter(|v| v.choice.leave_out.is_some())
        .map(|v| v.slope.map(|e| e.point + shift))
        .collect();
    if !left.is_empty() {
        let ok: Vec<f64> = left.iter().flatten().copied().collect();
        let lo = ok.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ok.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lost = left.len() - ok.len();
        parts.push(format!(
            "one α left out: {}{}",
            if ok.is_empty() {
                "no valley".to_string()
            } else {
                format!("{} … {}", signed(lo), signed(hi))
            },
            if lost > 0 && !ok.is_empty() {
                format!(" ({lost} without a valley)")
            } else {
                String::new()
            }
        ));
    }
    if let Some(c) = &s.curvature {
        parts.push(format!(
            "curvature {:.3}{} points per doubling²",
            c.point,
            c.interval
                .map_or(String::new(), |(lo, hi)| format!(" [{lo:.3}, {hi:.3}]"))
        ));
    }
    parts.join("; ")
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
    if m.decay_kind() == DecayKind::Decoupled {
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
