//! One method's validation accuracy over its (learning rate × decay) grid, and the choices made
//! on it: the best cell, the best decay at each learning rate, and the slope of the best decay
//! against the learning rate.
//!
//! Choices are never decided by float rounding: two means that agree to [`SAME`] are equal,
//! and equal means go to the cell listed first (the smaller learning rate, then the smaller
//! decay: the simpler model). Each choice keeps its runner-up and the distance to it, so the
//! report can say when the choice is a tie within the measured noise.

use crate::util::stats::{least_squares, Fit};

/// Validation accuracies (fractions) closer than this are the same: a mean of k seeds over
/// 10,000 images moves in steps of 1e-4/k, and summing the seeds in another order moves it by
/// about 1e-16.
pub(crate) const SAME: f64 = 1e-9;

/// A learning rate whose best cell has a seed more than this many points below the worst seed
/// of the method's best cell fails to train, at least for some seeds (at chance level, 10 %, a network predicts one
/// class): it has no valley and no best decay to speak of, so the slope, basin and transfer
/// measures leave it out, and its seeds are left out of the noise. The learning rates that
/// train span under 2 points in every committed study, those that fail sit 7–80 points below.
pub(crate) const FAILED_POINTS: f64 = 5.0;

/// Mean validation accuracy over `[decay index][lr index]` of sorted axes; None for a missing
/// cell or one where a seed diverged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValGrid {
    /// Ascending.
    pub(crate) lrs: Vec<f64>,
    /// Ascending (0 first when present).
    pub(crate) decays: Vec<f64>,
    pub(crate) val: Vec<Vec<Option<f64>>>,
}

/// The best of some cells and how close the next one came.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pick {
    /// (decay index, lr index).
    pub(crate) at: (usize, usize),
    pub(crate) val: f64,
    /// The second best cell and its validation accuracy.
    pub(crate) runner_up: Option<((usize, usize), f64)>,
}

impl ValGrid {
    /// Every cell, smaller lr first, then smaller decay: the order that breaks exact ties.
    pub(crate) fn cells(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.lrs.len()).flat_map(move |li| (0..self.decays.len()).map(move |di| (di, li)))
    }

    pub(crate) fn at(&self, (di, li): (usize, usize)) -> Option<f64> {
        self.val[di][li]
    }

    /// The best of `cells` (in tie-breaking order) and its runner-up.
    pub(crate) fn pick(&self, cells: impl Iterator<Item = (usize, usize)>) -> Option<Pick> {
        let mut ranked: Vec<((usize, usize), f64)> =
            cells.filter_map(|c| self.at(c).map(|v| (c, v))).collect();
        // A stable sort on the value rounded to SAME keeps the listed order among equals.
        ranked.sort_by(|a, b| {
            let (ra, rb) = ((a.1 / SAME).round(), (b.1 / SAME).round());
            rb.total_cmp(&ra)
        });
        let (&(at, val), rest) = ranked.split_first()?;
        Some(Pick {
            at,
            val,
            runner_up: rest.first().copied(),
        })
    }

    /// The best cell of the whole grid.
    pub(crate) fn best(&self) -> Option<Pick> {
        self.pick(self.cells())
    }

    /// The best decay at lr index `li`.
    pub(crate) fn best_at_lr(&self, li: usize) -> Option<Pick> {
        self.pick((0..self.decays.len()).map(|di| (di, li)))
    }

    /// log10(best decay) against log10(lr), over the lrs whose best decay is not 0.
    pub(crate) fn argmax_slope(&self) -> Option<Fit> {
        let points: Vec<(f64, f64)> = (0..self.lrs.len())
            .filter_map(|li| self.best_at_lr(li))
            .filter(|p| self.decays[p.at.0] > 0.0)
            .map(|p| (self.lrs[p.at.1].log10(), self.decays[p.at.0].log10()))
            .collect();
        least_squares(&points)
    }

    /// The same runs with the decay axis divided by the learning rate (decay/α for each cell):
    /// PyTorch's λ_pt = λ'/α for a decoupled method. The new axis holds every value that
    /// occurs; cells the sweep did not run at a value are None.
    pub(crate) fn per_lr_decay(&self) -> ValGrid {
        let mut decays: Vec<f64> = self
            .cells()
            .map(|(di, li)| self.decays[di] / self.lrs[li])
            .collect();
        decays.sort_by(|a, b| a.total_cmp(b));
        decays.dedup_by(|a, b| same_value(*a, *b));
        let mut val = vec![vec![None; self.lrs.len()]; decays.len()];
        for (di, li) in self.cells() {
            let d = self.decays[di] / self.lrs[li];
            let row = decays
                .iter()
                .position(|&x| same_value(x, d))
                .expect("collected above");
            // Two decays a rounding apart (refinement's √2 steps) can shear onto one row: a
            // cell not run at one of them must not blank the other's value.
            val[row][li] = val[row][li].or(self.val[di][li]);
        }
        ValGrid {
            lrs: self.lrs.clone(),
            decays,
            val,
        }
    }
}

/// Two grid values that differ only by the rounding of a division (1e-3/0.5 vs 2e-3/1).
pub(crate) fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(val: Vec<Vec<Option<f64>>>) -> ValGrid {
        ValGrid {
            lrs: vec![0.5, 1.0],
            decays: vec![0.0, 1e-3, 2e-3],
            val,
        }
    }

    #[test]
    fn means_equal_up_to_rounding_go_to_the_first_listed_cell_and_keep_a_runner_up() {
        // (0.9561 + 0.9567)/2 and (0.9566 + 0.9562)/2 differ in the last bit.
        let a = (0.9561 + 0.9567) / 2.0;
        let b = (0.9566 + 0.9562) / 2.0;
        let g = grid(vec![
            vec![Some(0.90), Some(0.90)],
            vec![Some(0.91), Some(b)],
            vec![Some(0.92), Some(a)],
        ]);
        let p = g.best_at_lr(1).unwrap();
        assert_eq!(p.at, (1, 1), "the smaller decay wins an exact tie");
        assert_eq!(p.runner_up.unwrap().0, (2, 1));
        assert!((p.val - p.runner_up.unwrap().1).abs() < 1e-12);
        let best = g.best().unwrap();
        assert_eq!(best.at, (1, 1));
    }

    #[test]
    fn the_per_lr_axis_shears_the_grid() {
        let g = grid(vec![
            vec![Some(0.90), Some(0.91)],
            vec![Some(0.92), Some(0.93)],
            vec![Some(0.94), Some(0.95)],
        ]);
        let s = g.per_lr_decay();
        // λ/α: 0; 1e-3 (1e-3/1); 2e-3 (1e-3/0.5 and 2e-3/1); 4e-3 (2e-3/0.5).
        assert_eq!(s.decays.len(), 4);
        assert_eq!(s.val[2], vec![Some(0.92), Some(0.95)]);
        assert_eq!(s.val[1], vec![None, Some(0.93)]);
        assert_eq!(s.val[3], vec![Some(0.94), None]);
    }

    #[test]
    fn decays_a_rounding_apart_shear_onto_one_row_without_losing_a_value() {
        let g = ValGrid {
            lrs: vec![0.5],
            decays: vec![2.8284e-3, 2.8284e-3 * (1.0 + 1e-12)],
            val: vec![vec![Some(0.92)], vec![None]],
        };
        let s = g.per_lr_decay();
        assert_eq!(s.decays.len(), 1);
        assert_eq!(s.val[0], vec![Some(0.92)]);
    }
}
