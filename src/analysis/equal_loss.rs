//! Generalisation at equal training loss (Loshchilov & Hutter 2019, Fig. 3): does one method
//! reach a lower test error than another *at the same final training loss*?
//!
//! For each method, test error (points) is fitted as a quadratic in log₁₀(final training
//! loss) over its finished runs with a positive decay (decay 0 is the same algorithm for both
//! methods of a pair); the gap is the mean difference of the two curves over the range of
//! training loss both cover. Its interval comes from a bootstrap over runs.

use super::bootstrap::{Estimate, REPLICATES};
use crate::util::stats::linear_least_squares;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Points (log₁₀ training loss, test error in points) of one method's runs.
pub(crate) type LossPoints = Vec<(f64, f64)>;

/// The comparison of a pair at equal training loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EqualLoss {
    /// Test error of the second method minus the first's, in points, at equal training loss
    /// (negative: the second generalises better).
    pub(crate) gap: Estimate,
    /// The range of final training loss both methods cover.
    pub(crate) overlap: (f64, f64),
}

/// Where the fitted curves are compared within the overlap.
const GRID_POINTS: usize = 50;

/// `b`'s test error minus `a`'s at equal training loss; None when either has fewer than four
/// runs or their training losses do not overlap.
pub(crate) fn equal_loss_gap(a: &LossPoints, b: &LossPoints, stream: u64) -> Option<EqualLoss> {
    let overlap = overlap(a, b)?;
    let point = gap(a, b, overlap)?;
    let mut rng = ChaCha8Rng::seed_from_u64(0x1055_0000 + stream);
    let reps: Vec<Option<f64>> = (0..REPLICATES)
        .map(|_| {
            let (ra, rb) = (redraw(a, &mut rng), redraw(b, &mut rng));
            gap(&ra, &rb, overlap)
        })
        .collect();
    Some(EqualLoss {
        gap: Estimate::from_replicates(point, &reps, true),
        overlap: (10f64.powf(overlap.0), 10f64.powf(overlap.1)),
    })
}

/// The log-loss range both cover.
fn overlap(a: &LossPoints, b: &LossPoints) -> Option<(f64, f64)> {
    let range = |p: &LossPoints| {
        let lo = p.iter().map(|q| q.0).reduce(f64::min)?;
        let hi = p.iter().map(|q| q.0).reduce(f64::max)?;
        Some((lo, hi))
    };
    let ((alo, ahi), (blo, bhi)) = (range(a)?, range(b)?);
    let (lo, hi) = (alo.max(blo), ahi.min(bhi));
    (hi > lo).then_some((lo, hi))
}

/// Mean of (fit_b − fit_a) over the overlap.
fn gap(a: &LossPoints, b: &LossPoints, (lo, hi): (f64, f64)) -> Option<f64> {
    let (fa, fb) = (quadratic(a)?, quadratic(b)?);
    let at = |f: &[f64], x: f64| f[0] + f[1] * x + f[2] * x * x;
    let sum: f64 = (0..GRID_POINTS)
        .map(|i| {
            let x = lo + (hi - lo) * i as f64 / (GRID_POINTS - 1) as f64;
            at(&fb, x) - at(&fa, x)
        })
        .sum();
    Some(sum / GRID_POINTS as f64)
}

/// The curve fitted to `p` at `n` points across its own range of log₁₀ loss, as (training
/// loss, test error in points): what the equal-loss figure draws. Empty with fewer than four
/// runs.
pub(crate) fn fitted_curve(p: &LossPoints, n: usize) -> Vec<(f64, f64)> {
    let (Some(f), Some(lo), Some(hi)) = (
        quadratic(p),
        p.iter().map(|q| q.0).reduce(f64::min),
        p.iter().map(|q| q.0).reduce(f64::max),
    ) else {
        return Vec::new();
    };
    (0..n)
        .map(|i| {
            let x = lo + (hi - lo) * i as f64 / (n.max(2) - 1) as f64;
            (10f64.powf(x), f[0] + f[1] * x + f[2] * x * x)
        })
        .collect()
}

/// Least-squares y = c₀ + c₁x + c₂x²; None with fewer than four points.
fn quadratic(p: &LossPoints) -> Option<Vec<f64>> {
    if p.len() < 4 {
        return None;
    }
    let x: Vec<Vec<f64>> = p.iter().map(|q| vec![1.0, q.0, q.0 * q.0]).collect();
    let y: Vec<f64> = p.iter().map(|q| q.1).collect();
    linear_least_squares(&x, &y)
}

fn redraw(p: &LossPoints, rng: &mut impl Rng) -> LossPoints {
    (0..p.len())
        .map(|_| p[rng.random_range(0..p.len())])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error = 5 + 2·log loss + offset, with ±0.05 alternating jitter.
    fn runs(offset: f64, lo: f64, hi: f64) -> LossPoints {
        (0..30)
            .map(|i| {
                let x = lo + (hi - lo) * f64::from(i) / 29.0;
                (
                    x,
                    5.0 + 2.0 * x + offset + if i % 2 == 0 { 0.05 } else { -0.05 },
                )
            })
            .collect()
    }

    #[test]
    fn a_constant_offset_at_equal_loss_is_found_with_an_interval() {
        let a = runs(0.0, -3.0, -1.0);
        let b = runs(-0.3, -2.5, -0.5);
        let e = equal_loss_gap(&a, &b, 0).unwrap();
        assert!((e.gap.point + 0.3).abs() < 0.02, "{e:?}");
        assert!(e.gap.covers(-0.3) && !e.gap.covers(0.0), "{e:?}");
        let (lo, hi) = e.overlap;
        assert!((lo.log10() + 2.5).abs() < 1e-9 && (hi.log10() + 1.0).abs() < 1e-9);
    }

    #[test]
    fn disjoint_losses_cannot_be_compared() {
        assert_eq!(
            equal_loss_gap(&runs(0.0, -3.0, -2.0), &runs(0.0, -1.0, 0.0), 0),
            None
        );
    }
}
