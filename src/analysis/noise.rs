//! Seed noise, measured: the standard deviation of one seed's validation accuracy, pooled
//! over every cell that ran two or more seeds, and the margin below which two cells are
//! tied.

/// The seed noise of one method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Noise {
    /// Pooled sample standard deviation of one seed's validation accuracy, in points; None
    /// when no cell has two finished seeds.
    pub(crate) sd_points: Option<f64>,
    /// Degrees of freedom behind it: Σ (seeds − 1) over the cells pooled.
    pub(crate) dof: usize,
    /// Seeds behind each cell's mean in the selection.
    pub(crate) selection_seeds: usize,
}

/// The margin used when no seed noise can be measured: seeds move a single run's accuracy by
/// about 0.1 points on this MNIST setup (docs/reference.md).
pub(crate) const FALLBACK_TIE_POINTS: f64 = 0.1;

impl Noise {
    /// Pools the per-cell sample variances of `cells` (each the validation accuracies, as
    /// fractions, of one cell's finished seeds).
    pub(crate) fn pooled<'a>(
        cells: impl Iterator<Item = &'a [f64]>,
        selection_seeds: usize,
    ) -> Self {
        let (mut ss, mut dof) = (0.0, 0usize);
        for vals in cells.filter(|v| v.len() >= 2) {
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            ss += vals.iter().map(|v| (v - m).powi(2)).sum::<f64>();
            dof += vals.len() - 1;
        }
        Noise {
            sd_points: (dof > 0).then(|| 100.0 * (ss / dof as f64).sqrt()),
            dof,
            selection_seeds,
        }
    }

    /// The standard error, in points, of the difference between two cells' selection means.
    pub(crate) fn diff_se_points(&self) -> Option<f64> {
        let k = self.selection_seeds.max(1) as f64;
        self.sd_points.map(|sd| sd * (2.0 / k).sqrt())
    }

    /// Two cells closer than this (points) cannot be told apart: twice the standard error of
    /// their difference (a two-sided test at about 5 %), or [`FALLBACK_TIE_POINTS`] when the
    /// folder has no repeated seeds.
    pub(crate) fn tie_points(&self) -> f64 {
        self.diff_se_points()
            .map_or(FALLBACK_TIE_POINTS, |se| 2.0 * se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_sd_weights_cells_by_their_degrees_of_freedom() {
        // Cell A: 0.90, 0.92 (ss 2e-4, 1 dof); cell B: 0.80, 0.80, 0.83 (ss 6e-4, 2 dof);
        // a one-seed cell adds nothing.
        let a = [0.90, 0.92];
        let b = [0.80, 0.80, 0.83];
        let c = [0.5];
        let n = Noise::pooled([&a[..], &b[..], &c[..]].into_iter(), 2);
        assert_eq!(n.dof, 3);
        let want = 100.0 * (8e-4f64 / 3.0).sqrt();
        assert!((n.sd_points.unwrap() - want).abs() < 1e-9);
        // Two-seed means: se of a difference = sd · √(2/2) = sd.
        assert!((n.tie_points() - 2.0 * want).abs() < 1e-9);
    }

    #[test]
    fn without_repeated_seeds_the_margin_falls_back_and_says_so() {
        let n = Noise::pooled([&[0.9][..]].into_iter(), 1);
        assert_eq!(n.sd_points, None);
        assert_eq!(n.tie_points(), FALLBACK_TIE_POINTS);
    }
}
