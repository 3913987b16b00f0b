//! The analysis of a study folder: for each method the best cell on the validation split, the
//! test accuracy of the chosen cell over seeds, the best decay at each learning rate, the
//! measured seed noise, the coupling of the best decay to the learning rate (a fit of the
//! valley and the argmax line, each with a bootstrap interval), basin widths and the transfer
//! of one decay across learning rates; for each pair of an L2 method and its decoupled partner
//! the slope difference and the test error at equal training loss.
//!
//! Here: the list of its modules, what they lend the rest of the crate, and [`Analysis`], a
//! study folder analysed — each method by [`method`] (where the selection rule is stated),
//! each pair by `pairs` and `chosen_pair`.

mod basin;
mod bootstrap;
mod cells;
pub(crate) mod chosen_pair;
mod equal_loss;
mod method;
mod noise;
mod pairs;
pub(crate) mod refine;
mod transfer;
mod uncertainty;
mod val_grid;
mod valley;

pub(crate) use bootstrap::Estimate;
pub(crate) use equal_loss::fitted_curve;
pub(crate) use method::{analyse_method, Bracket, MethodAnalysis};
pub(crate) use noise::{Noise, FALLBACK_TIE_POINTS};
pub(crate) use pairs::{loss_points, PairAnalysis};
pub(crate) use transfer::{Held, Regret, Transfer};
pub(crate) use uncertainty::{BasinEstimate, Slopes};
pub(crate) use val_grid::{same_value, Pick, ValGrid, FAILED_POINTS};
pub(crate) use valley::{Coupling, FitChoice, NEAR_BEST_POINTS, SEPARATED_WITHIN, WINDOWS};

use crate::optim::Method;
use crate::study::{read_equivalence, read_results, read_study, Equivalence, ResultRow, Settings};
pub(crate) use bootstrap::REPLICATES;
use method::stream;
use std::path::{Path, PathBuf};

/// Claim 2's tests for each pair of an L2 method and its decoupled partner in `methods`.
fn chosen_pairs(
    methods: &[MethodAnalysis],
    dir: Option<&Path>,
) -> anyhow::Result<Vec<chosen_pair::ChosenComparison>> {
    let mut out = Vec::new();
    for (l2, dec) in Method::PAIRS {
        let find = |x: Method| methods.iter().find(|m| m.method == x);
        let (Some(m), Some(dec)) = (find(l2), find(dec)) else {
            continue;
        };
        if let Some(c) = chosen_pair::compare(m, dec, dir, stream(l2))? {
            out.push(c);
        }
    }
    Ok(out)
}

/// A study folder, analysed.
pub(crate) struct Analysis {
    pub(crate) dir: PathBuf,
    pub(crate) settings: Settings,
    pub(crate) rows: Vec<ResultRow>,
    pub(crate) methods: Vec<MethodAnalysis>,
    pub(crate) pairs: Vec<PairAnalysis>,
    /// Claim 2's tests of each L2 method against its decoupled partner.
    pub(crate) chosen_pairs: Vec<chosen_pair::ChosenComparison>,
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
        Self::load_rows(dir, rows)
    }

    /// `rows` (at least one) analysed with the settings of the study folder `dir`.
    pub(crate) fn load_rows(dir: &Path, rows: Vec<ResultRow>) -> anyhow::Result<Self> {
        let settings = read_study(dir)?;
        let methods: Vec<MethodAnalysis> = Method::ALL
            .iter()
            .filter_map(|&m| analyse_method(m, &rows))
            .collect();
        Ok(Analysis {
            chosen_pairs: chosen_pairs(&methods, Some(dir))?,
            dir: dir.to_path_buf(),
            settings,
            pairs: pairs::pairs(
                &methods.iter().map(MethodAnalysis::side).collect::<Vec<_>>(),
                &rows,
            ),
            rows,
            methods,
            equivalence: read_equivalence(dir)?,
        })
    }

    pub(crate) fn method(&self, m: Method) -> Option<&MethodAnalysis> {
        self.methods.iter().find(|a| a.method == m)
    }

    /// Claim 2's tests of `l2` against `dec`, when both have a chosen cell.
    pub(crate) fn chosen_pair(
        &self,
        l2: Method,
        dec: Method,
    ) -> Option<&chosen_pair::ChosenComparison> {
        self.chosen_pairs
            .iter()
            .find(|c| c.l2 == l2 && c.decoupled == dec)
    }

    /// The (α, λ) of a method's chosen cell, or, when its best λ is 0 (where the equivalence is
    /// trivial), the smallest positive λ of the grid at the same α.
    pub(crate) fn equivalence_cell(&self, m: Method) -> Option<(f64, f64)> {
        let ma = self.method(m)?;
        let c = ma.chosen.as_ref()?;
        let l2 = if c.decay > 0.0 {
            c.decay
        } else {
            *ma.grid.decays.iter().find(|&&d| d > 0.0)?
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
            cell: Cell::new(method, lr, decay, seed),
            epochs: 10,
            val_accuracy: Some(val),
            test_accuracy: Some(val - 0.001),
            train_loss: Some(0.1),
            weight_norm: Some(10.0),
            status: crate::study::Status::Ok,
            seconds: 1.0,
        }
    }

    /// `rows` analysed as a folder with `settings` would be, without pairs or an
    /// equivalence check.
    pub(crate) fn analysis(settings: crate::study::Settings, rows: Vec<ResultRow>) -> Analysis {
        let methods: Vec<MethodAnalysis> = Method::ALL
            .iter()
            .filter_map(|&m| analyse_method(m, &rows))
            .collect();
        Analysis {
            dir: PathBuf::from("unused"),
            settings,
            chosen_pairs: chosen_pairs(&methods, None).expect("no files read"),
            methods,
            pairs: Vec::new(),
            rows,
            equivalence: None,
        }
    }

    /// [`synthetic`] over two seeds, 0.01 points apart (so intervals exist and are narrow).
    pub(crate) fn synthetic_seeds(method: Method, slope: f64, c: f64) -> Vec<ResultRow> {
        let mut rows = Vec::new();
        for r in synthetic(method, slope, c) {
            for seed in 0..2u64 {
                let lift = 0.0001 * seed as f64;
                let mut r = r.clone();
                r.cell.seed = seed;
                r.val_accuracy = r.val_accuracy.map(|v| v + lift);
                r.test_accuracy = r.test_accuracy.map(|v| v + lift);
                rows.push(r);
            }
        }
        rows
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
                rows.push(row(method, lr, d, 0, 0.95 - 0.002 * dist * dist));
            }
        }
        rows
    }
}
