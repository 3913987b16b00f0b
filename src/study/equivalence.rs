//! The equivalence check (claim 1): SGD + L2 with (α, λ) against SGDW with the λ' that makes
//! them the same algorithm, both from the same seed, compared parameter by parameter after one
//! epoch and by their test-accuracy curves over the study's length; and, for contrast, Adam +
//! L2 against AdamW with the same mapping, which is not the same algorithm.

use super::folder::{Equivalence, EquivalencePair};
use super::{Execution, Settings};
use crate::jobs::map_jobs;
use crate::optim::{DecayKind, Hyper, Method, OptimConfig, WdScaling};
use crate::progress::Progress;
use crate::train::{self, DeviceData, EpochRecord};
use crate::util::fmt::short;

/// The decoupled coefficient that makes SGDW equal SGD + L2 with (α, λ): λ' = αλ in the paper
/// convention, λ' = λ when the decay is scaled by α (PyTorch's convention).
pub(crate) fn matching_decoupled(settings: &Settings, lr: f64, l2: f64) -> f64 {
    match settings.wd_scaling() {
        WdScaling::Paper => lr * l2,
        WdScaling::Lr => l2,
    }
}

/// The equivalence check at the SGD + L2 cell `sgd` = (α, λ) and, when given, the Adam + L2
/// cell `adam`. Both SGD runs are without momentum: only plain SGD makes the identity exact.
/// When the study's SGD runs use momentum, the SGD pair runs again with it, for contrast.
pub(crate) fn equivalence(
    settings: &Settings,
    how: &Execution,
    sgd: (f64, f64),
    adam: Option<(f64, f64)>,
) -> anyhow::Result<Equivalence> {
    let device = how.device().open()?;
    let mnist = settings.data_config(how)?.load()?;
    if let Some(want) = &settings.data_fingerprint() {
        // The same condition as a sweep's other data (a usage error): the flag is wrong.
        if *want != mnist.fingerprint {
            return Err(crate::error::usage(format!(
                "the study was trained on other data than {} holds (fingerprint {} there, {} in \
                 the study): give --data-dir the study's data",
                how.data_dir().display(),
                mnist.fingerprint,
                want
            )));
        }
    }
    let data = DeviceData::new(&mnist, &device)?;
    Ok(Equivalence {
        sgd: pair(settings, how, &data, Method::Sgd, sgd, false)?,
        adam: adam
            .map(|cell| pair(settings, how, &data, Method::Adam, cell, false))
            .transpose()?,
        sgd_momentum: (settings.momentum() > 0.0)
            .then(|| pair(settings, how, &data, Method::Sgd, sgd, true))
            .transpose()?,
    })
}

/// The decoupled method an L2 method is compared with.
fn decoupled_partner(l2_method: Method) -> Method {
    match l2_method.decay_kind() {
        DecayKind::L2 => l2_method.partner(),
        DecayKind::Decoupled => l2_method,
    }
}

/// Trains `l2_method` at (α, λ) and its decoupled partner at the matching λ' from seed 0: one
/// epoch each to compare parameters, then the study's length to compare test-accuracy curves.
/// SGD runs without momentum unless `with_momentum` (the contrast).
fn pair(
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    l2_method: Method,
    (lr, l2): (f64, f64),
    with_momentum: bool,
) -> anyhow::Result<EquivalencePair> {
    let partner = decoupled_partner(l2_method);
    let wd = matching_decoupled(settings, lr, l2);
    let momentum = settings.rule().hyper(Hyper::Momentum);
    let has_momentum = momentum > 0.0 && l2_method.takes(Hyper::Momentum);
    let config = |method: Method, decay: f64| {
        let o = settings.optim(method, lr, decay)?;
        if with_momentum {
            return Ok(o);
        }
        o.rebuild().hyper(Hyper::Momentum, 0.0).build()
    };
    let (a, b) = (config(l2_method, l2)?, config(partner, wd)?);
    let label = |m: Method, decay: f64| m.setting_label(lr, decay);
    let title = format!(
        "{} (α = {}, λ = {}) vs {} (α = {}, λ' = {}){}",
        l2_method.label(),
        short(lr),
        short(l2),
        partner.label(),
        short(lr),
        short(wd),
        match (has_momentum, with_momentum) {
            (true, true) => format!(", both with momentum {momentum}"),
            (true, false) => ", both without momentum".to_string(),
            (false, _) => String::new(),
        }
    );
    // The same run with α moved by a rounding-sized step: where the first epoch amplifies
    // rounding (large α), the pair's difference is read against this one.
    let nudged = a.rebuild().lr(lr * (1.0 + ROUNDING_NUDGE)).build()?;
    let (max_param_diff, max_param, rounding_diff) =
        one_epoch_difference(settings, how, data, [&a, &b, &nudged])?;
    let labels = [label(l2_method, l2), label(partner, wd)];
    let curves = full_curves(settings, how, data, [(&a, &labels[0]), (&b, &labels[1])])?;
    let [a_label, b_label] = labels;
    Ok(EquivalencePair {
        title,
        a_label,
        b_label,
        steps: data.train.len().div_ceil(settings.batch_size()),
        max_param_diff,
        max_param,
        rounding_diff: Some(rounding_diff),
        epochs: curves[0].iter().map(|r| r.epoch).collect(),
        test_a: curves[0].iter().map(|r| r.test_accuracy).collect(),
        test_b: curves[1].iter().map(|r| r.test_accuracy).collect(),
    })
}

/// Relative change of α in the rounding control: 2⁻²⁰, about eight units in the last place of
/// an f32 learning rate.
pub(crate) const ROUNDING_NUDGE: f64 = 1.0 / 1_048_576.0;

/// max |θ_a − θ_b|, max |θ_a| and max |θ_a − θ_c| after one epoch of each configuration
/// [a, b, c] from seed 0, the runs side by side (`--jobs`; the same bits as one after the
/// other).
fn one_epoch_difference(
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    configs: [&OptimConfig; 3],
) -> anyhow::Result<(f64, f64, f64)> {
    let one = settings
        .run_config(0, how)?
        .rebuild()
        .epochs(1)
        .eval_every(1)
        .build()?;
    let quiet = Progress::silent();
    let runs = map_jobs(&configs, how.jobs(), |_, cfg| {
        let t = train::train(cfg, &one, data, &quiet, &mut |_| Ok(()))?;
        t.model
            .vars()
            .iter()
            .map(|v| Ok(v.as_detached_tensor().flatten_all()?.to_vec1::<f32>()?))
            .collect::<anyhow::Result<Vec<Vec<f32>>>>()
    })?;
    let max_diff = |other: &[Vec<f32>]| {
        runs[0]
            .iter()
            .flatten()
            .zip(other.iter().flatten())
            .map(|(&x, &y)| (x as f64 - y as f64).abs())
            .fold(0f64, f64::max)
    };
    let max_param = runs[0]
        .iter()
        .flatten()
        .map(|&x| (x as f64).abs())
        .fold(0f64, f64::max);
    Ok((max_diff(&runs[1]), max_param, max_diff(&runs[2])))
}

/// The records of each configuration over the study's length from seed 0, evaluated at least
/// every 5 epochs (curves want more points than a sweep's cells do; two runs can afford them).
fn full_curves(
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    runs: [(&OptimConfig, &String); 2],
) -> anyhow::Result<Vec<Vec<EpochRecord>>> {
    let run = settings.run_config(0, how)?;
    let full = run.rebuild().eval_every(run.eval_every().min(5)).build()?;
    let bars = indicatif::MultiProgress::new();
    map_jobs(&runs, how.jobs(), |_, &(cfg, label)| {
        let progress = Progress {
            quiet: how.quiet(),
            label: label.clone(),
            multi: Some(bars.clone()),
        };
        Ok(train::train(cfg, &full, data, &progress, &mut |_| Ok(()))?.records)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matching_decay_follows_the_convention() {
        let s = Settings::tiny();
        assert!((matching_decoupled(&s, 0.1, 1e-3) - 1e-4).abs() < 1e-18);
        let rule = s.rule().clone().with_wd_scaling(WdScaling::Lr);
        let s = s.rebuild().rule(rule).build().unwrap();
        assert_eq!(matching_decoupled(&s, 0.1, 1e-3), 1e-3);
    }
}
