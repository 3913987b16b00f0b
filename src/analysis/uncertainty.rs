//! A method's slopes and basins with their bootstrap intervals: one set of redrawn grids
//! ([`super::bootstrap`]) serves every statistic, so they are read on the same replicates.

use super::basin::{self, Basin, BASIN_DELTAS};
use super::bootstrap::{Estimate, SeedGrid, REPLICATES};
use super::val_grid::ValGrid;
use super::valley;

/// The coupling of the best decay to α: the valley slope, the argmax slope, each with a
/// bootstrap interval, in the convention the method was swept in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slopes {
    pub(crate) valley: Option<Estimate>,
    /// Cells in the valley fit of the selection means.
    pub(crate) valley_cells: Option<usize>,
    pub(crate) argmax: Option<Estimate>,
    /// Valley slope of each bootstrap replicate (for differences between methods).
    pub(super) valley_reps: Vec<Option<f64>>,
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
    let estimate = |point: Option<f64>, f: &dyn Fn(&ValGrid) -> Option<f64>| {
        point.map(|p| {
            let r: Vec<Option<f64>> = reps.iter().map(f).collect();
            Estimate::from_replicates(p, &r, repeats)
        })
    };
    let valley_of = |g: &ValGrid| valley::fit_valley(g).map(|v| v.slope);
    let valley_reps: Vec<Option<f64>> = reps.iter().map(valley_of).collect();
    let fit = valley::fit_valley(grid);
    let slopes = Slopes {
        valley: fit.map(|v| Estimate::from_replicates(v.slope, &valley_reps, repeats)),
        valley_cells: fit.map(|v| v.cells),
        argmax: estimate(grid.argmax_slope().map(|f| f.slope), &|g| {
            g.argmax_slope().map(|f| f.slope)
        }),
        valley_reps,
    };
    let basins = BASIN_DELTAS
        .iter()
        .filter_map(|&delta| {
            let b = basin::basin(grid, delta)?;
            Some(BasinEstimate {
                delta_points: delta,
                basin: b,
                width: estimate(Some(b.mean_doublings), &|g| {
                    basin::basin(g, delta).map(|b| b.mean_doublings)
                })?,
                area: estimate(Some(b.area), &|g| basin::basin(g, delta).map(|b| b.area))?,
            })
        })
        .collect();
    (slopes, basins)
}
