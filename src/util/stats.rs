//! The statistics of the analysis: mean and sample standard deviation, a least-squares line
//! with its coefficient of determination, multiple linear least squares, and quantiles.

use serde::Serialize;

/// Mean and sample standard deviation (None for fewer than two values).
pub(crate) fn mean_sd(xs: &[f64]) -> (f64, Option<f64>) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.len() >= 2)
        .then(|| (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    (mean, sd)
}

/// A least-squares line y = slope·x + intercept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Fit {
    pub(crate) slope: f64,
    pub(crate) intercept: f64,
    /// Coefficient of determination (1 for a perfect line; NaN when y is constant).
    pub(crate) r2: f64,
    pub(crate) points: usize,
}

/// Least squares over (x, y) pairs; None with fewer than two distinct x.
pub(crate) fn least_squares(points: &[(f64, f64)]) -> Option<Fit> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if points.len() < 2 || sxx < 1e-12 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_res: f64 = points
        .iter()
        .map(|p| (p.1 - slope * p.0 - intercept).powi(2))
        .sum();
    let ss_tot: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    Some(Fit {
        slope,
        intercept,
        r2: 1.0 - ss_res / ss_tot,
        points: points.len(),
    })
}

/// The coefficients β minimising ‖Xβ − y‖² for the design matrix `x` (one row per
/// observation, all rows as long as the first), by the normal equations; None when there are
/// fewer observations than coefficients or the columns are (numerically) dependent.
pub(crate) fn linear_least_squares(x: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let p = x.first()?.len();
    if x.len() < p || x.len() != y.len() || x.iter().any(|r| r.len() != p) {
        return None;
    }
    // Augmented normal equations [XᵀX | Xᵀy], solved by Gauss–Jordan with partial pivoting:
    // the designs here have at most a few dozen columns.
    let mut a = vec![vec![0.0; p + 1]; p];
    for (row, &yi) in x.iter().zip(y) {
        for i in 0..p {
            for j in 0..p {
                a[i][j] += row[i] * row[j];
            }
            a[i][p] += row[i] * yi;
        }
    }
    let scale = (0..p).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    for col in 0..p {
        let pivot = (col..p).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-10 * scale.max(f64::MIN_POSITIVE) {
            return None;
        }
        a.swap(col, pivot);
        let lead = a[col].clone();
        for (i, r) in a.iter_mut().enumerate() {
            if i != col {
                let f = r[col] / lead[col];
                for (v, l) in r.iter_mut().zip(&lead) {
                    *v -= f * l;
                }
            }
        }
    }
    Some((0..p).map(|i| a[i][p] / a[i][i]).collect())
}

/// The `q`-quantile (0 ≤ q ≤ 1) of `xs` by linear interpolation between order statistics
/// (R's type 7); None for an empty slice.
pub(crate) fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let last = v.len().checked_sub(1)?;
    let h = q.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_line() {
        let f = least_squares(&[(0.0, 1.0), (1.0, -1.0), (2.0, -3.0)]).unwrap();
        assert!((f.slope + 2.0).abs() < 1e-12 && (f.intercept - 1.0).abs() < 1e-12);
        assert!((f.r2 - 1.0).abs() < 1e-12);
        assert!(least_squares(&[(1.0, 1.0)]).is_none());
        assert!(least_squares(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
    }

    #[test]
    fn mean_sd_is_the_sample_standard_deviation() {
        let (m, sd) = mean_sd(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        assert_eq!(sd, Some(1.0));
        assert_eq!(mean_sd(&[4.0]).1, None);
    }

    #[test]
    fn linear_least_squares_recovers_a_plane_and_refuses_dependent_columns() {
        // y = 2 + 3a − b exactly.
        let x: Vec<Vec<f64>> = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (2.0, 3.0), (1.0, 5.0)]
            .iter()
            .map(|&(a, b)| vec![1.0, a, b])
            .collect();
        let y: Vec<f64> = x.iter().map(|r| 2.0 + 3.0 * r[1] - r[2]).collect();
        let beta = linear_least_squares(&x, &y).unwrap();
        for (b, want) in beta.iter().zip([2.0, 3.0, -1.0]) {
            assert!((b - want).abs() < 1e-10, "{beta:?}");
        }
        let dependent: Vec<Vec<f64>> = x.iter().map(|r| vec![r[1], 2.0 * r[1]]).collect();
        assert_eq!(linear_least_squares(&dependent, &y), None);
        assert_eq!(linear_least_squares(&x[..2], &y[..2]), None);
    }

    #[test]
    fn quantile_interpolates_between_order_statistics() {
        let xs = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&xs, 0.0), Some(1.0));
        assert_eq!(quantile(&xs, 1.0), Some(4.0));
        assert_eq!(quantile(&xs, 0.5), Some(2.5));
        assert!((quantile(&xs, 0.25).unwrap() - 1.75).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
    }
}
