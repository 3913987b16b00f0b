//! A method's result rows grouped by cell: the grid axes, the seeds every cell shares, each
//! cell's selection-seed accuracies, and the learning rates that trained.

use super::bootstrap::SeedGrid;
use super::val_grid::{self, ValGrid};
use crate::study::{ResultRow, Status};
use std::collections::{BTreeSet, HashMap};

/// A method's result rows by cell: (decay index, lr index) into the sorted grid axes.
pub(super) type ByCell<'a> = HashMap<(usize, usize), Vec<&'a ResultRow>>;

/// Validation accuracy below which a seed failed to train: [`val_grid::FAILED_POINTS`] below
/// the worst seed of the method's best cell (so the best cell always trained).
pub(super) fn trained_floor(grid: &ValGrid, seeds: &SeedGrid) -> Option<f64> {
    let (di, li) = grid.best()?.at;
    let worst = seeds.cells[di][li]
        .as_ref()?
        .iter()
        .copied()
        .reduce(f64::min)?;
    Some(worst - val_grid::FAILED_POINTS / 100.0)
}

/// The lr indices that trained: every seed of their best cell above [`trained_floor`].
pub(super) fn trained_lrs(grid: &ValGrid, seeds: &SeedGrid) -> Vec<usize> {
    let Some(floor) = trained_floor(grid, seeds) else {
        return Vec::new();
    };
    (0..grid.lrs.len())
        .filter(|&li| {
            grid.best_at_lr(li).is_some_and(|p| {
                seeds.cells[p.at.0][li]
                    .as_ref()
                    .is_some_and(|v| v.iter().all(|&x| x >= floor))
            })
        })
        .collect()
}

/// Sorted ascending, without duplicates; values a rounding apart are one (a √2 step reached
/// from two neighbours, 4e-3·√2 and 8e-3/√2, differs in the last bit): the first stands for
/// both ([`super::val_grid::same_value`]).
pub(super) fn sorted_unique(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup_by(|a, b| val_grid::same_value(*a, *b));
    v
}

/// The index in `axis` ([`sorted_unique`]) of the value `x` stands for.
pub(super) fn index_of(axis: &[f64], x: f64) -> usize {
    axis.iter()
        .position(|&y| val_grid::same_value(x, y))
        .expect("every value of the rows is on its axis")
}

/// The seeds every cell has, ascending.
pub(super) fn common_seeds(by_cell: &ByCell) -> Vec<u64> {
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

/// The validation accuracies of the selection seeds of each cell, in seed order: None for a
/// missing cell or one where a seed diverged. Without common seeds (an unfinished sharded
/// grid), every seed of the cell counts.
pub(super) fn seed_grid(
    by_cell: &ByCell,
    selection_seeds: &[u64],
    lrs: Vec<f64>,
    decays: Vec<f64>,
) -> SeedGrid {
    let mut cells = vec![vec![None; lrs.len()]; decays.len()];
    for (&(di, li), cell_rows) in by_cell {
        let mut chosen_rows: Vec<&&ResultRow> = cell_rows
            .iter()
            .filter(|r| selection_seeds.is_empty() || selection_seeds.contains(&r.cell.seed))
            .collect();
        chosen_rows.sort_by_key(|r| r.cell.seed);
        let vals: Option<Vec<f64>> = chosen_rows
            .iter()
            .map(|r| match r.status {
                Status::Ok => r.val_accuracy,
                Status::Diverged => None,
            })
            .collect();
        cells[di][li] = vals.filter(|v| !v.is_empty());
    }
    SeedGrid { lrs, decays, cells }
}

/// The validation accuracy of every finished seed of one cell (for the seed noise).
pub(super) fn finished_vals(cell_rows: &[&ResultRow]) -> Vec<f64> {
    cell_rows
        .iter()
        .filter(|r| r.status == Status::Ok)
        .filter_map(|r| r.val_accuracy)
        .collect()
}

/// The test accuracy (fraction) and the seed of every finished run of one cell, by seed.
pub(super) fn finished_tests(cell_rows: &[&ResultRow]) -> (Vec<f64>, Vec<u64>) {
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
