//! One method's analysis ([`MethodAnalysis`], from [`analyse_method`]): its grid of mean
//! validation accuracies, the chosen cell and its test accuracy over seeds, the best decay at
//! each learning rate, the measured seed noise, where the chosen learning rate sits on the α
//! axis, the coupling fit, slopes and basins, and the transfer test.
//!
//! Selection is honest: the cell with the highest mean *validation* accuracy (over the seeds
//! every cell of the method has, so no cell wins by having more seeds) is chosen, and its
//! *test* accuracy is reported as mean ± sd over every seed run at that cell. Cells within the
//! measured noise of a choice are named as tied with it ([`Noise`]).

use super::bootstrap::SeedGrid;
use super::cells::{
    self, common_seeds, finished_tests, finished_vals, seed_grid, sorted_unique, trained_floor,
    trained_lrs, ByCell,
};
use super::{
    chosen_pair, pairs, transfer, uncertainty, BasinEstimate, Held, Noise, Pick, Regret, Slopes,
    Transfer, ValGrid,
};
use crate::optim::{DecayKind, Method};
use crate::study::ResultRow;
use crate::util::stats::{mean_sd, Fit};
use std::collections::HashMap;

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
    /// The second best cell (lr, decay) and how far behind it is, in points.
    pub(crate) runner_up: Option<(f64, f64, f64)>,
    /// Every other cell (lr, decay) within the method's tie margin of this one.
    pub(crate) tied: Vec<(f64, f64)>,
}

impl Chosen {
    pub(crate) fn test_mean_sd(&self) -> (f64, Option<f64>) {
        mean_sd(&self.tests)
    }
}

/// The best decay at one learning rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BestAtLr {
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    pub(crate) val: f64,
    /// Validation accuracy of decay 0 at this lr, when the grid has it.
    pub(crate) val_no_decay: Option<f64>,
    /// The runner-up decay and how far behind it is, in points.
    pub(crate) runner_up: Option<(f64, f64)>,
    /// The other decays within the tie margin.
    pub(crate) tied: Vec<f64>,
}

/// Where the chosen learning rate sits on the grid's α axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bracket {
    /// A learning rate on each side finished and did worse; the next larger one and the
    /// validation accuracy of its best cell.
    Interior { next_lr: f64, next_best: f64 },
    /// The chosen α is the smallest (false) or largest (true) tried.
    AtEdge { largest: bool },
    /// Every cell at the next larger α diverged: the edge of what trains.
    BelowDivergence,
}

/// Everything the report says about one method.
#[derive(Debug, Clone)]
pub(crate) struct MethodAnalysis {
    pub(crate) method: Method,
    /// Mean validation accuracy over the selection seeds.
    pub(crate) grid: ValGrid,
    /// The selection seeds' own accuracies at the learning rates that trained: the slopes,
    /// basins and the transfer test are measured on them.
    pub(super) seeds: SeedGrid,
    /// Learning rates left out of those measures because they failed to train
    /// ([`super::FAILED_POINTS`]).
    pub(crate) untrained_lrs: Vec<f64>,
    /// The seeds every cell of this method has (the selection is made on them).
    pub(crate) selection_seeds: Vec<u64>,
    pub(crate) noise: Noise,
    pub(crate) chosen: Option<Chosen>,
    pub(crate) per_lr: Vec<BestAtLr>,
    /// log10(best decay) against log10(lr), over the lrs whose best decay is not 0.
    pub(crate) coupling: Option<Fit>,
    pub(crate) slopes: Slopes,
    pub(crate) basins: Vec<BasinEstimate>,
    pub(crate) bracket: Option<Bracket>,
    /// Every cell's selection-seed validation and every seed's test accuracy, for claim 2's
    /// re-chosen bootstrap.
    pub(crate) cell_runs: Vec<chosen_pair::CellRuns>,
}

impl MethodAnalysis {
    /// How much the best cell beats the best cell without decay, in points (when the grid has
    /// decay 0).
    pub(crate) fn gain_over_no_decay(&self) -> Option<f64> {
        let best = self.chosen.as_ref()?.val;
        let zero = self.grid.decays.iter().position(|&d| d == 0.0)?;
        let best_zero = self.grid.val[zero]
            .iter()
            .flatten()
            .copied()
            .reduce(f64::max)?;
        Some(100.0 * (best - best_zero))
    }

    /// What the pairs need of this method.
    pub(super) fn side(&self) -> pairs::Side<'_> {
        pairs::Side {
            method: self.method,
            slopes: &self.slopes,
            repeats: self.seeds.has_repeats(),
            untrained: &self.untrained_lrs,
        }
    }

    /// The transfer test holding `held` fixed.
    pub(crate) fn transfer(&self, held: Held) -> Option<Transfer> {
        transfer::transfer(
            &self.seeds,
            held.power(self.method.decay_kind() == DecayKind::Decoupled),
        )
    }

    /// The transfer regret holding the decay as swept and holding the per-step product, with
    /// intervals and their difference (per step minus as swept).
    pub(crate) fn regret(&self) -> Option<Regret> {
        let d = self.method.decay_kind() == DecayKind::Decoupled;
        transfer::regret(
            &self.seeds,
            [Held::AsSwept.power(d), Held::PerStep.power(d)],
            stream(self.method),
        )
    }
}

/// Analyses one method's rows (rows of other methods are ignored).
pub(crate) fn analyse_method(method: Method, rows: &[ResultRow]) -> Option<MethodAnalysis> {
    let rows: Vec<&ResultRow> = rows.iter().filter(|r| r.cell.method == method).collect();
    if rows.is_empty() {
        return None;
    }
    let lrs = sorted_unique(rows.iter().map(|r| r.cell.lr).collect());
    let decays = sorted_unique(rows.iter().map(|r| r.cell.decay).collect());
    let idx = cells::index_of;
    let mut by_cell: ByCell = HashMap::new();
    for r in &rows {
        by_cell
            .entry((idx(&decays, r.cell.decay), idx(&lrs, r.cell.lr)))
            .or_default()
            .push(r);
    }
    let selection_seeds = common_seeds(&by_cell);
    let all_seeds = seed_grid(&by_cell, &selection_seeds, lrs, decays);
    let grid = all_seeds.means();
    let trained = trained_lrs(&grid, &all_seeds);
    let untrained_lrs = (0..grid.lrs.len())
        .filter(|li| !trained.contains(li))
        .map(|li| grid.lrs[li])
        .collect();
    let seeds = all_seeds.keep_lrs(&trained);
    let fit_grid = seeds.means();
    // A network that fails to train lands anywhere between chance and half-trained from one
    // seed to the next: such cells would swamp the seed noise of the runs that train.
    let floor = trained_floor(&grid, &all_seeds).unwrap_or(0.0);
    let noise = Noise::pooled(
        by_cell
            .iter()
            .filter(|((_, li), _)| trained.contains(li))
            .map(|(_, c)| finished_vals(c))
            .filter(|v| v.iter().all(|&x| x >= floor))
            .collect::<Vec<_>>()
            .iter()
            .map(Vec::as_slice),
        selection_seeds.len().max(1),
    );
    let best = grid.best();
    let chosen = best.map(|p| chosen(&grid, &by_cell, p, noise.tie_points()));
    let per_lr = per_lr(&grid, noise.tie_points());
    let slopes_and_basins = uncertainty::uncertainty(&seeds, &fit_grid, stream(method));
    let cell_runs = cell_runs(&by_cell, &selection_seeds, &grid);
    Some(MethodAnalysis {
        method,
        cell_runs,
        coupling: fit_grid.argmax_slope(),
        untrained_lrs,
        bracket: chosen.as_ref().map(|c| bracket(&grid, c.lr)),
        slopes: slopes_and_basins.0,
        basins: slopes_and_basins.1,
        grid,
        seeds,
        selection_seeds,
        noise,
        chosen,
        per_lr,
    })
}

/// Each cell's runs in (lr, decay) order: the selection seeds' validation accuracies and every
/// finished seed's test accuracy; cells where a selection seed diverged are left out.
fn cell_runs(by_cell: &ByCell, selection: &[u64], grid: &ValGrid) -> Vec<chosen_pair::CellRuns> {
    let mut keys: Vec<&(usize, usize)> = by_cell.keys().collect();
    keys.sort_by_key(|&&(di, li)| (li, di));
    keys.into_iter()
        .filter_map(|&(di, li)| {
            let rows = &by_cell[&(di, li)];
            let sel: Vec<&&ResultRow> = rows
                .iter()
                .filter(|r| selection.is_empty() || selection.contains(&r.cell.seed))
                .collect();
            let vals: Option<Vec<f64>> = sel
                .iter()
                .map(|r| match r.status {
                    crate::study::Status::Ok => r.val_accuracy,
                    crate::study::Status::Diverged => None,
                })
                .collect();
            Some(chosen_pair::CellRuns {
                lr: grid.lrs[li],
                decay: grid.decays[di],
                vals: vals.filter(|v| !v.is_empty())?,
                tests: finished_tests(rows).0,
            })
        })
        .collect()
}

/// The bootstrap stream of a method, so each method's replicates are its own.
pub(super) fn stream(m: Method) -> u64 {
    Method::ALL.iter().position(|&x| x == m).unwrap_or(0) as u64
}

/// The chosen cell `p` of `grid`, its test accuracies and what it is tied with.
fn chosen(grid: &ValGrid, by_cell: &ByCell, p: Pick, margin: f64) -> Chosen {
    let (di, li) = p.at;
    let rows = &by_cell[&(di, li)];
    let (tests, seeds) = finished_tests(rows);
    let cell = |(d, l): (usize, usize)| (grid.lrs[l], grid.decays[d]);
    // The cell's own values, not its axis representatives: more seeds and the saved
    // predictions are found under the bits the cell was run with.
    Chosen {
        lr: rows[0].cell.lr,
        decay: rows[0].cell.decay,
        val: p.val,
        tests,
        seeds,
        runner_up: p.runner_up.map(|(c, v)| {
            let (lr, decay) = cell(c);
            (lr, decay, (100.0 * (p.val - v)).max(0.0))
        }),
        tied: grid
            .cells()
            .filter(|&c| c != p.at)
            .filter(|&c| grid.at(c).is_some_and(|v| 100.0 * (p.val - v) < margin))
            .map(cell)
            .collect(),
    }
}

/// The best decay at each learning rate, with its runner-up and ties.
fn per_lr(grid: &ValGrid, margin: f64) -> Vec<BestAtLr> {
    let zero = grid.decays.iter().position(|&d| d == 0.0);
    (0..grid.lrs.len())
        .filter_map(|li| {
            let p = grid.best_at_lr(li)?;
            Some(BestAtLr {
                lr: grid.lrs[li],
                decay: grid.decays[p.at.0],
                val: p.val,
                val_no_decay: zero.and_then(|z| grid.val[z][li]),
                runner_up: p
                    .runner_up
                    .map(|((d, _), v)| (grid.decays[d], (100.0 * (p.val - v)).max(0.0))),
                tied: (0..grid.decays.len())
                    .filter(|&d| d != p.at.0)
                    .filter(|&d| grid.val[d][li].is_some_and(|v| 100.0 * (p.val - v) < margin))
                    .map(|d| grid.decays[d])
                    .collect(),
            })
        })
        .collect()
}

/// Where the chosen `lr` sits among the learning rates that trained.
fn bracket(grid: &ValGrid, lr: f64) -> Bracket {
    let trained = |li: usize| (0..grid.decays.len()).any(|di| grid.val[di][li].is_some());
    let li = grid
        .lrs
        .iter()
        .position(|&x| x == lr)
        .expect("chosen from the grid");
    if li == 0 {
        return Bracket::AtEdge { largest: false };
    }
    match (li + 1..grid.lrs.len()).find(|&l| trained(l)) {
        Some(next) => Bracket::Interior {
            next_lr: grid.lrs[next],
            next_best: grid.best_at_lr(next).map_or(f64::NAN, |p| p.val),
        },
        None if li + 1 < grid.lrs.len() => Bracket::BelowDivergence,
        None => Bracket::AtEdge { largest: true },
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::{row, synthetic};
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
    fn a_learning_rate_that_fails_to_train_is_left_out_of_the_slopes() {
        let clean = analyse_method(Method::Adam, &synthetic(Method::Adam, -1.0, 1e-5)).unwrap();
        let mut rows = synthetic(Method::Adam, -1.0, 1e-5);
        // At α = 1 the network stays at chance level whatever the decay.
        for d in [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0] {
            rows.push(row(Method::Adam, 1.0, d, 0, 0.1064));
        }
        // Seed noise: 0.1 points between two seeds of a cell that trains, 40 points between
        // two seeds at chance and half-trained where the network fails.
        let twin = rows[3].clone();
        rows.push(row(
            Method::Adam,
            twin.cell.lr,
            twin.cell.decay,
            1,
            0.001 + twin.val_accuracy.unwrap(),
        ));
        rows.push(row(Method::Adam, 1.0, 0.0, 1, 0.5064));
        let a = analyse_method(Method::Adam, &rows).unwrap();
        assert_eq!(a.untrained_lrs, vec![1.0]);
        let sd = a.noise.sd_points.unwrap();
        assert!(
            (sd - 0.1 / 2f64.sqrt()).abs() < 1e-9,
            "σ {sd} counts only cells that train"
        );
        assert_eq!(a.coupling, clean.coupling);
        assert_eq!(a.slopes.valley, clean.slopes.valley);
        assert!(a.per_lr.iter().any(|b| b.lr == 1.0), "the table keeps it");
    }

    #[test]
    fn a_learning_rate_where_one_seed_fails_did_not_train() {
        // At α = 2 one seed trains and the other fails: the mean is only 4 points below the
        // best, but a seed is 8 below.
        let seeds = SeedGrid {
            lrs: vec![1.0, 2.0],
            decays: vec![0.0, 1e-3],
            cells: vec![
                vec![Some(vec![0.94, 0.94]), Some(vec![0.89, 0.89])],
                vec![Some(vec![0.95, 0.95]), Some(vec![0.95, 0.87])],
            ],
        };
        assert_eq!(trained_lrs(&seeds.means(), &seeds), vec![0]);
    }

    #[test]
    fn diverged_cells_are_never_chosen_and_leave_holes() {
        let m = Method::Sgd;
        let mut rows = vec![row(m, 0.1, 0.0, 0, 0.9), row(m, 10.0, 0.0, 0, 0.0)];
        rows[1] = ResultRow::diverged(rows[1].cell, 10, 0.1);
        let a = analyse_method(m, &rows).unwrap();
        assert_eq!(a.chosen.unwrap().lr, 0.1);
        assert_eq!(a.grid.val[0][1], None);
    }
}
