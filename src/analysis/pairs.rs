//! The pairs of the study, an L2 method beside its decoupled partner: the difference of their
//! valley slopes (1 for the SGD pair if the fit is calibrated, since SGD + L2 with λ is SGDW
//! with λ' = αλ) and their test error at equal training loss.

use super::bootstrap::Estimate;
use super::equal_loss::{equal_loss_gap, EqualLoss};
use super::uncertainty::Slopes;
use crate::optim::Method;
use crate::study::{ResultRow, Status};

/// An L2 method and its decoupled partner, compared.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairAnalysis {
    pub(crate) l2: Method,
    pub(crate) decoupled: Method,
    /// Valley slope of the decoupled method minus the L2 method's, with an interval from
    /// their replicates paired by index (independent redraws).
    pub(crate) slope_gap: Option<Estimate>,
    /// The decoupled method's test error minus the L2 method's at equal training loss.
    pub(crate) equal_loss: Option<EqualLoss>,
}

/// What a pair needs of one method's analysis.
pub(super) struct Side<'a> {
    pub(super) method: Method,
    pub(super) slopes: &'a Slopes,
    /// Whether its cells have repeated seeds (so its replicates vary).
    pub(super) repeats: bool,
    /// Its learning rates that failed to train.
    pub(super) untrained: &'a [f64],
}

/// The pairs of the study (those with both methods swept).
pub(super) fn pairs(methods: &[Side], rows: &[ResultRow]) -> Vec<PairAnalysis> {
    Method::PAIRS
        .into_iter()
        .enumerate()
        .filter_map(|(k, (l2, dec))| {
            let a = methods.iter().find(|m| m.method == l2)?;
            let b = methods.iter().find(|m| m.method == dec)?;
            let slope_gap = match (&a.slopes.valley, &b.slopes.valley) {
                (Some(va), Some(vb)) => {
                    let reps: Vec<Option<f64>> = a
                        .slopes
                        .valley_reps
                        .iter()
                        .zip(&b.slopes.valley_reps)
                        .map(|(x, y)| Some((*y)? - (*x)?))
                        .collect();
                    let repeats = a.repeats && b.repeats;
                    Some(Estimate::from_replicates(
                        vb.point - va.point,
                        &reps,
                        repeats,
                    ))
                }
                _ => None,
            };
            Some(PairAnalysis {
                l2,
                decoupled: dec,
                slope_gap,
                equal_loss: equal_loss_gap(
                    &loss_points(rows, l2, a.untrained),
                    &loss_points(rows, dec, b.untrained),
                    k as u64,
                ),
            })
        })
        .collect()
}

/// (log10 final training loss, test error in points) of a method's finished runs with a
/// positive decay, at the learning rates that trained.
pub(crate) fn loss_points(rows: &[ResultRow], m: Method, untrained: &[f64]) -> Vec<(f64, f64)> {
    rows.iter()
        .filter(|r| r.cell.method == m && r.cell.decay > 0.0 && r.status == Status::Ok)
        .filter(|r| !untrained.contains(&r.cell.lr))
        .filter_map(|r| {
            let loss = r.train_loss.filter(|l| *l > 0.0)?;
            Some((loss.log10(), 100.0 * (1.0 - r.test_accuracy?)))
        })
        .collect()
}
