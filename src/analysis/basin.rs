//! How wide the good region is: at each learning rate, the span of decays (in doublings)
//! whose validation accuracy is within δ of that learning rate's best; and the area of the
//! whole (log₂ α × log₂ decay) grid within δ of the global best. Loshchilov & Hutter (2019,
//! §4.1) read AdamW's heat maps as a wider basin of good decays; these numbers test that.
//!
//! Only positive decays count (decay 0 has no place on a log axis). A width is interpolated
//! linearly between the last cell inside and the first cell outside the basin; where the basin
//! runs into the end of the grid (or a hole) it is a lower bound, flagged as such.

use super::val_grid::ValGrid;

/// The δ (points of validation accuracy) at which basins are measured.
pub(super) const BASIN_DELTAS: [f64; 2] = [0.1, 0.2];

/// The basin of one learning rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowBasin {
    /// Doublings of the decay within δ of the row's best positive-decay cell.
    pub(crate) doublings: f64,
    /// The basin reached the end of the decay axis: the true width is at least this.
    pub(crate) open: bool,
}

/// The basin of one method at one δ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Basin {
    /// Mean over learning rates of [`RowBasin::doublings`].
    pub(crate) mean_doublings: f64,
    /// Rows whose basin reached the end of the decay axis.
    pub(crate) open_rows: usize,
    pub(crate) rows: usize,
    /// Area (doublings of α × doublings of decay) of the cells within δ of the global best.
    pub(crate) area: f64,
}

/// The basin of `g` at `delta_points`; None without a finite positive-decay cell.
pub(crate) fn basin(g: &ValGrid, delta_points: f64) -> Option<Basin> {
    let rows: Vec<RowBasin> = (0..g.lrs.len())
        .filter_map(|li| row_basin(g, li, delta_points))
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Basin {
        mean_doublings: rows.iter().map(|r| r.doublings).sum::<f64>() / rows.len() as f64,
        open_rows: rows.iter().filter(|r| r.open).count(),
        rows: rows.len(),
        area: area(g, delta_points),
    })
}

/// The positive decays' indices, ascending.
fn positive(g: &ValGrid) -> Vec<usize> {
    (0..g.decays.len())
        .filter(|&di| g.decays[di] > 0.0)
        .collect()
}

/// The basin of learning rate `li`.
pub(crate) fn row_basin(g: &ValGrid, li: usize, delta_points: f64) -> Option<RowBasin> {
    let idx = positive(g);
    let vals: Vec<Option<f64>> = idx.iter().map(|&di| g.val[di][li]).collect();
    let (peak, best) = vals
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .reduce(|a, b| if b.1 > a.1 { b } else { a })?;
    let floor = best - delta_points / 100.0;
    let y = |k: usize| g.decays[idx[k]].log2();
    let mut open = false;
    // Walk outwards from the peak in each direction; the basin edge lies between the last
    // cell inside and the first outside.
    let mut edge = |step: isize| -> f64 {
        let mut k = peak;
        loop {
            let next = k as isize + step;
            if next < 0 || next as usize >= vals.len() {
                open = true;
                return y(k);
            }
            let next = next as usize;
            match vals[next] {
                Some(v) if v >= floor => k = next,
                Some(v) => {
                    let inside = vals[k].expect("walked through finite cells");
                    let t = (inside - floor) / (inside - v);
                    return y(k) + t * (y(next) - y(k));
                }
                None => {
                    open = true;
                    return y(k);
                }
            }
        }
    };
    let (lo, hi) = (edge(-1), edge(1));
    Some(RowBasin {
        doublings: hi - lo,
        open,
    })
}

/// The area of the positive-decay cells within δ of the best cell of the whole grid, each
/// cell spanning half-way to its neighbours in log₂ α and log₂ decay (the end cells as wide
/// as their inner half).
fn area(g: &ValGrid, delta_points: f64) -> f64 {
    let idx = positive(g);
    let Some(best) = g.cells().filter_map(|c| g.at(c)).reduce(f64::max) else {
        return 0.0;
    };
    let floor = best - delta_points / 100.0;
    let xs: Vec<f64> = g.lrs.iter().map(|a| a.log2()).collect();
    let ys: Vec<f64> = idx.iter().map(|&di| g.decays[di].log2()).collect();
    let (wx, wy) = (spans(&xs), spans(&ys));
    let mut total = 0.0;
    for (k, &di) in idx.iter().enumerate() {
        for (v, w) in g.val[di].iter().zip(&wx) {
            if v.is_some_and(|v| v >= floor) {
                total += w * wy[k];
            }
        }
    }
    total
}

/// Each point's share of an ascending axis: half the gap to each neighbour, the end points'
/// missing half mirrored from their one neighbour (1 for a lone point).
fn spans(v: &[f64]) -> Vec<f64> {
    if v.len() < 2 {
        return vec![1.0; v.len()];
    }
    (0..v.len())
        .map(|i| {
            let left = if i > 0 { v[i] - v[i - 1] } else { v[1] - v[0] };
            let right = if i + 1 < v.len() {
                v[i + 1] - v[i]
            } else {
                v[i] - v[i - 1]
            };
            (left + right) / 2.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One lr, decays 2^-12 … 2^-6 (and 0), accuracies given per positive decay.
    fn one_row(vals: &[f64]) -> ValGrid {
        let mut decays = vec![0.0];
        decays.extend((0..vals.len()).map(|j| 2f64.powi(-12 + j as i32)));
        let mut val = vec![vec![Some(0.5)]];
        val.extend(vals.iter().map(|&v| vec![Some(v)]));
        ValGrid {
            lrs: vec![1e-3],
            decays,
            val,
        }
    }

    #[test]
    fn the_width_interpolates_the_basin_edges() {
        // Best 0.950 at 2^-10 (the first of two); δ = 0.2 points puts the floor at 0.948: on the left the edge
        // is half-way between 2^-11 (0.946) and 2^-10 (0.950), on the right at 2^-7 (0.948
        // exactly), so the width is 0.5 + 1 + 2 = 3.5 doublings.
        let g = one_row(&[0.940, 0.946, 0.950, 0.950, 0.949, 0.948, 0.930]);
        let r = row_basin(&g, 0, 0.2).unwrap();
        assert!((r.doublings - 3.5).abs() < 1e-9, "{r:?}");
        assert!(!r.open);
        // The decay-0 cell (0.5) plays no part.
        let b = basin(&g, 0.2).unwrap();
        assert_eq!((b.rows, b.open_rows), (1, 0));
    }

    #[test]
    fn a_basin_that_reaches_the_end_of_the_grid_is_a_lower_bound() {
        let g = one_row(&[0.950, 0.949, 0.940]);
        let r = row_basin(&g, 0, 0.2).unwrap();
        assert!(r.open);
        assert!((r.doublings - (1.0 + 0.1 / 0.9)).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn the_area_counts_cells_within_delta_of_the_global_best() {
        // Two lrs a doubling apart, three decays a doubling apart: each cell spans 1 × 1.
        let g = ValGrid {
            lrs: vec![1e-3, 2e-3],
            decays: vec![1e-4, 2e-4, 4e-4],
            val: vec![
                vec![Some(0.950), Some(0.930)],
                vec![Some(0.9495), Some(0.951)],
                vec![None, Some(0.940)],
            ],
        };
        assert_eq!(area(&g, 0.2), 3.0);
        assert_eq!(area(&g, 5.0), 5.0);
        assert_eq!(spans(&[0.0, 1.0, 3.0]), vec![1.0, 1.5, 2.0]);
    }
}
