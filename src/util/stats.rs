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
    // An unbounded replicate (±∞) is a bound of its own: interpolating towards it is ∞.
    if v[lo] == v[hi] || v[lo].is_infinite() {
        return Some(v[lo]);
    }
    if v[hi].is_infinite() {
        return Some(v[hi]);
    }
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// Welch's unequal-variance t test of mean(b) − mean(a).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Welch {
    pub(crate) t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub(crate) df: f64,
    /// Two-sided p-value from Student's t with `df` degrees of freedom.
    pub(crate) p: f64,
}

/// Welch's t test of mean(b) − mean(a); None with fewer than two values on a side or no
/// spread at all.
pub(crate) fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    let (ma, sa) = mean_sd(a);
    let (mb, sb) = mean_sd(b);
    let (va, vb) = (sa?.powi(2) / a.len() as f64, sb?.powi(2) / b.len() as f64);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return None;
    }
    let t = (mb - ma) / se2.sqrt();
    let df =
        se2.powi(2) / (va.powi(2) / (a.len() as f64 - 1.0) + vb.powi(2) / (b.len() as f64 - 1.0));
    Some(Welch {
        t,
        df,
        p: student_t_two_sided(t, df),
    })
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom:
/// I_{df/(df+t²)}(df/2, 1/2), the regularised incomplete beta function.
pub(crate) fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return 0.0;
    }
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// P(|Z| ≥ |z|) for a standard normal Z.
pub(crate) fn normal_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// erfc(x) for x ≥ 0, from the Chebyshev fit of Numerical Recipes (3rd ed., §6.2; relative
/// error below 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    t * poly.exp()
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, &g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified
/// Lentz; Numerical Recipes 3rd ed., §6.4), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
/// where the fraction converges slowly.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
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
    fn welch_matches_published_t_tables() {
        // Student's t critical values (two-sided 5 % and 1 %) from any t table.
        for (t, df, p) in [
            (2.228_139, 10.0, 0.05),
            (12.706_205, 1.0, 0.05),
            (2.570_582, 5.0, 0.05),
            (3.169_273, 10.0, 0.01),
            (1.959_964, 1e7, 0.05),
        ] {
            let got = student_t_two_sided(t, df);
            assert!((got - p).abs() < 2e-6, "t {t} df {df}: {got}");
        }
        assert!((normal_two_sided(1.959_964) - 0.05).abs() < 1e-6);
        assert!((normal_two_sided(0.0) - 1.0).abs() < 1e-6);
        // Welch–Satterthwaite by hand: a = {1,2,3} (s² = 1), b = {2,4,6,8} (s² = 20/3).
        let w = welch(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0, 8.0]).unwrap();
        let (va, vb): (f64, f64) = (1.0 / 3.0, 20.0 / 3.0 / 4.0);
        assert!((w.t - 3.0 / (va + vb).sqrt()).abs() < 1e-12);
        let df = (va + vb) * (va + vb) / (va * va / 2.0 + vb * vb / 3.0);
        assert!((w.df - df).abs() < 1e-12, "{w:?}");
        assert!(welch(&[1.0], &[2.0, 3.0]).is_none());
    }

    #[test]
    fn quantile_interpolates_between_order_statistics() {
        let xs = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&xs, 0.0), Some(1.0));
        assert_eq!(quantile(&xs, 1.0), Some(4.0));
        assert_eq!(quantile(&xs, 0.5), Some(2.5));
        assert!((quantile(&xs, 0.25).unwrap() - 1.75).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        let inf = f64::INFINITY;
        assert_eq!(quantile(&[-inf, 1.0, 2.0, inf], 0.1), Some(-inf));
        assert_eq!(quantile(&[-inf, 1.0, 2.0, inf], 0.9), Some(inf));
    }
}
