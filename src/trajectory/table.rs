//! The printed table: where each run ends, and how far that is from the analytic fixed point.

use super::run::PathRun;
use super::surface::{Point, Surface};
use crate::optim::{DecayKind, Method};
use crate::util::fmt::decimal;
use std::fmt::Write as _;

/// One row of the printed table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableRow {
    name: String,
    lambda: f64,
    end: Point,
    /// ‖θ_end‖, the distance of the end point from the origin.
    distance: f64,
    /// R_emp(θ_end).
    loss: f64,
    /// The analytic fixed point (quadratic; GD and Adam + L2, whose stationary point is the
    /// minimum of the regularised risk), or None.
    fixed_point: Option<Point>,
}

impl TableRow {
    /// ‖θ_end − θ*‖.
    fn gap(&self) -> Option<f64> {
        self.fixed_point
            .map(|f| (self.end[0] - f[0]).hypot(self.end[1] - f[1]))
    }
}

/// One row per run: where it ends, how far from the origin, R_emp there and, where the
/// surface has one, the analytic fixed point it should reach.
pub(crate) fn table_rows(surface: &Surface, runs: &[PathRun]) -> Vec<TableRow> {
    runs.iter()
        .map(|r| {
            let end = r.end();
            // Every L2 method, and SGDW (the same update), stops where ∇R + λθ = 0; decoupled
            // decay beside a non-linear direction does not: AdamW's stationary point
            // λ'θ = −α·m̂/(√v̂+ε) has no closed form, LionW's lies in the box |θ| ≤ α/λ'.
            let m = r.spec.optim.method();
            let fixed_point = if m.decay_kind() == DecayKind::L2 || m == Method::Sgdw {
                surface.fixed_point(r.spec.lambda)
            } else {
                None
            };
            TableRow {
                name: r.spec.name.clone(),
                lambda: r.spec.lambda,
                end,
                distance: end[0].hypot(end[1]),
                loss: surface.value(end),
                fixed_point,
            }
        })
        .collect()
}

/// The table as text, one line per run.
pub(crate) fn format_table(rows: &[TableRow]) -> String {
    let pt = |p: Point| format!("({:.6}, {:.6})", p[0], p[1]);
    let mut s = format!(
        "{:<18} {:>6}  {:<24} {:>9} {:>10}  {:<24} {:>9}\n",
        "run", "λ", "end point θ", "‖θ‖", "R_emp(θ)", "fixed point θ*", "‖θ−θ*‖"
    );
    for r in rows {
        writeln!(
            s,
            "{:<18} {:>6}  {:<24} {:>9.6} {:>10}  {:<24} {:>9}",
            r.name,
            decimal(r.lambda),
            pt(r.end),
            r.distance,
            if (1e-3..1e5).contains(&r.loss.abs()) {
                format!("{:.4}", r.loss)
            } else {
                format!("{:.2e}", r.loss)
            },
            r.fixed_point.map(pt).unwrap_or_else(|| "–".into()),
            r.gap()
                .map(|g| format!("{g:.1e}"))
                .unwrap_or_else(|| "–".into()),
        )
        .expect("to a String");
    }
    s
}

/// A note when a run with an analytic fixed point has not reached it to 1e-6.
pub(crate) fn convergence_note(rows: &[TableRow], steps: usize) -> Option<String> {
    let slow: Vec<&str> = rows
        .iter()
        .filter(|r| r.gap().is_some_and(|g| g > 1e-6))
        .map(|r| r.name.as_str())
        .collect();
    (!slow.is_empty()).then(|| {
        format!(
            "note: {} did not reach the fixed point to 1e-6 in {steps} steps (Adam hovers near \
             it with a constant α, Lion within α of it, its step being ±α; for GD raise --steps)",
            slow.join(", ")
        )
    })
}
