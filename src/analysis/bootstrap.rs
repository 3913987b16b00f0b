//! Intervals from a bootstrap over seeds: each replicate redraws, cell by cell, the seeds
//! behind the cell's mean (with replacement) and recomputes a statistic from the redrawn
//! grid; the 95 % interval is the 2.5th to 97.5th percentile of the replicates.
//!
//! With two seeds per cell a plain bootstrap has half the variance of the real mean (the
//! redrawn mean is one seed, the other, or both, and E[(s₁ − s₂)²/8] = σ²/4 instead of σ²/2),
//! so its intervals would be too narrow. Each seed's deviation from its cell's mean is
//! therefore scaled by √(n/(n−1)) before the draw (the rescaled bootstrap; Davison & Hinkley
//! 1997, §2.3), which makes the redrawn mean's variance s²/n, the usual estimate.
//!
//! The generator is seeded with a constant per stream, so a report is the same bits every time.

use super::val_grid::ValGrid;
use crate::util::stats::quantile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Replicates per bootstrap: the 2.5th percentile then rests on 25 replicates.
pub(crate) const REPLICATES: usize = 1000;

/// The selection seeds' validation accuracies of one method's grid: `cells[decay][lr]`, None
/// where the cell is missing or a seed diverged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeedGrid {
    pub(crate) lrs: Vec<f64>,
    pub(crate) decays: Vec<f64>,
    pub(crate) cells: Vec<Vec<Option<Vec<f64>>>>,
}

impl SeedGrid {
    /// Each cell's mean over its seeds.
    pub(crate) fn means(&self) -> ValGrid {
        self.map(|v| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Whether any cell has two or more seeds, so that redrawing them changes something.
    pub(crate) fn has_repeats(&self) -> bool {
        self.cells.iter().flatten().flatten().any(|v| v.len() >= 2)
    }

    /// The same grid with only the learning rates `keep` (indices, ascending).
    pub(crate) fn keep_lrs(&self, keep: &[usize]) -> SeedGrid {
        SeedGrid {
            lrs: keep.iter().map(|&li| self.lrs[li]).collect(),
            decays: self.decays.clone(),
            cells: self
                .cells
                .iter()
                .map(|row| keep.iter().map(|&li| row[li].clone()).collect())
                .collect(),
        }
    }

    /// `replicates` redrawn grids from the generator seeded with `stream`.
    pub(crate) fn replicates(&self, replicates: usize, stream: u64) -> Vec<ValGrid> {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0000 + stream);
        (0..replicates)
            .map(|_| self.map(|v| redrawn_mean(v, &mut rng)))
            .collect()
    }

    fn map(&self, mut f: impl FnMut(&[f64]) -> f64) -> ValGrid {
        ValGrid {
            lrs: self.lrs.clone(),
            decays: self.decays.clone(),
            val: self
                .cells
                .iter()
                .map(|row| row.iter().map(|c| c.as_deref().map(&mut f)).collect())
                .collect(),
        }
    }
}

/// The mean of `vals.len()` draws, with replacement, of the rescaled seeds.
pub(super) fn redrawn_mean(vals: &[f64], rng: &mut impl Rng) -> f64 {
    let n = vals.len();
    let mean = vals.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return mean;
    }
    let scale = (n as f64 / (n as f64 - 1.0)).sqrt();
    let sum: f64 = (0..n)
        .map(|_| mean + scale * (vals[rng.random_range(0..n)] - mean))
        .sum();
    sum / n as f64
}

/// A statistic and its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) point: f64,
    /// The 95 % percentile interval; None without repeated seeds (nothing to redraw).
    pub(crate) interval: Option<(f64, f64)>,
    /// Replicates where the statistic could not be computed (left out of the interval).
    pub(crate) failed: usize,
}

impl Estimate {
    /// `point` with the interval of the replicate values (None where a replicate failed).
    pub(crate) fn from_replicates(point: f64, reps: &[Option<f64>], has_repeats: bool) -> Self {
        let ok: Vec<f64> = reps.iter().flatten().copied().collect();
        let interval = if has_repeats {
            quantile(&ok, 0.025).zip(quantile(&ok, 0.975))
        } else {
            None
        };
        Estimate {
            point,
            interval,
            failed: reps.len() - ok.len(),
        }
    }

    /// `point` with the interval of the replicate values, a replicate where the statistic
    /// could not be computed (a redrawn valley without a floor) counting as unbounded: −∞ for
    /// the lower bound and +∞ for the upper, so more than 2.5 % of them open the interval on
    /// both sides instead of being dropped.
    pub(crate) fn from_replicates_unbounded(
        point: f64,
        reps: &[Option<f64>],
        has_repeats: bool,
    ) -> Self {
        let ok: Vec<f64> = reps.iter().flatten().copied().collect();
        let failed = reps.len() - ok.len();
        let with = |fill: f64| {
            let mut v = ok.clone();
            v.extend(std::iter::repeat_n(fill, failed));
            v
        };
        let interval = has_repeats.then(|| {
            quantile(&with(f64::NEG_INFINITY), 0.025).zip(quantile(&with(f64::INFINITY), 0.975))
        });
        Estimate {
            point,
            interval: interval.flatten(),
            failed,
        }
    }

    /// Whether the interval holds `v` (false without an interval).
    pub(crate) fn covers(&self, v: f64) -> bool {
        self.interval.is_some_and(|(lo, hi)| lo <= v && v <= hi)
    }

    /// The same estimate moved by `by` (a change of convention).
    pub(crate) fn shifted(&self, by: f64) -> Estimate {
        Estimate {
            point: self.point + by,
            interval: self.interval.map(|(lo, hi)| (lo + by, hi + by)),
            failed: self.failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::valley::fit_valley;
    use super::super::valley::synthetic::noisy_grid;
    use super::*;

    fn seed_grid(slope: f64, draw: u64) -> SeedGrid {
        let (lrs, decays, cells) = noisy_grid(slope, 2, draw);
        SeedGrid {
            lrs,
            decays,
            cells: cells
                .into_iter()
                .map(|row| row.into_iter().map(Some).collect())
                .collect(),
        }
    }

    #[test]
    fn the_rescaled_redraw_of_two_seeds_has_the_variance_of_their_mean() {
        // Seeds 0 and 1: s² = 0.5, so the mean's variance estimate is s²/2 = 0.25.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<f64> = (0..40_000)
            .map(|_| redrawn_mean(&[0.0, 1.0], &mut rng))
            .collect();
        let m = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((m - 0.5).abs() < 0.01, "mean {m}");
        assert!((var - 0.25).abs() < 0.01, "variance {var}");
    }

    #[test]
    fn the_valley_interval_covers_the_true_slope_at_about_its_nominal_rate() {
        // 3 slopes × 20 grids, each with 300 replicates: a 95 % interval that covered
        // less than 80 % (or was so wide it always covered and never excluded 0 at slope
        // ±1) would fail.
        let mut covered = 0;
        let mut excludes_zero = 0;
        for slope in [-1.0, 0.0, 1.0] {
            for draw in 0..20 {
                let g = seed_grid(slope, 1000 + draw);
                let point = fit_valley(&g.means()).unwrap().slope;
                let reps: Vec<Option<f64>> = g
                    .replicates(300, draw)
                    .iter()
                    .map(|r| fit_valley(r).map(|v| v.slope))
                    .collect();
                let e = Estimate::from_replicates(point, &reps, g.has_repeats());
                covered += usize::from(e.covers(slope));
                excludes_zero += usize::from(slope != 0.0 && !e.covers(0.0));
            }
        }
        assert!(
            covered >= 48,
            "covered the true slope in {covered} of 60 grids"
        );
        assert_eq!(excludes_zero, 40, "slopes of ±1 must be told from 0");
    }

    #[test]
    fn one_seed_per_cell_gives_no_interval_and_the_same_bits_every_time() {
        let g = seed_grid(0.0, 7);
        assert_eq!(g.replicates(5, 3), g.replicates(5, 3));
        let single = SeedGrid {
            cells: g
                .cells
                .iter()
                .map(|r| r.iter().map(|c| c.as_ref().map(|v| vec![v[0]])).collect())
                .collect(),
            ..g
        };
        assert!(!single.has_repeats());
        let e = Estimate::from_replicates(0.1, &[Some(0.1), None], single.has_repeats());
        assert_eq!((e.interval, e.failed), (None, 1));
        // A replicate without a floor is unbounded, never dropped: 1 in 40 failing (2.5 %)
        // opens both ends.
        let mut reps: Vec<Option<f64>> = (0..39).map(|i| Some(f64::from(i) / 100.0)).collect();
        let kept = Estimate::from_replicates_unbounded(0.2, &reps, true);
        assert!(kept.interval.unwrap().0.is_finite(), "{kept:?}");
        reps.push(None);
        let open = Estimate::from_replicates_unbounded(0.2, &reps, true);
        assert_eq!(open.interval, Some((f64::NEG_INFINITY, f64::INFINITY)));
        assert_eq!(open.failed, 1);
        let dropped = Estimate::from_replicates(0.2, &reps, true);
        assert!(dropped.interval.unwrap().0.is_finite());
        let s = Estimate::from_replicates(0.5, &[Some(0.4), Some(0.6)], true).shifted(-1.0);
        assert_eq!(s.point, -0.5);
        assert!(s.covers(-0.5) && !s.covers(0.0));
    }
}
