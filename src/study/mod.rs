//! The study as a whole: the presets (a regime where weight decay matters, and a grid per
//! method), the equivalence check, and `reproduce` (sweep → more seeds at the chosen cells →
//! equivalence → report), every stage resumable.
//!
//! Why these regimes (measured on this project's MNIST, README "Choosing the regime"): with all
//! 50,000 training images weight decay never helps by more than seed noise, so the presets train
//! on a small subset for many epochs, where the MLP overfits and regularisation pays.

use crate::error::usage;
use crate::optim::{Method, Schedule, WdScaling};
use crate::report::{short, Analysis, Equivalence, EquivalencePair};
use crate::sweep::{self, Grid, MethodGrid, Runtime, Study};
use crate::train::{self, DeviceData, Progress};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A named regime and grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// About 10 minutes on 2 idle cores: 2,000 training images, 60 epochs, a 3 × 4 grid per
    /// method, one seed (three at the chosen cells).
    Quick,
    /// The real study (about 2.5 hours on 2 idle cores): 5,000 training images, 100 epochs, a
    /// 4 × 7 grid per method over two seeds (five at the chosen cells).
    Full,
}

/// Everything a preset fixes.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetSpec {
    pub study: Study,
    pub grid: Grid,
    pub eval_every: usize,
    /// Seeds run at each method's chosen cell (the grid's seeds included).
    pub final_seeds: usize,
    /// `wdlab compare`'s default (lr, decay) per method: good cells of this regime.
    pub compare: Vec<(Method, f64, f64)>,
}

fn mg(method: Method, lrs: &[f64], decays: &[f64]) -> MethodGrid {
    MethodGrid {
        method,
        lrs: lrs.to_vec(),
        decays: decays.to_vec(),
    }
}

pub fn preset(p: Preset) -> PresetSpec {
    let base = Study {
        train_size: Some(2000),
        val_size: 10_000,
        epochs: 60,
        batch_size: 128,
        hidden: vec![1024],
        schedule: Schedule::Cosine,
        momentum: 0.0,
        wd_scaling: WdScaling::Paper,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        decay_biases: true,
    };
    // SGD + L2 at (0.5, 2e-3) and SGDW at (0.5, 1e-3 = 0.5 · 2e-3) are the same algorithm, so
    // `compare`'s table shows claim 1 on its own; the Adam pair is a good cell of each.
    let compare = vec![
        (Method::Sgd, 0.5, 2e-3),
        (Method::Sgdw, 0.5, 1e-3),
        (Method::Adam, 3e-3, 1e-3),
        (Method::Adamw, 3e-3, 3e-3),
    ];
    match p {
        Preset::Quick => PresetSpec {
            study: base,
            grid: Grid {
                methods: vec![
                    mg(Method::Sgd, &[0.25, 0.5, 1.0], &[0.0, 1e-3, 3e-3, 1e-2]),
                    mg(Method::Sgdw, &[0.25, 0.5, 1.0], &[0.0, 3e-4, 1e-3, 3e-3]),
                    mg(Method::Adam, &[1e-3, 3e-3, 1e-2], &[0.0, 1e-4, 1e-3, 1e-2]),
                    mg(Method::Adamw, &[1e-3, 3e-3, 1e-2], &[0.0, 1e-3, 3e-3, 1e-2]),
                ],
                seeds: vec![0],
            },
            eval_every: 20,
            final_seeds: 3,
            compare,
        },
        Preset::Full => PresetSpec {
            study: Study {
                train_size: Some(5000),
                epochs: 100,
                ..base
            },
            grid: Grid {
                methods: vec![
                    // Factor-2 steps in α and in the decay, so a best decay ∝ 1/α
                    // falls on the grid's diagonal.
                    mg(
                        Method::Sgd,
                        &[0.125, 0.25, 0.5, 1.0],
                        &[0.0, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2],
                    ),
                    mg(
                        Method::Sgdw,
                        &[0.125, 0.25, 0.5, 1.0],
                        &[0.0, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3],
                    ),
                    mg(
                        Method::Adam,
                        &[5e-4, 1e-3, 2e-3, 4e-3],
                        &[0.0, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3],
                    ),
                    mg(
                        Method::Adamw,
                        &[5e-4, 1e-3, 2e-3, 4e-3],
                        &[0.0, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2],
                    ),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 10,
            final_seeds: 5,
            compare,
        },
    }
}

/// The decoupled coefficient that makes SGDW equal SGD + L2 with (α, λ): λ' = αλ in the paper
/// convention, λ' = λ when the decay is scaled by α (PyTorch's convention).
pub fn matching_decoupled(study: &Study, lr: f64, l2: f64) -> f64 {
    match study.wd_scaling {
        WdScaling::Paper => lr * l2,
        WdScaling::Lr => l2,
    }
}

/// Trains `a` and `b` from the same seed: one epoch each to compare parameters, then the
/// study's length to compare test-accuracy curves.
#[allow(clippy::too_many_arguments)]
fn pair(
    study: &Study,
    how: &Runtime,
    data: &DeviceData,
    title: String,
    a: crate::optim::OptimConfig,
    b: crate::optim::OptimConfig,
    seed: u64,
    labels: (String, String),
) -> anyhow::Result<EquivalencePair> {
    let quiet = Progress::silent();
    let mut one = study.run_config(seed, how);
    one.epochs = 1;
    one.eval_every = 1;
    let params = |cfg: &crate::optim::OptimConfig| -> anyhow::Result<Vec<Vec<f32>>> {
        let t = train::train(cfg, &one, data, &quiet, &mut |_| Ok(()))?;
        t.model
            .vars()
            .iter()
            .map(|v| Ok(v.as_detached_tensor().flatten_all()?.to_vec1::<f32>()?))
            .collect()
    };
    // The two runs of each stage side by side (`--jobs`; the same bits as one after another).
    let configs = [&a, &b];
    let both = crate::jobs::map_jobs(&configs, how.jobs, |_, cfg| params(cfg))?;
    let (pa, pb) = (&both[0], &both[1]);
    let mut max_diff = 0f64;
    let mut max_param = 0f64;
    for (x, y) in pa.iter().zip(pb) {
        for (&x, &y) in x.iter().zip(y) {
            max_diff = max_diff.max((x as f64 - y as f64).abs());
            max_param = max_param.max((x as f64).abs());
        }
    }
    let mut full = study.run_config(seed, how);
    // Curves want more points than a sweep's cells do; four runs can afford them.
    full.eval_every = full.eval_every.min(5);
    let bars = indicatif::MultiProgress::new();
    let runs = [(&a, &labels.0), (&b, &labels.1)];
    let curves = crate::jobs::map_jobs(&runs, how.jobs, |_, &(cfg, label)| {
        let progress = Progress {
            quiet: how.quiet,
            label: label.clone(),
            multi: Some(bars.clone()),
        };
        Ok(train::train(cfg, &full, data, &progress, &mut |_| Ok(()))?.records)
    })?;
    Ok(EquivalencePair {
        title,
        a_label: labels.0,
        b_label: labels.1,
        steps: data.train.len().div_ceil(study.batch_size),
        max_param_diff: max_diff,
        max_param,
        epochs: curves[0].iter().map(|r| r.epoch).collect(),
        test_a: curves[0].iter().map(|r| r.test_accuracy).collect(),
        test_b: curves[1].iter().map(|r| r.test_accuracy).collect(),
    })
}

/// The equivalence check: SGD + L2 (α, λ) against SGDW (α, λ' = αλ), both without momentum,
/// and, for contrast, Adam + L2 (α, λ) against AdamW with the same mapping.
pub fn equivalence(
    study: &Study,
    how: &Runtime,
    sgd: (f64, f64),
    adam: Option<(f64, f64)>,
) -> anyhow::Result<Equivalence> {
    let device = crate::device::DeviceSpec::parse(&how.device)?.open()?;
    let data_cfg = study.data_config(how);
    let mnist = data_cfg.load()?;
    let data = DeviceData::new(&mnist, &device)?;
    let (lr, l2) = sgd;
    let wd = matching_decoupled(study, lr, l2);
    let no_momentum = |mut c: crate::optim::OptimConfig| {
        c.momentum = 0.0;
        c
    };
    let sgd_pair = pair(
        study,
        how,
        &data,
        format!(
            "SGD + L2 (α = {}, λ = {}) vs SGDW (α = {}, λ' = {}){}",
            short(lr),
            short(l2),
            short(lr),
            short(wd),
            if study.momentum > 0.0 {
                ", both without momentum"
            } else {
                ""
            }
        ),
        no_momentum(study.optim(Method::Sgd, lr, l2)),
        no_momentum(study.optim(Method::Sgdw, lr, wd)),
        0,
        (
            format!("SGD + L2 α={} λ={}", short(lr), short(l2)),
            format!("SGDW α={} λ'={}", short(lr), short(wd)),
        ),
    )?;
    let adam_pair = match adam {
        Some((lr, l2)) => {
            let wd = matching_decoupled(study, lr, l2);
            Some(pair(
                study,
                how,
                &data,
                format!(
                    "Adam + L2 (α = {}, λ = {}) vs AdamW (α = {}, λ' = {})",
                    short(lr),
                    short(l2),
                    short(lr),
                    short(wd)
                ),
                study.optim(Method::Adam, lr, l2),
                study.optim(Method::Adamw, lr, wd),
                0,
                (
                    format!("Adam + L2 α={} λ={}", short(lr), short(l2)),
                    format!("AdamW α={} λ'={}", short(lr), short(wd)),
                ),
            )?)
        }
        None => None,
    };
    Ok(Equivalence {
        sgd: sgd_pair,
        adam: adam_pair,
    })
}

/// The (α, λ) of a method's chosen cell, or, when its best λ is 0 (where the equivalence is
/// trivial), the smallest positive λ of the grid at the same α.
fn l2_setting(a: &Analysis, m: Method) -> Option<(f64, f64)> {
    let ma = a.method(m)?;
    let c = ma.chosen.as_ref()?;
    let l2 = if c.decay > 0.0 {
        c.decay
    } else {
        *ma.decays.iter().find(|&&d| d > 0.0)?
    };
    Some((c.lr, l2))
}

/// Runs the equivalence check for a study folder at the chosen SGD + L2 and Adam + L2 cells
/// and writes `equivalence.json`.
pub fn write_equivalence(dir: &Path, how: &Runtime) -> anyhow::Result<Equivalence> {
    let a = Analysis::load(dir)?;
    let sgd = l2_setting(&a, Method::Sgd).ok_or_else(|| {
        usage(format!(
            "the equivalence check starts from the chosen SGD + L2 cell, but {} has no finished \
             sgd cells: sweep --methods sgd first",
            dir.display()
        ))
    })?;
    let eq = equivalence(&a.study, how, sgd, l2_setting(&a, Method::Adam))?;
    crate::metrics::write_atomic(
        &dir.join("equivalence.json"),
        serde_json::to_string_pretty(&eq)?.as_bytes(),
    )?;
    Ok(eq)
}

/// The whole study in `dir`: every stage skips what the folder already holds, so an
/// interrupted run resumes. Returns the path of report.md.
pub fn reproduce(dir: &Path, spec: &PresetSpec, how: &Runtime) -> anyhow::Result<PathBuf> {
    let t0 = Instant::now();
    let say = |s: String| {
        if !how.quiet {
            println!("{s}");
        }
    };
    say(format!(
        "[1/4] sweep: {} cells per seed × {} seed(s)",
        spec.grid
            .methods
            .iter()
            .map(|g| g.lrs.len() * g.decays.len())
            .sum::<usize>(),
        spec.grid.seeds.len()
    ));
    sweep::sweep(dir, &spec.study, &spec.grid, None, how)?;
    let t1 = Instant::now();
    let analysis = Analysis::load(dir)?;
    let mut extra = Grid {
        methods: Vec::new(),
        seeds: (0..spec.final_seeds.max(1) as u64).collect(),
    };
    for m in &analysis.methods {
        if let Some(c) = &m.chosen {
            extra.methods.push(MethodGrid {
                method: m.method,
                lrs: vec![c.lr],
                decays: vec![c.decay],
            });
        }
    }
    say(format!(
        "[2/4] {} seeds at each method's chosen cell (chosen on validation)",
        extra.seeds.len()
    ));
    if !extra.methods.is_empty() {
        sweep::sweep(dir, &spec.study, &extra, None, how)?;
    }
    let t2 = Instant::now();
    if dir.join("equivalence.json").exists() {
        say("[3/4] equivalence check: already in equivalence.json".into());
    } else {
        say("[3/4] equivalence check: SGD + L2 vs SGDW, Adam + L2 vs AdamW".into());
        write_equivalence(dir, how)?;
    }
    let t3 = Instant::now();
    say("[4/4] report".into());
    let path = crate::report::write_report(&Analysis::load(dir)?)?;
    say(format!(
        "done in {:.1} min (sweep {:.1}, seeds {:.1}, equivalence {:.1}, report {:.1} s): {}",
        t0.elapsed().as_secs_f64() / 60.0,
        (t1 - t0).as_secs_f64() / 60.0,
        (t2 - t1).as_secs_f64() / 60.0,
        (t3 - t2).as_secs_f64() / 60.0,
        t3.elapsed().as_secs_f64(),
        path.display()
    ));
    Ok(path)
}

/// Parses `--grid METHOD:LRS:DECAYS`, e.g. `adamw:1e-3,3e-3:0,1e-3`.
pub fn parse_grid_spec(s: &str) -> anyhow::Result<MethodGrid> {
    let bad = |why: String| {
        usage(format!(
            "--grid {s:?}: {why}; expected METHOD:LRS:DECAYS, e.g. --grid adamw:1e-3,3e-3:0,1e-4,1e-3"
        ))
    };
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3 {
        return Err(bad(format!("{} parts separated by ':'", parts.len())));
    }
    let method = parse_method(parts[0])?;
    let list = |p: &str, what: &str| -> anyhow::Result<Vec<f64>> {
        p.split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| {
                x.trim()
                    .parse::<f64>()
                    .map_err(|_| bad(format!("{x:?} is not a number in the {what}")))
            })
            .collect()
    };
    Ok(MethodGrid {
        method,
        lrs: list(parts[1], "learning rates")?,
        decays: list(parts[2], "decays")?,
    })
}

pub fn parse_method(s: &str) -> anyhow::Result<Method> {
    Method::ALL
        .into_iter()
        .find(|m| m.name() == s.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            usage(format!(
                "unknown method {s:?}: use sgd, sgdw, adam or adamw"
            ))
        })
}

/// Parses a per-method setting `LR,DECAY` (or `LR:DECAY`).
pub fn parse_setting(flag: &str, s: &str) -> anyhow::Result<(f64, f64)> {
    let bad = || {
        usage(format!(
            "{flag} {s:?}: expected LR,DECAY (learning rate and decay coefficient), e.g. {flag} 1e-3,1e-4"
        ))
    };
    let (a, b) = s.split_once([',', ':']).ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

/// Checks the shared settings the way `wdlab train` checks its flags.
pub fn validate_study(s: &Study, how: &Runtime) -> anyhow::Result<()> {
    crate::config::RunConfig::from_args(&crate::cli::RunArgs {
        epochs: s.epochs,
        batch_size: s.batch_size,
        hidden: s.hidden.clone(),
        eval_every: how.eval_every,
        seed: 0,
        device: how.device.clone(),
        quiet: how.quiet,
    })?;
    if s.val_size == 0 {
        return Err(usage(
            "--val-size 0: the study selects hyper-parameters on a validation split; give \
             --val-size N (10000 is the default)",
        ));
    }
    if s.train_size == Some(0) {
        return Err(usage("--train-size 0 trains nothing"));
    }
    if !(0.0..1.0).contains(&s.momentum) {
        return Err(usage(format!(
            "--momentum must be in [0, 1), got {}",
            s.momentum
        )));
    }
    Ok(())
}

/// Where a study folder's name comes from when the user gives none: a short hash of its
/// settings, so changing a flag starts a new folder instead of being refused.
pub fn settings_tag(study: &Study, extra: &str) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(study).unwrap_or_default();
    let h = Sha256::digest(format!("{json}{extra}").as_bytes());
    h.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_grids() {
        for p in [Preset::Quick, Preset::Full] {
            let s = preset(p);
            s.grid.validate(&s.study).unwrap();
            assert!(s.final_seeds >= s.grid.seeds.len());
        }
    }

    #[test]
    fn grid_specs_and_settings_parse_or_fail_with_usage() {
        let g = parse_grid_spec("adamw:1e-3,3e-3:0,1e-4").unwrap();
        assert_eq!(g.method, Method::Adamw);
        assert_eq!(g.lrs, vec![1e-3, 3e-3]);
        assert_eq!(g.decays, vec![0.0, 1e-4]);
        for bad in ["adamw:1e-3", "lion:1e-3:0", "sgd:x:0"] {
            assert_eq!(
                crate::error::exit_code(&parse_grid_spec(bad).unwrap_err()),
                2,
                "{bad}"
            );
        }
        assert_eq!(parse_setting("--sgd", "0.1,1e-4").unwrap(), (0.1, 1e-4));
        assert_eq!(parse_setting("--sgd", "0.1:0").unwrap(), (0.1, 0.0));
        assert!(parse_setting("--sgd", "0.1").is_err());
    }

    #[test]
    fn matching_decay_follows_the_convention() {
        let mut s = preset(Preset::Quick).study;
        assert!((matching_decoupled(&s, 0.1, 1e-3) - 1e-4).abs() < 1e-18);
        s.wd_scaling = WdScaling::Lr;
        assert_eq!(matching_decoupled(&s, 0.1, 1e-3), 1e-3);
    }
}
