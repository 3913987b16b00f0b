//! `wdlab compare`: the four variants (or a subset) at one setting each, over the same seeds —
//! so the same initial weights and the same batch order. Runs through the sweep machinery, so
//! its folder resumes too; the command then draws the table and the curves from these lines.

use super::results::read_results;
use super::sweep::sweep;
use super::{Cell, Execution, Grid, MethodGrid, Settings, Status};
use crate::optim::Method;
use crate::util::stats::mean_sd;
use std::path::Path;

/// One line of the comparison table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompareLine {
    pub(crate) method: Method,
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    /// Test accuracies (fractions) of the finished seeds.
    pub(crate) tests: Vec<f64>,
    pub(crate) diverged: usize,
    pub(crate) weight_norm: f64,
    pub(crate) seconds: f64,
    /// The cells of the finished seeds (their runs/ folders hold the curves).
    pub(crate) cells: Vec<Cell>,
}

/// Trains every (method, lr, decay) of `cells` over seeds `0..seeds` into `dir` and returns
/// one line per setting, with the cells of its finished seeds (for the curves).
pub(crate) fn compare(
    dir: &Path,
    settings: &Settings,
    how: &Execution,
    cells: &[(Method, f64, f64)],
    seeds: usize,
) -> anyhow::Result<Vec<CompareLine>> {
    let grid = Grid {
        methods: cells
            .iter()
            .map(|&(method, lr, decay)| MethodGrid::new(method, vec![lr], vec![decay]))
            .collect(),
        seeds: (0..seeds as u64).collect(),
    };
    sweep(dir, settings, &grid, None, how)?;
    let rows = read_results(dir)?;
    let mut lines = Vec::new();
    for &(method, lr, decay) in cells {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.cell.method == method
                    && r.cell.lr == lr
                    && r.cell.decay == decay
                    && r.cell.seed < seeds as u64
            })
            .collect();
        let ok: Vec<_> = mine.iter().filter(|r| r.status == Status::Ok).collect();
        lines.push(CompareLine {
            method,
            lr,
            decay,
            tests: ok.iter().filter_map(|r| r.test_accuracy).collect(),
            diverged: mine.len() - ok.len(),
            weight_norm: mean_sd(&ok.iter().filter_map(|r| r.weight_norm).collect::<Vec<_>>()).0,
            seconds: mean_sd(&mine.iter().map(|r| r.seconds).collect::<Vec<_>>()).0,
            cells: ok.iter().map(|r| r.cell).collect(),
        });
    }
    Ok(lines)
}
