//! A method's slopes and basins with their bootstrap intervals: one set of redrawn grids
//! ([`super::bootstrap`]) serves every statistic, so they are read on the same replicates.

use super::basin::{self, Basin, BASIN_DELTAS};
use super::bootstrap::{Estimate, SeedGrid, REPLICATES};
use super::val_grid::ValGrid;
use super::valley::{self, bracketed_lrs, fit_quadratic, Coupling, FitChoice, Quadratic, WINDOWS};

/// The coupling of the best decay to α: the valley slope, the argmax slope, each with a
/// bootstrap interval, in the convention the method was swept in; the valley's curvature; and
/// the same slope under the analyst's other choices (windows, each α left out).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slopes {
    /// The headline valley slope ([`FitChoice::HEADLINE`]); replicates without a floor count
    /// as unbounded.
    pub(crate) valley: Option<Estimate>,
    /// Cells in the valley fit of the selection means.
    pub(crate) valley_cells: Option<usize>,
    /// The headline fit's curvature d (points per doubling²); a replicate whose fit fails
    /// counts as 0 (no floor).
    pub(crate) curvature: Option<Estimate>,
    /// The learning rates in the headline fit (their best decay bracketed).
    pub(crate) fitted_lrs: Vec<f64>,
    /// The slope under the other windows and with each fitted α left out.
    pub(crate) variants: Vec<Variant>,
    pub(crate) argmax: Option<Estimate>,
    /// Valley slope of each bootstrap replicate (for differences between methods).
    pub(super) valley_reps: Vec<Option<f64>>,
    /// The headline fit's floor, log₂ of the best decay, at each fitted α (ascending) with the
    /// interval of the replicates' floors there (a replicate without a floor counts as
    /// unbounded, as for the slope): the line and band of the coupling figure.
    pub(crate) floor: Vec<(f64, Estimate)>,
}

/// The valley slope under one of the analyst's other choices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Variant {
    pub(crate) choice: FitChoice,
    /// None when this choice leaves no valley to fit.
    pub(crate) slope: Option<Estimate>,
}

impl Slopes {
    /// What the slope says, `shift` added to every slope (−1: PyTorch's convention for a
    /// decoupled method): "coupled" or "separated" only when the headline interval and every
    /// variant's interval read the same, and the curvature's interval excludes 0
    /// ([`Coupling`]).
    pub(crate) fn reading(&self, shift: f64) -> Coupling {
        let Some(headline) = self.valley else {
            return Coupling::NoValley;
        };
        let word = Coupling::of(&headline.shifted(shift));
        if word == Coupling::NoInterval {
            return word;
        }
        if self
            .curvature
            .and_then(|c| c.interval)
            .is_none_or(|(lo, _)| lo <= 0.0)
        {
            return Coupling::NoValley;
        }
        let agree = self.variants.iter().all(|v| {
            v.slope
                .is_some_and(|e| Coupling::of(&e.shifted(shift)) == word)
        });
        match word {
            Coupling::Coupled { .. } | Coupling::Separated if !agree => Coupling::NotSettled,
            w => w,
        }
    }

    /// The smallest and largest point estimate over the headline and every variant, `shift`
    /// added; None without a headline.
    pub(crate) fn range(&self, shift: f64) -> Option<(f64, f64)> {
        let h = self.valley?.point;
        let points = self
            .variants
            .iter()
            .filter_map(|v| v.slope.map(|e| e.point))
            .chain(std::iter::once(h));
        let (lo, hi) = points.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p), hi.max(p))
        });
        Some((lo + shift, hi + shift))
    }
}

/// The headline floor (log₂ decay) at each of `lrs` with the interval of the replicates'
/// floors; empty when the headline fit has no floor.
fn floor_band(
    grid: &ValGrid,
    rep_fits: &[Option<Quadratic>],
    lrs: &[f64],
    repeats: bool,
) -> Vec<(f64, Estimate)> {
    let Some(q) = fit_quadratic(grid, FitChoice::HEADLINE) else {
        return Vec::new();
    };
    lrs.iter()
        .filter_map(|&lr| {
            let x = lr.log2();
            let point = q.floor(x)?;
            let reps: Vec<Option<f64>> = rep_fits
                .iter()
                .map(|r| r.and_then(|r| r.floor(x)))
                .collect();
            Some((
                lr,
                Estimate::from_replicates_unbounded(point, &reps, repeats),
            ))
        })
        .collect()
}

/// A method's basin at one δ, with intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BasinEstimate {
    pub(crate) delta_points: f64,
    pub(crate) basin: Basin,
    pub(crate) width: Estimate,
    pub(crate) area: Estimate,
}

/// The slopes and basins of a method with their bootstrap intervals.
pub(super) fn uncertainty(
    seeds: &SeedGrid,
    grid: &ValGrid,
    stream: u64,
) -> (Slopes, Vec<BasinEstimate>) {
    let reps = seeds.replicates(REPLICATES, stream);
    let repeats = seeds.has_repeats();
    let slopes = slopes(grid, &reps, repeats);
    let basins = basin_estimates(grid, &reps, repeats);
    (slopes, basins)
}

/// `point` with the interval of `f` over the replicates (a replicate without a value counts
/// as failed); None without a point.
fn estimate(
    reps: &[ValGrid],
    repeats: bool,
    point: Option<f64>,
    f: &dyn Fn(&ValGrid) -> Option<f64>,
) -> Option<Estimate> {
    point.map(|p| {
        let r: Vec<Option<f64>> = reps.iter().map(f).collect();
        Estimate::from_replicates(p, &r, repeats)
    })
}

/// The valley slope under `choice` of a grid, if its fit has a valley.
fn slope_of(choice: FitChoice) -> impl Fn(&ValGrid) -> Option<f64> {
    move |g: &ValGrid| {
        fit_quadratic(g, choice)
            .and_then(|q| q.valley())
            .map(|v| v.slope)
    }
}

/// The headline valley slope, its curvature and floor, its variants and the argmax slope,
/// each with its interval over the replicates `reps`.
fn slopes(grid: &ValGrid, reps: &[ValGrid], repeats: bool) -> Slopes {
    // One headline fit per replicate serves the slope, the curvature and the floor.
    let rep_fits: Vec<Option<Quadratic>> = reps
        .iter()
        .map(|g| fit_quadratic(g, FitChoice::HEADLINE))
        .collect();
    let valley_reps: Vec<Option<f64>> = rep_fits
        .iter()
        .map(|q| q.and_then(|q| q.valley()).map(|v| v.slope))
        .collect();
    let fit = valley::fit_valley(grid);
    let curvature_reps: Vec<Option<f64>> = rep_fits
        .iter()
        .map(|q| Some(q.map_or(0.0, |q| q.curvature)))
        .collect();
    let fitted_lrs: Vec<f64> = bracketed_lrs(grid).iter().map(|&li| grid.lrs[li]).collect();
    let floor = floor_band(grid, &rep_fits, &fitted_lrs, repeats);
    let variants = variants(grid, reps, &fitted_lrs, repeats);
    Slopes {
        valley: fit.map(|v| Estimate::from_replicates_unbounded(v.slope, &valley_reps, repeats)),
        valley_cells: fit.map(|v| v.cells),
        curvature: fit.map(|v| Estimate::from_replicates(v.curvature, &curvature_reps, repeats)),
        fitted_lrs,
        variants,
        argmax: estimate(reps, repeats, grid.argmax_slope().map(|f| f.slope), &|g| {
            g.argmax_slope().map(|f| f.slope)
        }),
        valley_reps,
        floor,
    }
}

/// The valley slope under each other window and with each of `fitted_lrs` left out, with
/// its interval (a replicate without a valley counts as unbounded).
fn variants(grid: &ValGrid, reps: &[ValGrid], fitted_lrs: &[f64], repeats: bool) -> Vec<Variant> {
    let choices = WINDOWS
        .iter()
        .filter(|&&w| w != FitChoice::HEADLINE.window)
        .map(|&window| FitChoice {
            window,
            leave_out: None,
        })
        .chain(fitted_lrs.iter().map(|&lr| FitChoice {
            leave_out: Some(lr),
            ..FitChoice::HEADLINE
        }));
    choices
        .map(|choice| Variant {
            choice,
            slope: slope_of(choice)(grid).map(|p| {
                let r: Vec<Option<f64>> = reps.iter().map(slope_of(choice)).collect();
                Estimate::from_replicates_unbounded(p, &r, repeats)
            }),
        })
        .collect()
}

/// The basin at each of [`BASIN_DELTAS`] the grid has, its width and area with intervals.
fn basin_estimates(grid: &ValGrid, reps: &[ValGrid], repeats: bool) -> Vec<BasinEstimate> {
    BASIN_DELTAS
        .iter()
        .filter_map(|&delta| {
            let b = basin::basin(grid, delta)?;
            Some(BasinEstimate {
                delta_points: delta,
                basin: b,
                width: estimate(reps, repeats, Some(b.mean_doublings), &|g| {
                    basin::basin(g, delta).map(|b| b.mean_doublings)
                })?,
                area: estimate(reps, repeats, Some(b.area), &|g| {
                    basin::basin(g, delta).map(|b| b.area)
                })?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A factor-2 grid, two seeds per cell `noise` apart (points), with validation error
    /// `err(log₂ α index, log₂ decay)` in points.
    fn seeds(noise: f64, err: impl Fn(usize, f64) -> f64) -> SeedGrid {
        let lrs: Vec<f64> = (0..5).map(|i| 1e-3 * 2f64.powi(i)).collect();
        let decays: Vec<f64> = (0..11).map(|j| 2f64.powi(-15 + j)).collect();
        let cells = decays
            .iter()
            .enumerate()
            .map(|(j, &d)| {
                (0..lrs.len())
                    .map(|i| {
                        let v = 0.95 - err(i, d.log2()) / 100.0;
                        // A fixed ± pattern, so the redraws have something to redraw.
                        let e = noise / 100.0 * if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                        Some(vec![v + e, v - e])
                    })
                    .collect()
            })
            .collect();
        SeedGrid { lrs, decays, cells }
    }

    fn reading(g: &SeedGrid) -> Coupling {
        uncertainty(g, &g.means(), 0).0.reading(0.0)
    }

    #[test]
    fn clean_slopes_of_minus_one_and_zero_still_read_coupled_and_separated() {
        let falls = seeds(0.01, |i, y| 0.1 * (y + 10.0 + (i as f64 - 2.0)).powi(2));
        assert_eq!(reading(&falls), Coupling::Coupled { falls: true });
        let flat_floor = seeds(0.01, |_, y| 0.1 * (y + 10.0).powi(2));
        assert_eq!(reading(&flat_floor), Coupling::Separated);
        let s = uncertainty(&flat_floor, &flat_floor.means(), 0).0;
        assert_eq!(
            s.variants.len(),
            2 + 5,
            "two other windows, each of 5 α left out"
        );
        assert_eq!(s.fitted_lrs.len(), 5);
        // The floor line at each fitted α: log₂ decay −10 (the surface's floor), inside its band.
        assert_eq!(s.floor.len(), 5);
        for (lr, e) in &s.floor {
            assert!((e.point + 10.0).abs() < 0.05, "{lr}: {e:?}");
            assert!(e.covers(e.point), "{lr}: {e:?}");
        }
    }

    #[test]
    fn a_flat_surface_reads_no_valley_resolved() {
        // d = 0: accuracy does not depend on the decay, only noise of the measured size.
        let flat = seeds(0.07, |i, y| 0.0 * y + 0.01 * i as f64);
        let s = uncertainty(&flat, &flat.means(), 0).0;
        assert_eq!(s.reading(0.0), Coupling::NoValley, "{s:?}");
        assert_eq!(s.reading(-1.0), Coupling::NoValley);
    }

    #[test]
    fn an_alpha_that_moves_the_slope_on_its_own_leaves_it_not_settled() {
        // Floors flat in α except the largest α, four doublings higher: with it the fit says
        // coupled, without it separated.
        let g = seeds(0.01, |i, y| {
            let floor = if i == 4 { -6.0 } else { -10.0 };
            0.1 * (y - floor).powi(2)
        });
        let s = uncertainty(&g, &g.means(), 0).0;
        let headline = Coupling::of(&s.valley.unwrap());
        assert_eq!(headline, Coupling::Coupled { falls: false }, "{s:?}");
        let without_last = s
            .variants
            .iter()
            .find(|v| v.choice.leave_out == Some(g.lrs[4]))
            .and_then(|v| v.slope)
            .unwrap();
        assert_eq!(Coupling::of(&without_last), Coupling::Separated);
        assert_eq!(s.reading(0.0), Coupling::NotSettled);
        let (lo, hi) = s.range(0.0).unwrap();
        assert!(lo < 0.1 && hi > 0.5, "the range shows both: {lo} … {hi}");
    }
}
