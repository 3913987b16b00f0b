//! Reusing one point's best decay at the next point of the axis, holding λ fixed or holding
//! the total decay F = Σ_t η_t·α·λ fixed: the third convention, which within one point is
//! holding αλ and across points is what the timescale view says carries over (Wang &
//! Aitchison 2024: the best τ_epoch = batch/(N·λ') stays about constant as N grows, i.e. F
//! stays constant at a fixed number of epochs). On an axis that leaves Σ_t η_t unchanged (label
//! noise) the two are the same.

use super::point::Point;
use crate::analysis::{same_value, ValGrid};
use crate::optim::Method;

/// What reusing one point's best decays at the next cost, over the α both trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moved {
    /// Mean validation points lost against the next point's own best at each α.
    pub(crate) lost: f64,
    pub(crate) compared: usize,
    /// α whose moved decay the next point did not try.
    pub(crate) off_grid: usize,
}

/// One method from one point to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reuse {
    pub(crate) from: f64,
    pub(crate) to: f64,
    pub(crate) method: Method,
    pub(crate) held_lambda: Option<Moved>,
    pub(crate) held_f: Option<Moved>,
}

/// Every adjacent pair of points, every method both have.
pub(crate) fn reuse(points: &[Point]) -> Vec<Reuse> {
    let mut out = Vec::new();
    for w in points.windows(2) {
        let (p, q) = (&w[0], &w[1]);
        for mp in &p.methods {
            let Some(mq) = q.methods.iter().find(|m| m.method == mp.method) else {
                continue;
            };
            let trained = |lr: f64| {
                !mp.untrained
                    .iter()
                    .chain(&mq.untrained)
                    .any(|&u| same_value(u, lr))
            };
            let moved = |ratio: f64| moved(&mp.grid, &mq.grid, ratio, &trained);
            out.push(Reuse {
                from: p.value,
                to: q.value,
                method: mp.method,
                held_lambda: moved(1.0),
                held_f: moved(p.eta_sum / q.eta_sum),
            });
        }
    }
    out
}

/// The best decay at each α of `from` times `ratio`, scored at the same α of `to` against
/// `to`'s own best there.
fn moved(from: &ValGrid, to: &ValGrid, ratio: f64, trained: &dyn Fn(f64) -> bool) -> Option<Moved> {
    let (mut lost, mut compared, mut off_grid) = (0.0, 0, 0);
    for (li, &lr) in from.lrs.iter().enumerate() {
        let Some(lj) = to.lrs.iter().position(|&l| same_value(l, lr)) else {
            continue;
        };
        if !trained(lr) {
            continue;
        }
        let best_at = |g: &ValGrid, l: usize| -> Option<(usize, f64)> {
            (0..g.decays.len())
                .filter_map(|d| g.val[d][l].map(|v| (d, v)))
                .fold(None, |acc: Option<(usize, f64)>, (d, v)| match acc {
                    Some((_, bv)) if bv >= v => acc,
                    _ => Some((d, v)),
                })
        };
        let (Some((di, _)), Some((_, own))) = (best_at(from, li), best_at(to, lj)) else {
            continue;
        };
        let target = from.decays[di] * ratio;
        let found = to
            .decays
            .iter()
            .position(|&d| same_value(d, target))
            .and_then(|d| to.val[d][lj]);
        match found {
            Some(v) => {
                lost += 100.0 * (own - v);
                compared += 1;
            }
            None => off_grid += 1,
        }
    }
    (compared + off_grid > 0).then(|| Moved {
        lost: if compared > 0 {
            lost / compared as f64
        } else {
            f64::NAN
        },
        compared,
        off_grid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(decays: Vec<f64>, val: Vec<f64>) -> ValGrid {
        ValGrid {
            lrs: vec![0.25],
            val: val.into_iter().map(|v| vec![Some(v)]).collect(),
            decays,
        }
    }

    #[test]
    fn holding_f_scales_the_decay_by_the_ratio_of_the_eta_sums() {
        // The first point is best at 2e-3; the second, with twice the steps, at 1e-3.
        let a = grid(vec![0.0, 1e-3, 2e-3, 4e-3], vec![0.90, 0.93, 0.95, 0.92]);
        let b = grid(vec![0.0, 1e-3, 2e-3, 4e-3], vec![0.90, 0.96, 0.94, 0.91]);
        let all = |_: f64| true;
        let lambda = moved(&a, &b, 1.0, &all).unwrap();
        assert_eq!(lambda.compared, 1);
        assert!((lambda.lost - 2.0).abs() < 1e-9, "{lambda:?}");
        let f = moved(&a, &b, 0.5, &all).unwrap();
        assert!(f.lost.abs() < 1e-9, "{f:?}");
        // Off the next grid: counted, not scored.
        let off = moved(&a, &b, 0.3, &all).unwrap();
        assert_eq!((off.compared, off.off_grid), (0, 1));
        // An α that failed to train is left out.
        assert!(moved(&a, &b, 1.0, &|_| false).is_none());
    }
}
