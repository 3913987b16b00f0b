//! Validated configuration: what `--help` promises, checked once, with messages that name the
//! flag and the fix. Everything downstream takes these types and trusts them.

use crate::cli::{DataArgs, OptimArgs, RunArgs, TrainArgs};
use crate::data::{LoadOptions, Mnist};
use crate::device::DeviceSpec;
use crate::error::usage;
use crate::optim::{Method, OptimConfig, WdScaling};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Default decoupled decay λ' (sgdw, adamw) when --wd is not given.
pub const DEFAULT_WD: f64 = 1e-4;

/// Where the data comes from and how it is split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataConfig {
    pub data_dir: PathBuf,
    /// Load from the Hugging Face Hub (feature `hub`) instead of `data_dir`.
    pub hub: bool,
    pub val_size: usize,
    pub train_size: Option<usize>,
}

impl DataConfig {
    pub fn from_args(a: &DataArgs) -> anyhow::Result<Self> {
        if a.hub && !cfg!(feature = "hub") {
            return Err(usage(
                "--hub needs a build with the hub feature: `cargo build --release --features hub` \
                 (without it, wdlab trains on the bundled data/mnist)",
            ));
        }
        Ok(DataConfig {
            data_dir: a.data_dir.clone(),
            hub: a.hub,
            val_size: a.val_size,
            train_size: a.train_size,
        })
    }

    /// Loads and splits the data.
    pub fn load(&self) -> anyhow::Result<Mnist> {
        #[cfg(feature = "hub")]
        if self.hub {
            return Ok(crate::data::load_hub(&self.load_options())?);
        }
        Ok(crate::data::load_dir(&self.data_dir, &self.load_options())?)
    }

    /// Checksums are enforced for the bundled copy and only warned about elsewhere.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            val_size: self.val_size,
            train_size: self.train_size,
            strict_checksums: self.data_dir == std::path::Path::new(crate::data::DEFAULT_DATA_DIR),
        }
    }
}

/// Length, size and seed of a run (no optimiser, no data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub hidden: Vec<usize>,
    pub seed: u64,
    pub device: String,
    /// Evaluate every N epochs and after the last.
    pub eval_every: usize,
}

impl RunConfig {
    pub fn from_args(a: &RunArgs) -> anyhow::Result<Self> {
        if a.epochs == 0 {
            return Err(usage("--epochs 0 trains nothing; give at least 1"));
        }
        if a.batch_size == 0 {
            return Err(usage(
                "--batch-size must be at least 1 (128 is a good default)",
            ));
        }
        if a.hidden.is_empty() || a.hidden.contains(&0) {
            return Err(usage(format!(
                "--hidden {:?}: every hidden layer needs at least one unit (e.g. --hidden 1024 or 512,256)",
                a.hidden
            )));
        }
        if a.eval_every == 0 {
            return Err(usage(
                "--eval-every must be at least 1 (1 evaluates after every epoch)",
            ));
        }
        let device = DeviceSpec::parse(&a.device)?;
        Ok(RunConfig {
            epochs: a.epochs,
            batch_size: a.batch_size,
            hidden: a.hidden.clone(),
            seed: a.seed,
            device: device.to_string(),
            eval_every: a.eval_every,
        })
    }

    /// True when epoch `epoch` (1-based) is evaluated and recorded.
    pub fn evaluates(&self, epoch: usize) -> bool {
        epoch.is_multiple_of(self.eval_every) || epoch == self.epochs
    }

    pub fn device_spec(&self) -> DeviceSpec {
        DeviceSpec::parse(&self.device).expect("validated in from_args")
    }
}

/// A `wdlab train` run, fully resolved (this is what config.json holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub optim: OptimConfig,
    pub run: RunConfig,
    pub data: DataConfig,
    pub out: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub quiet: bool,
}

impl TrainConfig {
    pub fn from_args(a: &TrainArgs) -> anyhow::Result<Self> {
        Ok(TrainConfig {
            optim: optim_from_args(&a.optim)?,
            run: RunConfig::from_args(&a.run)?,
            data: DataConfig::from_args(&a.data)?,
            out: a.out.clone(),
            save: a.save.clone(),
            quiet: a.run.quiet,
        })
    }
}

/// The default learning rate of each method (what the acceptance runs use).
pub fn default_lr(method: Method) -> f64 {
    if method.is_adaptive() {
        1e-3
    } else {
        0.1
    }
}

/// Resolves the optimiser flags, refusing flags that do not belong to the method.
pub fn optim_from_args(a: &OptimArgs) -> anyhow::Result<OptimConfig> {
    let m = a.optimizer;
    let misplaced = |flag: &str, value: Option<f64>, allowed: bool, hint: &str| {
        if value.is_some() && !allowed {
            Err(usage(format!(
                "{flag} does not apply to --optimizer {m}; {hint}"
            )))
        } else {
            Ok(())
        }
    };
    misplaced(
        "--l2",
        a.l2,
        !m.is_decoupled(),
        "the decoupled methods take --wd λ' (or use sgd/adam for an L2 penalty)",
    )?;
    misplaced(
        "--wd",
        a.wd,
        m.is_decoupled(),
        "sgd and adam take an L2 penalty --l2 λ (or use sgdw/adamw for decoupled decay)",
    )?;
    misplaced(
        "--momentum",
        a.momentum,
        !m.is_adaptive(),
        "Adam's momentum is --beta1",
    )?;
    for (flag, v) in [("--beta1", a.beta1), ("--beta2", a.beta2), ("--eps", a.eps)] {
        misplaced(flag, v, m.is_adaptive(), "SGD's momentum is --momentum")?;
    }
    let decay = if m.is_decoupled() {
        a.wd.unwrap_or(DEFAULT_WD)
    } else {
        a.l2.unwrap_or(0.0)
    };
    let defaults = OptimConfig::new(m, default_lr(m), decay);
    let cfg = OptimConfig {
        lr: a.lr.unwrap_or(defaults.lr),
        wd_scaling: a.wd_scaling,
        schedule: a.schedule,
        momentum: a.momentum.unwrap_or(defaults.momentum),
        beta1: a.beta1.unwrap_or(defaults.beta1),
        beta2: a.beta2.unwrap_or(defaults.beta2),
        eps: a.eps.unwrap_or(defaults.eps),
        decay_biases: !a.no_decay_biases,
        ..defaults
    };
    validate_optim(&cfg)?;
    Ok(cfg)
}

/// Refuses values that make no sense, naming the flag and the fix.
pub fn validate_optim(c: &OptimConfig) -> anyhow::Result<()> {
    let finite = |flag: &str, v: f64| {
        if v.is_finite() {
            Ok(())
        } else {
            Err(usage(format!("{flag} must be a finite number, got {v}")))
        }
    };
    for (flag, v) in [
        ("--lr", c.lr),
        (c.method.decay_flag(), c.decay),
        ("--momentum", c.momentum),
        ("--beta1", c.beta1),
        ("--beta2", c.beta2),
        ("--eps", c.eps),
    ] {
        finite(flag, v)?;
    }
    if c.lr <= 0.0 {
        return Err(usage(format!(
            "--lr must be positive, got {}; typical values: 0.1 for sgd/sgdw, 1e-3 for adam/adamw",
            c.lr
        )));
    }
    let flag = c.method.decay_flag();
    if c.decay < 0.0 {
        return Err(usage(format!(
            "{flag} must be zero or positive, got {}: a negative coefficient pushes weights away \
             from the origin",
            c.decay
        )));
    }
    if c.method.is_decoupled() {
        // The per-step factor must stay below 1, or θ(1 − factor) flips sign or vanishes.
        let (factor, what) = match c.wd_scaling {
            WdScaling::Paper => (c.decay, format!("--wd {}", c.decay)),
            WdScaling::Lr => (
                c.lr * c.decay,
                format!("--lr × --wd = {} × {} (--wd-scaling lr)", c.lr, c.decay),
            ),
        };
        if factor >= 1.0 {
            return Err(usage(format!(
                "{what} is a per-step decay of {factor} ≥ 1, which would zero or flip every weight \
                 each step; decoupled decay is a small fraction per step (e.g. --wd 1e-4)"
            )));
        }
    } else if c.method == Method::Sgd && c.lr * c.decay >= 1.0 {
        return Err(usage(format!(
            "--lr × --l2 = {} × {} ≥ 1: plain SGD would shrink every weight by a factor 1 − αλ ≤ 0 \
             each step; lower --l2 (e.g. 1e-4 to 1e-3)",
            c.lr, c.decay
        )));
    }
    if !(0.0..1.0).contains(&c.momentum) {
        return Err(usage(format!(
            "--momentum must be in [0, 1), got {}",
            c.momentum
        )));
    }
    for (flag, b) in [("--beta1", c.beta1), ("--beta2", c.beta2)] {
        if !(0.0..1.0).contains(&b) {
            return Err(usage(format!("{flag} must be in [0, 1), got {b}")));
        }
    }
    if c.eps <= 0.0 {
        return Err(usage(format!("--eps must be positive, got {}", c.eps)));
    }
    Ok(())
}
