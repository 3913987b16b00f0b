//! The analysis of a study folder: for each method the best cell on the validation split, the
//! test accuracy of the chosen cell over seeds, the best decay at each learning rate and the
//! coupling of the best decay to the learning rate.
//!
//! Selection is honest: for each method the cell with the highest mean *validation* accuracy
//! (over the seeds every cell of that method has, so no cell wins by having more seeds) is
//! chosen, and its *test* accuracy is reported as mean ± sd over every seed run at that cell.

use crate::optim::Method;
use crate::study::{
    read_equivalence, read_results, read_study, Equivalence, ResultRow, Settings, Status,
};
use crate::util::stats::{least_squares, mean_sd, Fit};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Differences in accuracy below this (in points, i.e. percent) are noise on MNIST: rounding
/// alone moves single-seed accuracy by about 0.03 points, seeds by about 0.1.
pub(crate) const NOISE_POINTS: f64 = 0.1;

/// The chosen cell of one method and its test accuracy over seeds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chosen {
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    /// Mean validation accuracy over the selection seeds (fraction).
    pub(crate) val: f64,
    /// Test accuracy (fraction) of every seed run at this cell.
    pub(crate) tests: Vec<f64>,
    pub(crate) seeds: Vec<u64>,
}

impl Chosen {
    pub(crate) fn test_mean_sd(&self) -> (f64, Option<f64>) {
        mean_sd(&self.tests)
    }
}

/// The best decay at one learning rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BestAtLr {
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    pub(crate) val: f64,
    /// Validation accuracy of decay 0 at this lr, when the grid has it.
    pub(crate) val_no_decay: Option<f64>,
}

/// Everything the report says about one method.
#[derive(Debug, Clone)]
pub(crate) struct MethodAnalysis {
    pub(crate) method: Method,
    /// Sorted ascending.
    pub(crate) lrs: Vec<f64>,
    /// Sorted ascending (0 first when present).
    pub(crate) decays: Vec<f64>,
    /// The seeds every cell of this method has (the selection is made on them).
    pub(crate) selection_seeds: Vec<u64>,
    /// Mean validation accuracy over the selection seeds, `val[decay index][lr index]`; None
    /// for a missing cell or one where a seed diverged.
    pub(crate) val: Vec<Vec<Option<f64>>>,
    /// (decay index, lr index) of the best cell.
    pub(crate) best: Option<(usize, usize)>,
    pub(crate) chosen: Option<Chosen>,
    pub(crate) per_lr: Vec<BestAtLr>,
    /// log10(best decay) against log10(lr), over the lrs whose best decay is not 0.
    pub(crate) coupling: Option<Fit>,
}

impl MethodAnalysis {
    /// Learning rates at which the best decay beats decay 0 by at least [`NOISE_POINTS`].
    pub(crate) fn informative_lrs(&self) -> usize {
        self.per_lr
            .iter()
            .filter(|b| {
                b.val_no_decay
                    .is_some_and(|z| 100.0 * (b.val - z) >= NOISE_POINTS - 1e-9)
            })
            .count()
    }

    /// How much the best cell beats the best cell without decay, in points (when the grid has
    /// decay 0).
    pub(crate) fn gain_over_no_decay(&self) -> Option<f64> {
        let best = self.chosen.as_ref()?.val;
        let zero = self.decays.iter().position(|&d| d == 0.0)?;
        let best_zero = self.val[zero]
            .iter()
            .flatten()
            .copied()
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
        Some(100.0 * (best - best_zero))
    }
}

/// A method's result rows by cell: (decay index, lr index) into the sorted grid axes.
type ByCell<'a> = HashMap<(usize, usize), Vec<&'a ResultRow>>;

/// Analyses one method's rows (rows of other methods are ignored).
pub(crate) fn analyse_method(method: Method, rows: &[ResultRow]) -> Option<MethodAnalysis> {
    let rows: Vec<&ResultRow> = rows.iter().filter(|r| r.cell.method == method).collect();
    if rows.is_empty() {
        return None;
    }
    let lrs = sorted_unique(rows.iter().map(|r| r.cell.lr).collect());
    let decays = sorted_unique(rows.iter().map(|r| r.cell.decay).collect());
    let idx = |v: &[f64], x: f64| v.iter().position(|&y| y == x).expect("collected above");
    let mut by_cell: ByCell = HashMap::new();
    for r in &rows {
        by_cell
            .entry((idx(&decays, r.cell.decay), idx(&lrs, r.cell.lr)))
            .or_default()
            .push(r);
    }
    let selection_seeds = common_seeds(&by_cell);
    let val = validation_grid(&by_cell, &selection_seeds, decays.len(), lrs.len());
    let best = best_of(
        &val,
        (0..lrs.len()).flat_map(|li| (0..decays.len()).map(move |di| (di, li))),
    )
    .map(|b| b.0);
    let chosen = best.map(|(di, li)| {
        let (tests, seeds) = finished_tests(&by_cell[&(di, li)]);
        Chosen {
            lr: lrs[li],
            decay: decays[di],
            val: val[di][li].expect("best is a finite cell"),
            tests,
            seeds,
        }
    });
    let zero = decays.iter().position(|&d| d == 0.0);
    let per_lr: Vec<BestAtLr> = (0..lrs.len())
        .filter_map(|li| {
            let ((di, _), v) = best_of(&val, (0..decays.len()).map(|di| (di, li)))?;
            Some(BestAtLr {
                lr: lrs[li],
                decay: decays[di],
                val: v,
                val_no_decay: zero.and_then(|z| val[z][li]),
            })
        })
        .collect();
    let points: Vec<(f64, f64)> = per_lr
        .iter()
        .filter(|b| b.decay > 0.0)
        .map(|b| (b.lr.log10(), b.decay.log10()))
        .collect();
    Some(MethodAnalysis {
        method,
        coupling: least_squares(&points),
        lrs,
        decays,
        selection_seeds,
        val,
        best,
        chosen,
        per_lr,
    })
}

/// Sorted ascending, without duplicates.
fn sorted_unique(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup();
    v
}

/// The seeds every cell has, ascending.
fn common_seeds(by_cell: &ByCell) -> Vec<u64> {
    let mut selection: Option<BTreeSet<u64>> = None;
    for cell_rows in by_cell.values() {
        let seeds: BTreeSet<u64> = cell_rows.iter().map(|r| r.cell.seed).collect();
        selection = Some(match selection {
            None => seeds,
            Some(s) => s.intersection(&seeds).copied().collect(),
        });
    }
    selection.unwrap_or_default().into_iter().collect()
}

/// Mean validation accuracy over the selection seeds of each cell, `[decay index][lr index]`:
/// None for a missing cell or one where a seed diverged.
fn validation_grid(
    by_cell: &ByCell,
    selection_seeds: &[u64],
    n_decays: usize,
    n_lrs: usize,
) -> Vec<Vec<Option<f64>>> {
    let mut val = vec![vec![None; n_lrs]; n_decays];
    for (&(di, li), cell_rows) in by_cell {
        // Without common seeds (an unfinished sharded grid), every seed of the cell counts.
        let chosen_rows: Vec<&&ResultRow> = cell_rows
            .iter()
            .filter(|r| selection_seeds.is_empty() || selection_seeds.contains(&r.cell.seed))
            .collect();
        let vals: Option<Vec<f64>> = chosen_rows
            .iter()
            .map(|r| match r.status {
                Status::Ok => r.val_accuracy,
                Status::Diverged => None,
            })
            .collect();
        val[di][li] = vals.filter(|v| !v.is_empty()).map(|v| mean_sd(&v).0);
    }
    val
}

/// The cell of `cells` with the highest validation accuracy, and that accuracy. A tie goes to
/// the cell `cells` lists first: over the whole grid the smaller lr, then the smaller decay;
/// at one lr the smaller decay (the simpler model).
fn best_of(
    val: &[Vec<Option<f64>>],
    cells: impl Iterator<Item = (usize, usize)>,
) -> Option<((usize, usize), f64)> {
    let mut best: Option<((usize, usize), f64)> = None;
    for (di, li) in cells {
        if let Some(v) = val[di][li] {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some(((di, li), v));
            }
        }
    }
    best
}

/// The test accuracy (fraction) and the seed of every finished run of one cell, by seed.
fn finished_tests(cell_rows: &[&ResultRow]) -> (Vec<f64>, Vec<u64>) {
    let mut at: Vec<&&ResultRow> = cell_rows
        .iter()
        .filter(|r| r.status == Status::Ok && r.test_accuracy.is_some())
        .collect();
    at.sort_by_key(|r| r.cell.seed);
    (
        at.iter().filter_map(|r| r.test_accuracy).collect(),
        at.iter().map(|r| r.cell.seed).collect(),
    )
}

/// A study folder, analysed.
pub(crate) struct Analysis {
    pub(crate) dir: PathBuf,
    pub(crate) settings: Settings,
    pub(crate) rows: Vec<ResultRow>,
    pub(crate) methods: Vec<MethodAnalysis>,
    pub(crate) equivalence: Option<Equivalence>,
}

impl Analysis {
    pub(crate) fn load(dir: &Path) -> anyhow::Result<Self> {
        let rows = read_results(dir)?;
        if rows.is_empty() {
            return Err(crate::error::usage(format!(
                "{} holds no results (no results.csv or results.shard-*.csv with rows): run \
                 `wdlab sweep --out {0}` (or `wdlab reproduce --preset quick --out {0}`) first",
                dir.display()
            )));
        }
        let settings = read_study(dir)?;
        let methods = Method::ALL
            .iter()
            .filter_map(|&m| analyse_method(m, &rows))
            .collect();
        Ok(Analysis {
            dir: dir.to_path_buf(),
            settings,
            rows,
            methods,
            equivalence: read_equivalence(dir)?,
        })
    }

    pub(crate) fn method(&self, m: Method) -> Option<&MethodAnalysis> {
        self.methods.iter().find(|a| a.method == m)
    }

    /// The (α, λ) of a method's chosen cell, or, when its best λ is 0 (where the equivalence is
    /// trivial), the smallest positive λ of the grid at the same α.
    pub(crate) fn equivalence_cell(&self, m: Method) -> Option<(f64, f64)> {
        let ma = self.method(m)?;
        let c = ma.chosen.as_ref()?;
        let l2 = if c.decay > 0.0 {
            c.decay
        } else {
            *ma.decays.iter().find(|&&d| d > 0.0)?
        };
        Some((c.lr, l2))
    }
}

/// Result rows for the tests of the analysis and of the report.
#[cfg(test)]
pub(crate) mod test_rows {
    use super::*;
    use crate::study::Cell;

    pub(crate) fn row(method: Method, lr: f64, decay: f64, seed: u64, val: f64) -> ResultRow {
        ResultRow {
            cell: Cell {
                method,
                lr,
                decay,
                seed,
            },
            epochs: 10,
            val_accuracy: Some(val),
            test_accuracy: Some(val - 0.001),
            train_loss: Some(0.1),
            weight_norm: Some(10.0),
            status: Status::Ok,
            seconds: 1.0,
        }
    }

    /// Validation accuracy that peaks where log10(decay) = log10(c) + slope·log10(lr).
    pub(crate) fn synthetic(method: Method, slope: f64, c: f64) -> Vec<ResultRow> {
        let lrs = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
        let decays: [f64; 8] = [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0];
        let mut rows = Vec::new();
        for &lr in &lrs {
            let peak = c.log10() + slope * f64::log10(lr);
            for &d in &decays {
                let dist = if d == 0.0 { 10.0 } else { d.log10() - peak };
                rows.push(row(method, lr, d, 0, 0.95 - 0.01 * dist * dist));
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::test_rows::{row, synthetic};
    use super::*;

    #[test]
    fn the_coupling_slope_is_minus_one_for_a_coupled_optimum_and_zero_for_a_separable_one() {
        let coupled = analyse_method(Method::Sgd, &synthetic(Method::Sgd, -1.0, 1e-5)).unwrap();
        let f = coupled.coupling.unwrap();
        assert!((f.slope + 1.0).abs() < 0.15, "slope {}", f.slope);
        assert_eq!(f.points, 5);
        let flat = analyse_method(Method::Sgdw, &synthetic(Method::Sgdw, 0.0, 1e-4)).unwrap();
        let f = flat.coupling.unwrap();
        assert!(f.slope.abs() < 0.15, "slope {}", f.slope);
        // Every best decay is exactly 1e-4.
        assert!(flat.per_lr.iter().all(|b| b.decay == 1e-4));
    }

    #[test]
    fn lrs_whose_best_decay_is_zero_are_left_out_of_the_fit() {
        let mut rows = synthetic(Method::Adam, -1.0, 1e-5);
        // At lr 0.1 decay 0 wins.
        for r in rows
            .iter_mut()
            .filter(|r| r.cell.lr == 1e-1 && r.cell.decay == 0.0)
        {
            r.val_accuracy = Some(0.99);
        }
        let a = analyse_method(Method::Adam, &rows).unwrap();
        assert_eq!(a.coupling.unwrap().points, 4);
        assert_eq!(a.per_lr.last().unwrap().decay, 0.0);
    }

    #[test]
    fn selection_uses_common_seeds_and_test_uses_every_seed_of_the_chosen_cell() {
        let m = Method::Adamw;
        let mut rows = vec![
            row(m, 1e-3, 0.0, 0, 0.90),
            row(m, 1e-3, 1e-3, 0, 0.92),
            row(m, 3e-3, 0.0, 0, 0.91),
            row(m, 3e-3, 1e-3, 0, 0.80),
        ];
        // Extra seeds at the chosen cell and a lucky extra seed elsewhere.
        rows.push(row(m, 1e-3, 1e-3, 1, 0.90));
        rows.push(row(m, 1e-3, 1e-3, 2, 0.94));
        rows.push(row(m, 3e-3, 0.0, 5, 0.99));
        let a = analyse_method(m, &rows).unwrap();
        assert_eq!(a.selection_seeds, vec![0]);
        let c = a.chosen.unwrap();
        assert_eq!((c.lr, c.decay), (1e-3, 1e-3));
        assert_eq!(c.seeds, vec![0, 1, 2]);
        let (mean, sd) = c.test_mean_sd();
        assert!((mean - 0.919).abs() < 1e-9);
        assert!((sd.unwrap() - 0.02).abs() < 1e-9);
    }

    #[test]
    fn diverged_cells_are_never_chosen_and_leave_holes() {
        let m = Method::Sgd;
        let mut rows = vec![row(m, 0.1, 0.0, 0, 0.9), row(m, 10.0, 0.0, 0, 0.0)];
        rows[1] = ResultRow::diverged(rows[1].cell, 10, 0.1);
        let a = analyse_method(m, &rows).unwrap();
        assert_eq!(a.chosen.unwrap().lr, 0.1);
        assert_eq!(a.val[0][1], None);
    }
}
