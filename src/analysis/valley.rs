//! The coupling slope as a fit of the valley rather than of its argmax.
//!
//! Near its floor, validation error over (x, y) = (log₂ α, log₂ decay) is modelled as
//!
//!   err = a_i + b·y + c·x·y + d·y²,
//!
//! one free offset a_i per learning rate (so how good a learning rate is plays no part) and a
//! parabola in y whose vertex y* = −(b + c·x)/(2d) moves linearly with x. The valley slope
//! d log(best decay)/d log α is therefore −c/(2d), the same in any log base. The fit uses the
//! cells with a positive decay within [`NEAR_BEST_POINTS`] of their learning rate's best, so
//! the far walls of the valley (where the parabola is wrong) do not pull it. Where the valley
//! is steeper than that (with label noise a doubling of the decay costs a point or more) a
//! learning rate's three cells around its floor stand in: its best positive decay and the
//! positive decays either side of it, the fewest a parabola needs.
//!
//! Why a fit and not the argmax: neighbouring decays differ by about the seed noise near the
//! floor, so the per-α argmax jumps between them; every cell near the floor informs the fit.
//! Its behaviour under noise of the measured size is pinned by the tests below.
//!
//! A shear y → y − x (PyTorch's λ_pt = λ'/α) maps the model onto itself with c → c + 2d, so
//! the slope in that convention is the slope here minus 1 exactly.

use super::bootstrap::Estimate;
use super::val_grid::ValGrid;
use crate::util::stats::linear_least_squares;

/// A slope whose interval lies inside ±this is "separated": across the 16–32-fold α range
/// of the presets (4–5 doublings), the best decay then moves by about one grid step (one
/// doubling) or less, which a grid cannot tell from not moving.
pub(crate) const SEPARATED_WITHIN: f64 = 0.25;

/// What a slope's interval says about the coupling of the best decay to α.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coupling {
    /// The interval excludes 0 and reaches beyond ±[`SEPARATED_WITHIN`]; `falls` when the
    /// slope is negative.
    Coupled { falls: bool },
    /// The interval lies within ±[`SEPARATED_WITHIN`].
    Separated,
    /// Neither, or the window / leave-one-out variants disagree with the headline.
    NotSettled,
    /// The curvature's interval holds 0: the valley is too flat for its floor to be located.
    NoValley,
    /// One seed per cell: nothing to redraw, no interval.
    NoInterval,
}

impl Coupling {
    pub(crate) fn of(e: &Estimate) -> Coupling {
        match e.interval {
            None => Coupling::NoInterval,
            // Inside ±SEPARATED_WITHIN first: a slope measured to be that small moves the best
            // decay by less than a grid step, even when its interval excludes 0.
            Some((lo, hi)) if lo > -SEPARATED_WITHIN && hi < SEPARATED_WITHIN => {
                Coupling::Separated
            }
            Some((lo, hi)) if lo > 0.0 || hi < 0.0 => Coupling::Coupled { falls: hi < 0.0 },
            Some(_) => Coupling::NotSettled,
        }
    }

    pub(crate) fn word(self) -> &'static str {
        match self {
            Coupling::Coupled { .. } => "coupled",
            Coupling::Separated => "separated",
            Coupling::NotSettled => "not settled",
            Coupling::NoValley => "no valley resolved",
            Coupling::NoInterval => "no interval",
        }
    }
}

/// Cells further than this (points of validation error) above their learning rate's best are
/// left out of the fit.
pub(crate) const NEAR_BEST_POINTS: f64 = 1.0;

/// The fitting windows (points of validation error above each α's best) the slope is
/// checked across: the headline uses [`NEAR_BEST_POINTS`].
pub(crate) const WINDOWS: [f64; 3] = [0.5, NEAR_BEST_POINTS, 2.0];

/// A fitted valley.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Valley {
    /// d log(best decay) / d log α along the valley floor.
    pub(crate) slope: f64,
    /// The curvature d (points of error per doubling²): how sharply the decay matters.
    pub(crate) curvature: f64,
    /// Cells in the fit.
    pub(crate) cells: usize,
}

/// The analyst's choices a fit is made under: the window of cells near each α's floor, and
/// a learning rate left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FitChoice {
    /// Cells more than this many points above their α's best are left out.
    pub(crate) window: f64,
    /// A learning rate (its value) left out of the fit.
    pub(crate) leave_out: Option<f64>,
}

impl FitChoice {
    /// The headline fit: [`NEAR_BEST_POINTS`], every learning rate.
    pub(crate) const HEADLINE: FitChoice = FitChoice {
        window: NEAR_BEST_POINTS,
        leave_out: None,
    };
}

/// The parabola fitted under one choice, whether or not it has a floor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quadratic {
    /// −c/(2d); meaningful only where `curvature` > 0.
    pub(crate) slope: f64,
    pub(crate) curvature: f64,
    pub(crate) cells: usize,
    /// b, and the centre (x̄, ȳ) the fit's coordinates were taken from: with the slope and the
    /// curvature they place the floor ([`Quadratic::floor`]).
    b: f64,
    centre: (f64, f64),
}

impl Quadratic {
    /// The floor y*(x) = ȳ − (b + c·(x − x̄))/(2d) in log₂ decay at x = log₂ α; None where the
    /// parabola has no floor (d ≤ 0). Drawn in the coupling figure; no reported number uses it.
    pub(crate) fn floor(self, x: f64) -> Option<f64> {
        let d = self.curvature;
        // −c/(2d) is the slope, so −(b + c·(x − x̄))/(2d) = −b/(2d) + slope·(x − x̄).
        (d > 0.0).then(|| self.centre.1 - self.b / (2.0 * d) + self.slope * (x - self.centre.0))
    }

    pub(crate) fn valley(self) -> Option<Valley> {
        (self.curvature > 0.0).then_some(Valley {
            slope: self.slope,
            curvature: self.curvature,
            cells: self.cells,
        })
    }
}

/// The valley of `g` under the headline choice ([`FitChoice::HEADLINE`]).
pub(crate) fn fit_valley(g: &ValGrid) -> Option<Valley> {
    fit_quadratic(g, FitChoice::HEADLINE)?.valley()
}

/// The learning rates (indices) whose best positive decay is bracketed: a measured positive
/// decay on each side of it. Only they enter a fit: an α whose best sits at an end of its
/// decay axis has its floor somewhere beyond what was tried, and the parabola would put it
/// wherever its other rows pull it.
pub(crate) fn bracketed_lrs(g: &ValGrid) -> Vec<usize> {
    (0..g.lrs.len())
        .filter(|&li| {
            let vals: Vec<f64> = (0..g.decays.len())
                .filter(|&di| g.decays[di] > 0.0)
                .filter_map(|di| g.val[di][li])
                .collect();
            let at = (0..vals.len()).max_by(|&a, &b| vals[a].total_cmp(&vals[b]).then(b.cmp(&a)));
            at.is_some_and(|at| at > 0 && at + 1 < vals.len())
        })
        .collect()
}

/// The parabola of `g` under `choice`, or None when fewer than two learning rates have three
/// usable cells or the design is singular.
pub(crate) fn fit_quadratic(g: &ValGrid, choice: FitChoice) -> Option<Quadratic> {
    let mut used: Vec<(usize, f64, f64, f64)> = Vec::new();
    for li in bracketed_lrs(g) {
        if choice.leave_out == Some(g.lrs[li]) {
            continue;
        }
        let Some(best) = (0..g.decays.len())
            .filter_map(|di| g.val[di][li])
            .reduce(f64::max)
        else {
            continue;
        };
        let cell = |di: usize| {
            let v = g.val[di][li]?;
            Some((li, g.lrs[li].log2(), g.decays[di].log2(), 100.0 * (1.0 - v)))
        };
        let near: Vec<usize> = (0..g.decays.len())
            .filter(|&di| g.decays[di] > 0.0)
            .filter(|&di| g.val[di][li].is_some_and(|v| 100.0 * (best - v) <= choice.window))
            .collect();
        let chosen = if near.len() >= 3 {
            near
        } else {
            steep_floor(g, li).unwrap_or_default()
        };
        used.extend(chosen.into_iter().filter_map(cell));
    }
    let rows: Vec<usize> = {
        let mut r: Vec<usize> = used.iter().map(|u| u.0).collect();
        r.dedup();
        r
    };
    if rows.len() < 2 {
        return None;
    }
    // Centred coordinates keep the normal equations well conditioned; c and d do not change.
    let n = used.len() as f64;
    let mx = used.iter().map(|u| u.1).sum::<f64>() / n;
    let my = used.iter().map(|u| u.2).sum::<f64>() / n;
    let design: Vec<Vec<f64>> = used
        .iter()
        .map(|&(li, x, y, _)| {
            let (x, y) = (x - mx, y - my);
            let mut row: Vec<f64> = rows.iter().map(|&r| f64::from(r == li)).collect();
            row.extend([y, x * y, y * y]);
            row
        })
        .collect();
    let err: Vec<f64> = used.iter().map(|u| u.3).collect();
    let beta = linear_least_squares(&design, &err)?;
    let k = rows.len();
    let (b, c, d) = (beta[k], beta[k + 1], beta[k + 2]);
    Some(Quadratic {
        slope: -c / (2.0 * d),
        curvature: d,
        cells: used.len(),
        b,
        centre: (mx, my),
    })
}

/// The decay indices of learning rate `li`'s best positive decay and the measured positive
/// decays just below and above it; None when the best is the smallest or largest measured
/// (no floor between them).
fn steep_floor(g: &ValGrid, li: usize) -> Option<Vec<usize>> {
    let measured: Vec<(usize, f64)> = (0..g.decays.len())
        .filter(|&di| g.decays[di] > 0.0)
        .filter_map(|di| Some((di, g.val[di][li]?)))
        .collect();
    let at = (0..measured.len()).max_by(|&a, &b| measured[a].1.total_cmp(&measured[b].1))?;
    (at > 0 && at + 1 < measured.len()).then(|| (at - 1..=at + 1).map(|k| measured[k].0).collect())
}

#[cfg(test)]
pub(crate) mod synthetic {
    //! Grids with a known valley slope and seed noise of the measured size.

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// One seed's validation accuracy sd on the full study, as a fraction (0.07 points).
    pub(crate) const SEED_SD: f64 = 0.0007;

    /// Per-seed validation accuracies `[decay][lr][seed]` of a factor-2 grid whose valley
    /// floor is log₂ decay = −10 + slope·(log₂ α − log₂ α_mid), with 0.1 points of error per
    /// doubling² away from it and N(0, SEED_SD²) seed noise.
    pub(crate) fn noisy_grid(
        slope: f64,
        seeds: usize,
        rng_seed: u64,
    ) -> (Vec<f64>, Vec<f64>, Vec<Vec<Vec<f64>>>) {
        let lrs: Vec<f64> = (0..5).map(|i| 1e-3 * 2f64.powi(i)).collect();
        let decays: Vec<f64> = (0..11).map(|j| 2f64.powi(-15 + j)).collect();
        let mid = lrs[2].log2();
        let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
        let mut normal = move || {
            // Box–Muller: rand's own normal lives in another crate.
            let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let cells = decays
            .iter()
            .map(|&d| {
                lrs.iter()
                    .map(|&a| {
                        let floor = -10.0 + slope * (a.log2() - mid);
                        let err = 0.001 * (d.log2() - floor).powi(2);
                        (0..seeds)
                            .map(|_| 0.95 - err + SEED_SD * normal())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        (lrs, decays, cells)
    }
}

#[cfg(test)]
mod tests {
    use super::synthetic::noisy_grid;
    use super::*;

    fn mean_grid(lrs: Vec<f64>, decays: Vec<f64>, cells: &[Vec<Vec<f64>>]) -> ValGrid {
        let val = cells
            .iter()
            .map(|row| {
                row.iter()
                    .map(|s| Some(s.iter().sum::<f64>() / s.len() as f64))
                    .collect()
            })
            .collect();
        ValGrid { lrs, decays, val }
    }

    #[test]
    fn a_noiseless_valley_gives_its_slope_exactly_in_both_conventions() {
        for slope in [-1.0, 0.0, 1.0] {
            let (lrs, decays, cells) = noisy_grid(slope, 1, 0);
            // No noise: rebuild the grid from the model alone.
            let exact: Vec<Vec<Vec<f64>>> = decays
                .iter()
                .map(|&d: &f64| {
                    lrs.iter()
                        .map(|&a: &f64| {
                            let floor = -10.0 + slope * (a.log2() - lrs[2].log2());
                            vec![0.95 - 0.001 * (d.log2() - floor).powi(2)]
                        })
                        .collect()
                })
                .collect();
            assert_eq!(exact.len(), cells.len());
            let g = mean_grid(lrs, decays, &exact);
            let v = fit_valley(&g).unwrap();
            assert!((v.slope - slope).abs() < 1e-9, "{slope}: {v:?}");
            assert!((v.curvature - 0.1).abs() < 1e-9);
            let sheared = fit_valley(&g.per_lr_decay()).unwrap();
            assert!(
                (sheared.slope - (slope - 1.0)).abs() < 1e-9,
                "slope_pt = slope − 1: {sheared:?}"
            );
        }
    }

    #[test]
    fn the_floor_line_passes_through_each_alphas_true_floor() {
        for slope in [-1.0, 0.5] {
            let (lrs, decays, _) = noisy_grid(slope, 1, 0);
            let mid = lrs[2].log2();
            let exact: Vec<Vec<Vec<f64>>> = decays
                .iter()
                .map(|&d: &f64| {
                    lrs.iter()
                        .map(|&a: &f64| {
                            let floor = -10.0 + slope * (a.log2() - mid);
                            vec![0.95 - 0.001 * (d.log2() - floor).powi(2)]
                        })
                        .collect()
                })
                .collect();
            let g = mean_grid(lrs.clone(), decays, &exact);
            let q = fit_quadratic(&g, FitChoice::HEADLINE).unwrap();
            for a in lrs {
                let want = -10.0 + slope * (a.log2() - mid);
                assert!(
                    (q.floor(a.log2()).unwrap() - want).abs() < 1e-9,
                    "{slope} at {a}"
                );
            }
        }
    }

    #[test]
    fn a_steep_valley_is_fitted_from_the_three_cells_around_each_floor() {
        // 2 points of error per doubling² (as with label noise): only each α's best cell lies
        // within NEAR_BEST_POINTS, so its neighbours either side must stand in.
        for slope in [-1.0, 0.0, 1.0] {
            let (lrs, decays, _) = noisy_grid(slope, 1, 0);
            let mid = lrs[2].log2();
            let steep: Vec<Vec<Vec<f64>>> = decays
                .iter()
                .map(|&d: &f64| {
                    lrs.iter()
                        .map(|&a: &f64| {
                            let floor = -10.0 + slope * (a.log2() - mid);
                            vec![0.95 - 0.02 * (d.log2() - floor).powi(2)]
                        })
                        .collect()
                })
                .collect();
            let v = fit_valley(&mean_grid(lrs, decays, &steep)).expect("three cells per α");
            assert!((v.slope - slope).abs() < 1e-9, "{slope}: {v:?}");
            assert_eq!(
                v.cells,
                3 * 5,
                "the best and one either side, at each of 5 α"
            );
        }
    }

    #[test]
    fn with_noise_of_the_measured_size_the_fit_stays_near_the_true_slope() {
        for slope in [-1.0, 0.0, 1.0] {
            let close = (0..40)
                .filter(|&draw| {
                    let (lrs, decays, cells) = noisy_grid(slope, 2, 100 + draw);
                    let v = fit_valley(&mean_grid(lrs, decays, &cells)).unwrap();
                    (v.slope - slope).abs() < 0.25
                })
                .count();
            assert!(
                close >= 36,
                "slope {slope}: only {close} of 40 draws within 0.25"
            );
        }
    }

    #[test]
    fn intervals_read_as_coupled_separated_or_not_settled() {
        let e = |lo: f64, hi: f64| Estimate {
            point: (lo + hi) / 2.0,
            interval: Some((lo, hi)),
            failed: 0,
        };
        assert_eq!(
            Coupling::of(&e(-1.2, -0.8)),
            Coupling::Coupled { falls: true }
        );
        assert_eq!(
            Coupling::of(&e(0.1, 0.3)),
            Coupling::Coupled { falls: false }
        );
        assert_eq!(Coupling::of(&e(-0.2, 0.2)), Coupling::Separated);
        // Precisely small: it excludes 0, but the best decay moves by less than a grid step.
        assert_eq!(Coupling::of(&e(0.03, 0.05)), Coupling::Separated);
        assert_eq!(
            Coupling::of(&e(-0.29, -0.16)),
            Coupling::Coupled { falls: true }
        );
        assert_eq!(Coupling::of(&e(-0.3, 0.1)), Coupling::NotSettled);
        let none = Estimate {
            point: 0.0,
            interval: None,
            failed: 0,
        };
        assert_eq!(Coupling::of(&none), Coupling::NoInterval);
    }

    #[test]
    fn a_grid_without_a_floor_has_no_valley() {
        // Error peaks in the middle of the decay axis: the parabola opens downwards.
        let lrs = vec![1e-3, 2e-3, 4e-3];
        let decays = vec![1e-4, 2e-4, 4e-4, 8e-4];
        let val = decays
            .iter()
            .map(|&d: &f64| {
                lrs.iter()
                    .map(|_| Some(0.9 + 0.0001 * (d.log2() + 11.5).powi(2)))
                    .collect()
            })
            .collect();
        let g = ValGrid { lrs, decays, val };
        assert_eq!(fit_valley(&g), None);
    }
}
