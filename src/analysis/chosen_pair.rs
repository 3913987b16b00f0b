//! Claim 2's question — which of an L2 method and its decoupled partner generalises better at
//! their chosen cells — asked three ways, each with its own source of error:
//!
//! - **re-chosen**: a bootstrap that redraws every cell's seeds, re-chooses each method's best
//!   cell on the redrawn validation means and takes the redrawn test mean of the cell it chose,
//!   so the interval carries the luck of the choice (the winner's curse), not only the seeds
//!   of one fixed cell;
//! - **Welch's t** on the test accuracies of the two chosen cells' seeds, with the
//!   Welch–Satterthwaite degrees of freedom (few seeds: the normal 2-se rule is too lenient);
//! - **paired over test images**: both cells' saved predictions, image by image — each image's
//!   fraction of seeds that get it right, differenced between the methods — so the sampling
//!   noise of the 10,000 test images themselves is measured (a z test on the mean of the
//!   per-image differences).
//!
//! A difference is shown only where all three agree.

use super::bootstrap::{redrawn_mean, Estimate, REPLICATES};
use super::MethodAnalysis;
use crate::study::predictions::{read_predictions, read_test_labels};
use crate::study::Cell;
use crate::util::stats::{normal_two_sided, welch, Welch};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// Two-sided level of every test here.
pub(crate) const LEVEL: f64 = 0.05;

/// One cell's runs, as the re-chosen bootstrap redraws them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CellRuns {
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    /// Validation accuracy of the selection seeds (the choice is made on them).
    pub(crate) vals: Vec<f64>,
    /// Test accuracy of every finished seed.
    pub(crate) tests: Vec<f64>,
}

/// The paired test over test images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairedImages {
    /// Decoupled minus L2, points of test accuracy (seeds averaged per image).
    pub(crate) diff_points: f64,
    pub(crate) se_points: f64,
    pub(crate) z: f64,
    pub(crate) p: f64,
    pub(crate) images: usize,
    /// Seeds with saved predictions: (L2 method, decoupled method).
    pub(crate) seeds: (usize, usize),
}

/// Claim 2's three tests for one pair; each None where it cannot be run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChosenComparison {
    pub(crate) l2: crate::optim::Method,
    pub(crate) decoupled: crate::optim::Method,
    /// Decoupled minus L2 test accuracy of the chosen cells (points), re-chosen interval.
    pub(crate) reselected: Option<Estimate>,
    pub(crate) welch: Option<Welch>,
    pub(crate) paired: Option<PairedImages>,
}

impl ChosenComparison {
    /// +1 when all three tests say the decoupled method is better at [`LEVEL`], −1 when all
    /// three say the L2 method is, 0 otherwise; then the tests that ran but did not agree
    /// (against the direction most of them lean, or all when none leans) and those that could
    /// not run.
    pub(crate) fn agreement(&self) -> (i8, Vec<&'static str>, Vec<&'static str>) {
        let signs = [
            (
                "the re-chosen interval",
                self.reselected
                    .and_then(|e| e.interval)
                    .map(|(lo, hi)| sign(lo > 0.0, hi < 0.0)),
            ),
            (
                "Welch's t",
                self.welch
                    .map(|w| sign(w.p < LEVEL && w.t > 0.0, w.p < LEVEL && w.t < 0.0)),
            ),
            (
                "the paired test over test images",
                self.paired
                    .map(|p| sign(p.p < LEVEL && p.z > 0.0, p.p < LEVEL && p.z < 0.0)),
            ),
        ];
        let all = |s: i8| signs.iter().all(|(_, x)| *x == Some(s));
        let verdict = if all(1) {
            1
        } else if all(-1) {
            -1
        } else {
            0
        };
        if verdict != 0 {
            return (verdict, Vec::new(), Vec::new());
        }
        let lean: i8 = signs.iter().filter_map(|(_, x)| *x).sum::<i8>().signum();
        let failed = signs
            .iter()
            .filter(|(_, x)| x.is_some_and(|x| lean == 0 || x != lean))
            .map(|(n, _)| *n)
            .collect();
        let not_run = signs
            .iter()
            .filter(|(_, x)| x.is_none())
            .map(|(n, _)| *n)
            .collect();
        (0, failed, not_run)
    }
}

fn sign(pos: bool, neg: bool) -> i8 {
    i8::from(pos) - i8::from(neg)
}

/// The three tests of `l2` against `dec`; predictions are read from the study folder `dir`
/// when given.
pub(crate) fn compare(
    l2: &MethodAnalysis,
    dec: &MethodAnalysis,
    dir: Option<&Path>,
    stream: u64,
) -> anyhow::Result<Option<ChosenComparison>> {
    let (Some(cl), Some(cd)) = (l2.chosen.as_ref(), dec.chosen.as_ref()) else {
        return Ok(None);
    };
    let paired = match dir {
        Some(dir) => paired_images(
            dir,
            (l2.method, cl.lr, cl.decay, &cl.seeds),
            (dec.method, cd.lr, cd.decay, &cd.seeds),
        )?,
        None => None,
    };
    Ok(Some(ChosenComparison {
        l2: l2.method,
        decoupled: dec.method,
        reselected: reselected(&l2.cell_runs, &dec.cell_runs, stream),
        welch: welch(&cl.tests, &cd.tests),
        paired,
    }))
}

/// The difference of the chosen cells' test means (points, `b` − `a`), with the interval of a
/// bootstrap that re-chooses each method's cell in every replicate; None without repeated
/// seeds.
pub(crate) fn reselected(a: &[CellRuns], b: &[CellRuns], stream: u64) -> Option<Estimate> {
    let point = 100.0 * (chosen_test(b, &mut |v| mean(v))? - chosen_test(a, &mut |v| mean(v))?);
    let repeats = a.iter().chain(b).any(|c| c.vals.len() >= 2);
    let mut rng = ChaCha8Rng::seed_from_u64(0xc2_0000 + stream);
    let reps: Vec<Option<f64>> = (0..REPLICATES)
        .map(|_| {
            let ta = chosen_test(a, &mut |v| redrawn_mean(v, &mut rng))?;
            let tb = chosen_test(b, &mut |v| redrawn_mean(v, &mut rng))?;
            Some(100.0 * (tb - ta))
        })
        .collect();
    Some(Estimate::from_replicates(point, &reps, repeats))
}

/// The test mean (by `stat`) of the cell with the best validation mean (by `stat`); cells in
/// (lr, decay) order, the first of equals wins.
fn chosen_test(cells: &[CellRuns], stat: &mut dyn FnMut(&[f64]) -> f64) -> Option<f64> {
    let mut best: Option<(f64, &CellRuns)> = None;
    for c in cells
        .iter()
        .filter(|c| !c.vals.is_empty() && !c.tests.is_empty())
    {
        let v = stat(&c.vals);
        if best.is_none_or(|(b, _)| v > b) {
            best = Some((v, c));
        }
    }
    let (_, c) = best?;
    Some(stat(&c.tests))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

type ChosenCell<'a> = (crate::optim::Method, f64, f64, &'a [u64]);

/// The paired test over test images of two chosen cells, from the predictions their seeds
/// saved; None when the folder has no test labels or a side has no saved predictions.
fn paired_images(
    dir: &Path,
    l2: ChosenCell,
    dec: ChosenCell,
) -> anyhow::Result<Option<PairedImages>> {
    let Some(labels) = read_test_labels(dir)? else {
        return Ok(None);
    };
    let correct = |(method, lr, decay, seeds): ChosenCell| -> anyhow::Result<(Vec<f64>, usize)> {
        let mut hits = vec![0.0; labels.len()];
        let mut n = 0;
        for &seed in seeds {
            let cell = Cell::new(method, lr, decay, seed);
            if let Some(p) = read_predictions(dir, &cell, labels.len())? {
                for (h, (&p, &l)) in hits.iter_mut().zip(p.iter().zip(&labels)) {
                    *h += f64::from(u8::from(p == l));
                }
                n += 1;
            }
        }
        Ok((hits.into_iter().map(|h| h / n.max(1) as f64).collect(), n))
    };
    let ((a, na), (b, nb)) = (correct(l2)?, correct(dec)?);
    if na == 0 || nb == 0 || labels.is_empty() {
        return Ok(None);
    }
    let d: Vec<f64> = b.iter().zip(&a).map(|(x, y)| x - y).collect();
    let n = d.len() as f64;
    let m = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let se = (var / n).sqrt();
    let z = if se > 0.0 { m / se } else { 0.0 };
    Ok(Some(PairedImages {
        diff_points: 100.0 * m,
        se_points: 100.0 * se,
        z,
        p: if se > 0.0 { normal_two_sided(z) } else { 1.0 },
        images: d.len(),
        seeds: (na, nb),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(lr: f64, vals: &[f64], tests: &[f64]) -> CellRuns {
        CellRuns {
            lr,
            decay: 0.0,
            vals: vals.to_vec(),
            tests: tests.to_vec(),
        }
    }

    #[test]
    fn re_choosing_widens_the_interval_when_the_choice_is_a_coin_toss() {
        // Method a: two cells tied on validation, one far better on test; method b: one cell.
        let a = vec![
            cell(1.0, &[0.950, 0.951], &[0.940, 0.941]),
            cell(2.0, &[0.951, 0.950], &[0.930, 0.931]),
        ];
        let b = vec![cell(1.0, &[0.96, 0.96], &[0.9405, 0.9405])];
        let e = reselected(&a, &b, 0).unwrap();
        // Chosen on the means: both 0.9505, the first wins → its test 94.05 %: difference 0.
        assert!(e.point.abs() < 1e-9, "{e:?}");
        let (lo, hi) = e.interval.unwrap();
        // Replicates that pick the second cell see b better by a full point.
        assert!(hi > 0.9 && lo < 0.1, "{e:?}");
    }

    #[test]
    fn the_three_tests_must_agree() {
        let yes = ChosenComparison {
            l2: crate::optim::Method::Adam,
            decoupled: crate::optim::Method::Adamw,
            reselected: Some(Estimate {
                point: 0.3,
                interval: Some((0.1, 0.5)),
                failed: 0,
            }),
            welch: Some(Welch {
                t: 3.0,
                df: 7.0,
                p: 0.02,
            }),
            paired: Some(PairedImages {
                diff_points: 0.3,
                se_points: 0.1,
                z: 3.0,
                p: 0.003,
                images: 10_000,
                seeds: (5, 5),
            }),
        };
        assert_eq!(yes.agreement(), (1, vec![], vec![]));
        let weak = ChosenComparison {
            welch: Some(Welch {
                t: 2.28,
                df: 5.4,
                p: 0.067,
            }),
            ..yes.clone()
        };
        assert_eq!(weak.agreement(), (0, vec!["Welch's t"], vec![]));
        let unmeasured = ChosenComparison {
            paired: None,
            ..yes
        };
        assert_eq!(
            unmeasured.agreement(),
            (0, vec![], vec!["the paired test over test images"])
        );
    }
}
