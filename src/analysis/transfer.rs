//! Which decay parametrisation lets one value serve every learning rate: tune the decay at one
//! α on one seed, reuse it at every other α, and score it on another seed, against tuning at
//! each α on the same tuning seed.
//!
//! "Reuse" depends on what is held fixed. For a decoupled method the paper's convention holds
//! λ' fixed; PyTorch's holds λ_pt = λ'/α fixed, so λ' moves with α. For an L2 method the two
//! readings are λ fixed and αλ fixed (the per-step decay SGD + L2 applies). Scoring on a seed
//! that played no part in the tuning keeps the winner's luck out of the score.

use super::bootstrap::{Estimate, SeedGrid, REPLICATES};
use super::val_grid::{same_value, ValGrid};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What is held fixed when a decay tuned at one α moves to another: decay · α^power.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// The decay as swept (λ or λ').
    AsSwept,
    /// λ'/α for a decoupled method (PyTorch's λ_pt), αλ for an L2 method.
    PerStep,
}

/// The cost of reusing one tuned decay at every learning rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Transfer {
    /// Mean validation accuracy lost (points) against tuning at each α.
    pub(crate) loss_points: f64,
    /// (tuning α, scoring α, seed pair) comparisons averaged.
    pub(crate) comparisons: usize,
    /// Comparisons skipped because the reused decay is not on the grid at the scoring α.
    pub(crate) off_grid: usize,
}

/// One scored reuse: tuned at lr index `from` on one seed, scored at `to` on another.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Comparison {
    from: usize,
    to: usize,
    /// Index of the (tuning seed, scoring seed) pair.
    pair: usize,
    lost: f64,
}

/// The transfer test on `g` (cells' seeds in the same seed order everywhere), holding
/// decay · α^`power` fixed; None with fewer than two seeds or learning rates.
pub(crate) fn transfer(g: &SeedGrid, power: f64) -> Option<Transfer> {
    let (cs, off_grid) = comparisons(g, power)?;
    (!cs.is_empty()).then(|| Transfer {
        loss_points: cs.iter().map(|c| c.lost).sum::<f64>() / cs.len() as f64,
        comparisons: cs.len(),
        off_grid,
    })
}

/// The practitioner's regret in two parametrisations: what reusing one tuned value costs with
/// decay · α^`powers[0]` held fixed and with decay · α^`powers[1]` held fixed, each with a 95 %
/// interval, and the second minus the first, from one bootstrap that redraws the learning
/// rates (tuning and scoring α alike) and the seed pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Regret {
    pub(crate) held: [Transfer; 2],
    pub(crate) intervals: [Estimate; 2],
    /// Regret holding `powers[1]` minus regret holding `powers[0]`.
    pub(crate) difference: Estimate,
}

pub(crate) fn regret(g: &SeedGrid, powers: [f64; 2], stream: u64) -> Option<Regret> {
    let (a, off_a) = comparisons(g, powers[0])?;
    let (b, off_b) = comparisons(g, powers[1])?;
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let pairs = a.iter().chain(&b).map(|c| c.pair).max().unwrap_or(0) + 1;
    let lrs = g.lrs.len();
    let mut rng = ChaCha8Rng::seed_from_u64(0x7e9_0000 + stream);
    let mean = |cs: &[Comparison], wl: &[f64], wp: &[f64]| {
        let (mut sum, mut w) = (0.0, 0.0);
        for c in cs {
            let x = wl[c.from] * wl[c.to] * wp[c.pair];
            sum += x * c.lost;
            w += x;
        }
        (w > 0.0).then(|| sum / w)
    };
    let mut reps = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..REPLICATES {
        let mut wl = vec![0.0; lrs];
        for _ in 0..lrs {
            wl[rng.random_range(0..lrs)] += 1.0;
        }
        let mut wp = vec![0.0; pairs];
        for _ in 0..pairs {
            wp[rng.random_range(0..pairs)] += 1.0;
        }
        let (ra, rb) = (mean(&a, &wl, &wp), mean(&b, &wl, &wp));
        reps[0].push(ra);
        reps[1].push(rb);
        reps[2].push(ra.zip(rb).map(|(x, y)| y - x));
    }
    let held = [
        transfer(g, powers[0]).expect("comparisons above"),
        transfer(g, powers[1]).expect("comparisons above"),
    ];
    let _ = (off_a, off_b);
    let point = [held[0].loss_points, held[1].loss_points];
    Some(Regret {
        held,
        intervals: [
            Estimate::from_replicates(point[0], &reps[0], true),
            Estimate::from_replicates(point[1], &reps[1], true),
        ],
        difference: Estimate::from_replicates(point[1] - point[0], &reps[2], true),
    })
}

/// Every scored reuse holding decay · α^`power` fixed, and how many fell off the grid.
fn comparisons(g: &SeedGrid, power: f64) -> Option<(Vec<Comparison>, usize)> {
    let seeds = g.cells.iter().flatten().flatten().map(Vec::len).min()?;
    if seeds < 2 || g.lrs.len() < 2 {
        return None;
    }
    let by_seed: Vec<ValGrid> = (0..seeds)
        .map(|s| {
            let mut one = g.means();
            for (di, row) in g.cells.iter().enumerate() {
                for (li, c) in row.iter().enumerate() {
                    one.val[di][li] = c.as_ref().map(|v| v[s]);
                }
            }
            one
        })
        .collect();
    let mut out = Vec::new();
    let mut off_grid = 0usize;
    let pairs = (0..seeds).flat_map(|t| (0..seeds).map(move |s| (t, s)));
    for (pair, (tune, score)) in pairs.filter(|(t, s)| t != s).enumerate() {
        let (tg, sg) = (&by_seed[tune], &by_seed[score]);
        for from in 0..g.lrs.len() {
            let Some(tuned) = tg.best_at_lr(from) else {
                continue;
            };
            let decay = g.decays[tuned.at.0];
            for to in (0..g.lrs.len()).filter(|&to| to != from) {
                let moved = decay * (g.lrs[to] / g.lrs[from]).powf(power);
                let Some(di) = g.decays.iter().position(|&d| same_value(d, moved)) else {
                    off_grid += 1;
                    continue;
                };
                let (Some(own), Some(reused)) = (tg.best_at_lr(to), sg.val[di][to]) else {
                    continue;
                };
                let Some(own_score) = sg.val[own.at.0][to] else {
                    continue;
                };
                out.push(Comparison {
                    from,
                    to,
                    pair,
                    lost: 100.0 * (own_score - reused),
                });
            }
        }
    }
    Some((out, off_grid))
}

impl Held {
    /// The power of α in decay · α^power held fixed, for a decoupled or an L2 method.
    pub(crate) fn power(self, decoupled: bool) -> f64 {
        match (self, decoupled) {
            (Held::AsSwept, _) => 0.0,
            (Held::PerStep, true) => 1.0,
            (Held::PerStep, false) => -1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two seeds; the best decay at each α is decay_at(α), every other cell 1 point worse.
    fn grid(decay_at: impl Fn(f64) -> f64) -> SeedGrid {
        let lrs = vec![1e-3, 2e-3, 4e-3];
        let decays: Vec<f64> = (0..8).map(|j| 1e-4 * 2f64.powi(j)).collect();
        let cells = decays
            .iter()
            .map(|&d| {
                lrs.iter()
                    .map(|&a| {
                        let v = if same_value(d, decay_at(a)) {
                            0.95
                        } else {
                            0.94
                        };
                        Some(vec![v, v])
                    })
                    .collect()
            })
            .collect();
        SeedGrid { lrs, decays, cells }
    }

    #[test]
    fn the_parametrisation_that_holds_the_optimum_fixed_loses_nothing() {
        // Best λ' = 0.4·α: fixed in PyTorch's convention (λ_pt = 0.4).
        let g = grid(|a| 0.4 * a);
        let pt = transfer(&g, Held::PerStep.power(true)).unwrap();
        assert_eq!(pt.loss_points, 0.0);
        assert_eq!((pt.comparisons, pt.off_grid), (12, 0));
        let paper = transfer(&g, Held::AsSwept.power(true)).unwrap();
        assert!((paper.loss_points - 1.0).abs() < 1e-9, "{paper:?}");
        // Best λ' fixed: the paper's convention wins.
        let g = grid(|_| 8e-4);
        assert_eq!(transfer(&g, 0.0).unwrap().loss_points, 0.0);
        assert!((transfer(&g, 1.0).unwrap().loss_points - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reused_decays_off_the_grid_are_counted_not_scored() {
        // Best λ' = 1e-4 at every α: λ_pt fixed moves it below the grid at smaller α.
        let g = grid(|_| 1e-4);
        let t = transfer(&g, 1.0).unwrap();
        assert_eq!(t.off_grid, 6, "{t:?}");
        assert_eq!(t.comparisons, 6);
    }

    #[test]
    fn the_regret_interval_separates_the_right_convention_and_holds_its_point() {
        // Best λ' = 0.4·α: reusing λ_pt loses nothing, reusing λ' a point, at every α.
        let g = grid(|a| 0.4 * a);
        let r = regret(&g, [0.0, 1.0], 0).unwrap();
        assert!((r.held[0].loss_points - 1.0).abs() < 1e-9);
        assert_eq!(r.held[1].loss_points, 0.0);
        let (lo, hi) = r.difference.interval.unwrap();
        assert!(hi < 0.0 && lo <= r.difference.point, "{r:?}");
        let near = |e: Estimate, v: f64| {
            e.interval
                .is_some_and(|(lo, hi)| (lo - v).abs() < 1e-9 && (hi - v).abs() < 1e-9)
        };
        assert!(
            near(r.intervals[0], 1.0) && near(r.intervals[1], 0.0),
            "{r:?}"
        );
        assert_eq!(
            regret(&g, [0.0, 1.0], 0),
            Some(r),
            "the same bits every time"
        );
    }
}
