//! What each heat-map panel shows of a method's analysis: which cells trained, collapsed,
//! diverged or were never run, each learning rate's best decay and the decays tied with it
//! (as the report defines ties), and the chosen cell; in the convention the method was swept
//! in, or, for a decoupled method, in PyTorch's (the same runs, sheared).

use crate::analysis::{same_value, MethodAnalysis, ValGrid};
use crate::plot::{HeatCell, HeatPanel};
use crate::study::ResultRow;
use crate::util::fmt::short;

/// The label of the decay-0 row, which sits apart from the log-spaced rows.
pub(super) const NO_DECAY: &str = "0 (none)";

/// Validation error (%) of `m`'s grid; `pytorch` shears a decoupled method's decay axis to
/// λ_pt = λ'/α. `rows` (every row of the folder) tell a diverged cell from one never run.
pub(super) fn heat_panel(m: &MethodAnalysis, rows: &[ResultRow], pytorch: bool) -> HeatPanel {
    let g = if pytorch {
        m.grid.per_lr_decay()
    } else {
        m.grid.clone()
    };
    // Every run's (α, decay) in the panel's convention; the swept axis is matched exactly
    // (two decays a rounding apart are two rows there), the sheared one as the shear merged it.
    let ran: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.cell.method == m.method)
        .map(|r| (r.cell.lr, axis_decay(r.cell.decay, r.cell.lr, pytorch)))
        .collect();
    let on_row = |d: f64, di: usize| {
        if pytorch {
            same_value(d, g.decays[di])
        } else {
            d == g.decays[di]
        }
    };
    let cells = (0..g.decays.len())
        .map(|di| {
            (0..g.lrs.len())
                .map(|li| {
                    let was_run = ran.iter().any(|&(lr, d)| lr == g.lrs[li] && on_row(d, di));
                    cell(&g, m, (di, li), was_run)
                })
                .collect()
        })
        .collect();
    let (column_best, tied) = column_marks(&g, m, pytorch);
    HeatPanel {
        title: m.method.label().to_string(),
        x_labels: g.lrs.iter().map(|&v| short(v)).collect(),
        y_labels: g
            .decays
            .iter()
            .map(|&v| if v == 0.0 { NO_DECAY.into() } else { short(v) })
            .collect(),
        cells,
        best: m.chosen.as_ref().and_then(|c| {
            let li = g.lrs.iter().position(|&x| x == c.lr)?;
            Some((row_of(&g, c.decay, c.lr, pytorch)?, li))
        }),
        column_best,
        tied,
        zero_row: g.decays.first() == Some(&0.0),
    }
}

/// One cell: error in % where it finished (collapsed where its α failed to train).
fn cell(g: &ValGrid, m: &MethodAnalysis, (di, li): (usize, usize), was_run: bool) -> HeatCell {
    let collapsed = m.untrained_lrs.contains(&g.lrs[li]);
    match g.val[di][li].map(|v| 100.0 * (1.0 - v)) {
        Some(e) if collapsed => HeatCell::Collapsed(e),
        Some(e) => HeatCell::Value(e),
        None if was_run => HeatCell::Diverged,
        None => HeatCell::NotRun,
    }
}

/// A swept decay on the panel's axis: λ_pt = λ'/α in PyTorch's convention.
fn axis_decay(decay: f64, lr: f64, pytorch: bool) -> f64 {
    if pytorch {
        decay / lr
    } else {
        decay
    }
}

/// The row of `g` holding swept decay `decay` at learning rate `lr`.
fn row_of(g: &ValGrid, decay: f64, lr: f64, pytorch: bool) -> Option<usize> {
    let d = axis_decay(decay, lr, pytorch);
    if pytorch {
        g.decays.iter().position(|&x| same_value(x, d))
    } else {
        g.decays.iter().position(|&x| x == d)
    }
}

/// Each trained α's best cell and the cells tied with it (the analysis's `per_lr`), as
/// `(row, column)` of `g`.
type Marks = (Vec<(usize, usize)>, Vec<(usize, usize)>);

fn column_marks(g: &ValGrid, m: &MethodAnalysis, pytorch: bool) -> Marks {
    let (mut best, mut tied) = (Vec::new(), Vec::new());
    for b in m.per_lr.iter().filter(|b| !m.untrained_lrs.contains(&b.lr)) {
        let Some(li) = g.lrs.iter().position(|&x| x == b.lr) else {
            continue;
        };
        best.extend(row_of(g, b.decay, b.lr, pytorch).map(|di| (di, li)));
        tied.extend(
            b.tied
                .iter()
                .filter_map(|&d| row_of(g, d, b.lr, pytorch))
                .map(|di| (di, li)),
        );
    }
    (best, tied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::{row, synthetic_seeds};
    use crate::optim::Method;

    /// A valley with every α trained, one cell added that diverged, and α = 1 at chance.
    fn rows() -> Vec<ResultRow> {
        let m = Method::Adamw;
        let mut rows = synthetic_seeds(m, 0.0, 1e-4);
        for seed in 0..2 {
            let cell = row(m, 1e-1, 5e-5, seed, 0.0).cell;
            rows.push(ResultRow::diverged(cell, 10, 1.0));
            for d in [0.0, 1e-4, 1e-3] {
                rows.push(row(m, 1.0, d, seed, 0.1064));
            }
        }
        rows
    }

    #[test]
    fn cells_tell_trained_collapsed_diverged_and_never_run_apart() {
        let rows = rows();
        let m = analyse_method(Method::Adamw, &rows).unwrap();
        let p = heat_panel(&m, &rows, false);
        let at = |lr: f64, d: f64| {
            let li = m.grid.lrs.iter().position(|&x| x == lr).unwrap();
            let di = m.grid.decays.iter().position(|&x| x == d).unwrap();
            p.cells[di][li]
        };
        assert_eq!(at(1e-1, 5e-5), HeatCell::Diverged);
        assert_eq!(at(1e-3, 5e-5), HeatCell::NotRun);
        assert_eq!(at(1.0, 1e-5), HeatCell::NotRun);
        assert!(matches!(at(1.0, 1e-4), HeatCell::Collapsed(e) if e > 89.0));
        assert!(matches!(at(1e-2, 1e-4), HeatCell::Value(e) if e < 6.0));
        assert_eq!(p.y_labels[0], NO_DECAY);
        assert!(p.zero_row);
    }

    #[test]
    fn one_best_mark_per_trained_alpha_in_either_convention() {
        let rows = rows();
        let m = analyse_method(Method::Adamw, &rows).unwrap();
        let trained = m.grid.lrs.len() - m.untrained_lrs.len();
        assert_eq!(m.untrained_lrs, vec![1.0]);
        for pytorch in [false, true] {
            let p = heat_panel(&m, &rows, pytorch);
            assert_eq!(p.column_best.len(), trained, "pytorch {pytorch}");
            let mut cols: Vec<usize> = p.column_best.iter().map(|c| c.1).collect();
            cols.dedup();
            assert_eq!(cols.len(), trained, "one per column");
            for &(yi, xi) in &p.column_best {
                let b = &m.per_lr[xi];
                let HeatCell::Value(e) = p.cells[yi][xi] else {
                    panic!("best cell without a value");
                };
                assert!((e - 100.0 * (1.0 - b.val)).abs() < 1e-9, "the per-α best");
            }
            let (yi, xi) = p.best.expect("a chosen cell");
            let c = m.chosen.as_ref().unwrap();
            assert_eq!(p.cells[yi][xi], HeatCell::Value(100.0 * (1.0 - c.val)));
        }
    }
}
