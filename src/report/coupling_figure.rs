//! The coupling figure: for each method (and, for a decoupled one, again in PyTorch's
//! convention) the best decay at each α with the decays tied with it, the fitted valley floor
//! with its 95 % band, and slopes −1 and 0 through the chosen cell; each panel's note gives
//! the valley slope, interval and reading the verdicts use.

use super::format::{est, signed};
use crate::analysis::refine::{edge, Edge};
use crate::analysis::{Analysis, Coupling, MethodAnalysis};
use crate::optim::{DecayKind, Method};
use crate::plot::{self as plots, PointKind, SlopePanel, SlopePoint};

/// `coupling.svg`; false when no method has a best decay to draw.
pub(super) fn coupling(a: &Analysis) -> anyhow::Result<bool> {
    let panels: Vec<SlopePanel> = a
        .methods
        .iter()
        .flat_map(|m| {
            let pytorch = (m.method.decay_kind() == DecayKind::Decoupled).then(|| panel(m, true));
            once_then(panel(m, false), pytorch)
        })
        .filter(|p| !p.points.is_empty())
        .collect();
    if panels.is_empty() {
        return Ok(false);
    }
    // Three a row puts each pair (L2, decoupled, decoupled in PyTorch's convention) on a row.
    let columns = if a
        .methods
        .iter()
        .any(|m| m.method.decay_kind() == DecayKind::Decoupled)
    {
        3
    } else {
        2
    };
    plots::slope_panels(
        &a.dir.join("coupling.svg"),
        "Best decay at each learning rate (on validation), and the fitted valley floor",
        "learning rate α",
        &panels,
        columns,
    )?;
    Ok(true)
}

fn once_then(first: SlopePanel, then: Option<SlopePanel>) -> impl Iterator<Item = SlopePanel> {
    std::iter::once(first).chain(then)
}

/// One method's panel; `pytorch` divides each decay by α (λ_pt = λ'/α, slope − 1).
fn panel(m: &MethodAnalysis, pytorch: bool) -> SlopePanel {
    let (shift, symbol) = if pytorch {
        (-1.0, "λ_pt")
    } else {
        (0.0, m.method.decay_symbol())
    };
    let on_axis = |decay: f64, lr: f64| if pytorch { decay / lr } else { decay };
    let points = m
        .per_lr
        .iter()
        .enumerate()
        .map(|(li, b)| {
            let tied: Vec<f64> = std::iter::once(b.decay)
                .chain(b.tied.iter().copied())
                .filter(|&d| d > 0.0)
                .map(|d| on_axis(d, b.lr))
                .collect();
            let range = (tied.len() > 1).then(|| {
                let lo = tied.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = tied.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            });
            SlopePoint {
                x: b.lr,
                y: (b.decay > 0.0).then(|| on_axis(b.decay, b.lr)),
                range,
                kind: match edge(m, li) {
                    None => PointKind::Failed,
                    Some(Edge::Interior) => PointKind::Inside,
                    Some(_) => PointKind::AtEnd,
                },
            }
        })
        .collect();
    let fit = m
        .slopes
        .floor
        .iter()
        .map(|(lr, e)| {
            let at = |log2_decay: f64| on_axis(2f64.powf(log2_decay), *lr);
            let (lo, hi) = e.interval.unwrap_or((e.point, e.point));
            (*lr, at(e.point), at(lo), at(hi))
        })
        .collect();
    SlopePanel {
        title: if pytorch {
            format!("{}, PyTorch's λ_pt = λ'/α", m.method.label())
        } else {
            format!("{} ({symbol} as swept)", m.method.label())
        },
        note: note(m, shift),
        y_label: format!("best {symbol} (log scale)"),
        points,
        fit,
        through: m
            .chosen
            .as_ref()
            .filter(|c| c.decay > 0.0)
            .map(|c| (c.lr, on_axis(c.decay, c.lr))),
        colour: Method::ALL.iter().position(|&x| x == m.method).unwrap_or(0),
    }
}

/// "valley slope −0.24 [−0.61, +0.10]" and, on a second line, "not settled (fits −0.40 …
/// +0.05)".
fn note(m: &MethodAnalysis, shift: f64) -> String {
    let Some(v) = m.slopes.valley else {
        return "no valley fit".into();
    };
    let reading = m.slopes.reading(shift);
    let mut s = format!(
        "valley slope {}\n{}",
        est(&v.shifted(shift)),
        reading.word()
    );
    if reading == Coupling::NotSettled {
        if let Some((lo, hi)) = m.slopes.range(shift) {
            s.push_str(&format!(" (fits {} … {})", signed(lo), signed(hi)));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::{row, synthetic_seeds};

    #[test]
    fn one_point_per_alpha_failed_ones_grey_and_a_floor_over_the_fitted_ones() {
        let m = Method::Adamw;
        let mut rows = synthetic_seeds(m, 0.0, 1e-4);
        for seed in 0..2 {
            for d in [0.0, 1e-4, 1e-3] {
                rows.push(row(m, 1.0, d, seed, 0.1064));
            }
        }
        let a = analyse_method(m, &rows).unwrap();
        for pytorch in [false, true] {
            let p = panel(&a, pytorch);
            assert_eq!(p.points.len(), a.grid.lrs.len(), "one per α");
            let failed: Vec<f64> = p
                .points
                .iter()
                .filter(|q| q.kind == PointKind::Failed)
                .map(|q| q.x)
                .collect();
            assert_eq!(failed, vec![1.0]);
            assert_eq!(p.fit.len(), a.slopes.fitted_lrs.len());
            for f in &p.fit {
                assert!(f.2 <= f.1 && f.1 <= f.3, "the band holds the line: {f:?}");
            }
            assert!(p.note.starts_with("valley slope"), "{}", p.note);
        }
        // The floor is flat at 1e-4 in the paper's convention and falls as 1/α in PyTorch's.
        let flat = panel(&a, false);
        for f in &flat.fit {
            assert!((f.1 / 1e-4).log2().abs() < 0.3, "{f:?}");
        }
        let sheared = panel(&a, true);
        for f in &sheared.fit {
            assert!((f.1 * f.0 / 1e-4).log2().abs() < 0.3, "{f:?}");
        }
    }
}
