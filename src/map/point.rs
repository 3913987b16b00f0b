//! One point of a map read as the theories read it: the slope of the best decay against α in
//! both conventions with the robust interval of the study report, which limit it is near, and
//! the decay's total number of e-folds F = Σ_t η_t·α·λ at each α's best.
//!
//! Two limits predict opposite slopes of the best L2 penalty λ against α (log-log):
//! - the explicit regulariser (training settles at a minimiser of R_emp + (λ/2)‖θ‖², which
//!   does not depend on α): slope 0 in λ, +1 in λ' = αλ;
//! - the timescale (Loshchilov & Hutter's picture; Wang & Aitchison 2024, Li, Lyu & Arora
//!   2020: what matters is how many e-folds the decay makes, F, a function of αλ): slope −1 in
//!   λ, 0 in λ'.

use crate::analysis::{Analysis, Estimate, MethodAnalysis, Slopes, ValGrid};
use crate::optim::schedule::lr_multiplier;
use crate::optim::{DecayKind, Method, WdScaling};
use crate::study::Settings;

/// Images in MNIST's training file: without `--train-size` a run trains on those the
/// validation split leaves.
const MNIST_TRAIN_IMAGES: usize = 60_000;

/// Which limit a slope is at, read in the λ convention (0: regulariser, −1: timescale) from
/// every interval of the analyst's choices (the headline, the fitting windows, each α left
/// out) and their point estimates, so that no one choice can move the word: a limit is named
/// only where the union of the intervals excludes the other limit and the choices either all
/// hold this limit or all sit within [`NEAR`] of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Regulariser,
    Timescale,
    /// The union excludes both limits and every choice lies between them: no analysis choice
    /// puts the slope at either limit.
    Between,
    /// The union excludes both limits and a choice lies below −1 or above 0.
    Beyond,
    /// The union holds both limits: the intervals cannot tell them apart.
    NotSettled,
    /// The curvature's interval holds 0 (no valley whose floor can be located), or no α's
    /// best decay is bracketed.
    NoValley,
    /// One seed: no interval.
    NoInterval,
}

/// A slope within this of a limit moves the best decay by less than a grid step (a factor 2)
/// over the map's α range (a factor 16): as the study report's "separated".
pub(crate) const NEAR: f64 = crate::analysis::SEPARATED_WITHIN;

impl Limit {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Limit::Regulariser => "regulariser limit",
            Limit::Timescale => "timescale limit",
            Limit::Between => "between the limits",
            Limit::Beyond => "beyond the limits",
            Limit::NotSettled => "not settled",
            Limit::NoValley => "no valley resolved",
            Limit::NoInterval => "no interval",
        }
    }
}

/// One method at one point.
#[derive(Debug, Clone)]
pub(crate) struct MethodPoint {
    pub(crate) method: Method,
    /// The headline slope in the λ convention (add 1 for λ'), with its interval.
    pub(crate) slope: Option<Estimate>,
    /// The union of the headline and every variant's interval (λ convention).
    pub(crate) union: Option<(f64, f64)>,
    /// The smallest and largest point estimate over the analyst's choices (λ convention).
    pub(crate) range: Option<(f64, f64)>,
    pub(crate) limit: Limit,
    /// Per α in the fit: α, the fitted best F (e-folds) with its interval.
    pub(crate) best_f: Vec<(f64, Estimate)>,
    /// Per α trained: α, the best decay as swept, and its F.
    pub(crate) best: Vec<(f64, f64, f64)>,
    /// Regret (points) of reusing one tuned value across α holding λ fixed and holding F (=
    /// αλ, = λ' in the paper's convention) fixed, with intervals: within one point Σ η_t is the
    /// same at every α, so holding F is holding αλ.
    pub(crate) regret_lambda: Option<Estimate>,
    pub(crate) regret_f: Option<Estimate>,
    /// Regret holding F minus regret holding λ, with its interval.
    pub(crate) regret_difference: Option<Estimate>,
    /// Learning rates that failed to train (left out of the slope).
    pub(crate) untrained: Vec<f64>,
    /// Mean validation accuracy over the grid (for reusing a decay at the next point).
    pub(crate) grid: ValGrid,
    /// Validation points the best cell gains over the best cell without decay: whether decay
    /// helps at all at this point.
    pub(crate) gain: Option<f64>,
}

/// One point of a map.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    pub(crate) value: f64,
    pub(crate) settings: Settings,
    /// Σ_t η_t over the run: F = this × α·λ.
    pub(crate) eta_sum: f64,
    pub(crate) runs: usize,
    pub(crate) methods: Vec<MethodPoint>,
}

/// Σ_t η_t over every step of a run with `s` (η_t the schedule's multiplier).
pub(crate) fn eta_sum(s: &Settings, train_images: usize) -> f64 {
    let steps = (s.epochs() * train_images.div_ceil(s.batch_size())) as u64;
    (0..steps)
        .map(|t| lr_multiplier(s.schedule(), t, steps))
        .sum()
}

/// The power p of α in a decay as swept = λ·α^p: 1 for a decoupled method in the paper's
/// convention (λ' = αλ), 0 for an L2 method and for PyTorch's convention (λ_pt = λ).
fn power(method: Method, s: &Settings) -> f64 {
    if method.decay_kind() == DecayKind::Decoupled && s.wd_scaling() == WdScaling::Paper {
        1.0
    } else {
        0.0
    }
}

/// The point at `value` from its study folder's analysis.
pub(crate) fn read_point(value: f64, a: &Analysis, methods: &[Method]) -> Point {
    let n = a
        .settings
        .train_size()
        .unwrap_or(MNIST_TRAIN_IMAGES.saturating_sub(a.settings.val_size()));
    let eta_sum = eta_sum(&a.settings, n);
    Point {
        value,
        settings: a.settings.clone(),
        eta_sum,
        runs: a.rows.len(),
        methods: methods
            .iter()
            .filter_map(|&m| a.method(m))
            .map(|m| method_point(m, &a.settings, eta_sum))
            .collect(),
    }
}

/// One method's point from its analysis: slope (λ convention) and limit, best F per α, best
/// decays, and regrets, the swept decay read through α's [`power`] in it.
fn method_point(m: &MethodAnalysis, s: &Settings, eta_sum: f64) -> MethodPoint {
    let p = power(m.method, s);
    let shift = -p;
    let sl = &m.slopes;
    let (union, limit) = slope_limit(sl, shift);
    // F = Σ η_t · α · λ = Σ η_t · α^(1−p) · decay as swept; the floor is log₂ of the decay.
    let f_of = |lr: f64, decay: f64| eta_sum * lr.powf(1.0 - p) * decay;
    let (regret_lambda, regret_f, regret_difference) = regrets(m, p);
    MethodPoint {
        method: m.method,
        slope: sl.valley.map(|e| e.shifted(shift)),
        union,
        range: sl.range(shift),
        limit,
        best_f: best_f(sl, f_of),
        best: m
            .per_lr
            .iter()
            .filter(|b| !m.untrained_lrs.contains(&b.lr))
            .map(|b| (b.lr, b.decay, f_of(b.lr, b.decay)))
            .collect(),
        regret_lambda,
        regret_f,
        regret_difference,
        untrained: m.untrained_lrs.clone(),
        grid: m.grid.clone(),
        gain: m.gain_over_no_decay(),
    }
}

/// The union of every choice's interval shifted to the λ convention, and the limit the
/// choices allow.
fn slope_limit(sl: &Slopes, shift: f64) -> (Option<(f64, f64)>, Limit) {
    let estimates: Vec<Option<Estimate>> = sl
        .valley
        .iter()
        .copied()
        .map(Some)
        .chain(sl.variants.iter().map(|v| v.slope))
        .collect();
    let complete = estimates
        .iter()
        .all(|e| e.is_some_and(|e| e.interval.is_some()));
    let choices = Choices {
        intervals: estimates
            .iter()
            .flatten()
            .filter_map(|e| e.interval)
            .map(|(lo, hi)| (lo + shift, hi + shift))
            .collect(),
        points: estimates
            .iter()
            .flatten()
            .map(|e| e.point + shift)
            .collect(),
    };
    // A choice without a valley counts as unbounded, as a replicate without one does.
    let union = if complete {
        choices.union()
    } else if sl.valley.is_some() {
        Some((f64::NEG_INFINITY, f64::INFINITY))
    } else {
        None
    };
    let valley = sl
        .curvature
        .and_then(|c| c.interval)
        .is_some_and(|(lo, _)| lo > 0.0);
    let limit = if sl.valley.is_some_and(|v| v.interval.is_none()) {
        Limit::NoInterval
    } else {
        limit_of(valley, &choices, complete)
    };
    (union, limit)
}

/// Per α in the fit: α and the fitted floor (log₂ of the decay) as F with its interval.
fn best_f(sl: &Slopes, f_of: impl Fn(f64, f64) -> f64) -> Vec<(f64, Estimate)> {
    sl.floor
        .iter()
        .map(|(lr, e)| {
            let to_f = |l2: f64| f_of(*lr, l2.exp2());
            let interval = e.interval.map(|(lo, hi)| (to_f(lo), to_f(hi)));
            (
                *lr,
                Estimate {
                    point: to_f(e.point),
                    interval,
                    failed: e.failed,
                },
            )
        })
        .collect()
}

/// Regret holding λ, holding F, and the second minus the first, from the analysis's regret
/// whose held values are the decay as swept and the per-step product.
fn regrets(m: &MethodAnalysis, p: f64) -> (Option<Estimate>, Option<Estimate>, Option<Estimate>) {
    let regret = m.regret();
    // held[0] holds the decay as swept, held[1] the per-step product (αλ, or λ'/α).
    let (lambda, f) = if p == 1.0 { (1, 0) } else { (0, 1) };
    let sign = if lambda == 0 { 1.0 } else { -1.0 };
    (
        regret.map(|r| r.intervals[lambda]),
        regret.map(|r| r.intervals[f]),
        regret.map(|r| Estimate {
            point: sign * r.difference.point,
            interval: r.difference.interval.map(|(lo, hi)| {
                let (a, b) = (sign * lo, sign * hi);
                (a.min(b), a.max(b))
            }),
            failed: r.difference.failed,
        }),
    )
}

/// The slope of every choice in the λ convention: its interval and point estimate.
pub(crate) struct Choices {
    pub(crate) intervals: Vec<(f64, f64)>,
    pub(crate) points: Vec<f64>,
}

impl Choices {
    fn union(&self) -> Option<(f64, f64)> {
        self.intervals
            .iter()
            .copied()
            .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }

    /// Every choice holds `v` in its interval, or every point estimate is within [`NEAR`].
    fn at(&self, v: f64) -> bool {
        self.intervals.iter().all(|&(lo, hi)| lo <= v && v <= hi)
            || self.points.iter().all(|p| (p - v).abs() <= NEAR)
    }
}

/// The limit the choices allow ([`Limit`]); `complete` is false when a choice has no slope
/// (it counts as unbounded) or no interval.
pub(crate) fn limit_of(valley: bool, c: &Choices, complete: bool) -> Limit {
    if !valley || c.points.is_empty() {
        return Limit::NoValley;
    }
    if !complete {
        return Limit::NotSettled;
    }
    let Some((lo, hi)) = c.union() else {
        return Limit::NoInterval;
    };
    let holds = |v: f64| lo <= v && v <= hi;
    match (holds(0.0), holds(-1.0)) {
        (true, true) => Limit::NotSettled,
        (_, false) if c.at(0.0) => Limit::Regulariser,
        (false, _) if c.at(-1.0) => Limit::Timescale,
        (false, false) if c.points.iter().all(|&p| p > -1.0 && p < 0.0) => Limit::Between,
        (false, false) => Limit::Beyond,
        _ => Limit::NotSettled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(intervals: &[(f64, f64)], points: &[f64]) -> Choices {
        Choices {
            intervals: intervals.to_vec(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn a_limit_is_named_only_where_every_choice_agrees() {
        let l = |i: &[(f64, f64)], p: &[f64]| limit_of(true, &choices(i, p), true);
        // Every interval holds 0, none holds −1.
        assert_eq!(
            l(&[(-0.3, 0.2), (-0.4, 0.1)], &[-0.05, -0.1]),
            Limit::Regulariser
        );
        // Tight intervals just off 0, every point within 0.25 of it: still the regulariser's.
        assert_eq!(
            l(&[(0.05, 0.08), (-0.01, 0.11)], &[0.06, 0.05]),
            Limit::Regulariser
        );
        assert_eq!(
            l(&[(-1.3, -0.6), (-1.2, -0.8)], &[-0.9, -1.0]),
            Limit::Timescale
        );
        // Every interval between the limits, excluding both: between.
        assert_eq!(
            l(&[(-0.51, -0.31), (-0.68, -0.02)], &[-0.41, -0.54]),
            Limit::Between
        );
        // The headline excludes 0 but a window's interval reaches it: the choices do not
        // exclude the regulariser, so not settled (neither a limit nor between).
        assert_eq!(
            l(&[(-0.51, -0.31), (-0.68, 0.01)], &[-0.41, -0.54]),
            Limit::NotSettled
        );
        assert_eq!(l(&[(-1.1, 0.1)], &[-0.5]), Limit::NotSettled);
        assert_eq!(l(&[(0.4, 0.9)], &[0.6]), Limit::Beyond);
        assert_eq!(
            limit_of(false, &choices(&[(-0.3, 0.2)], &[0.0]), true),
            Limit::NoValley
        );
        assert_eq!(limit_of(true, &choices(&[], &[]), true), Limit::NoValley);
        // A choice without a valley: unbounded, so nothing is settled.
        assert_eq!(
            limit_of(true, &choices(&[(-0.3, 0.2)], &[0.0]), false),
            Limit::NotSettled
        );
    }

    #[test]
    fn eta_sum_of_a_cosine_run_is_half_its_steps() {
        let full = crate::study::preset(crate::study::Preset::Full).settings;
        let s = full.rebuild().epochs(10).build().unwrap();
        // 5,000 images in batches of 128: 40 steps an epoch, 400 steps.
        let sum = eta_sum(&s, 5000);
        assert!((sum - 200.5).abs() < 1e-9, "{sum}");
        let rule = s
            .rule()
            .clone()
            .with_schedule(crate::optim::Schedule::Constant);
        let s = s.rebuild().rule(rule).build().unwrap();
        assert_eq!(eta_sum(&s, 5000), 400.0);
    }
}
