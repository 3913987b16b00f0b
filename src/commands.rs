//! One function per subcommand: turn validated arguments into calls of the library and
//! print what the user asked for.

use crate::cli::{Command, TrainArgs};
use crate::config::TrainConfig;
use crate::data;
use crate::metrics::{write_config_json, MetricsFile};
use crate::optim::{OptimConfig, WdScaling};
use crate::train::{self, DeviceData, Progress};
use anyhow::Context;

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Train(args) => train(&args),
    }
}

/// A one-line description of an optimiser with its update rule's coefficients.
pub fn describe_optim(c: &OptimConfig) -> String {
    let decay = if c.method.is_decoupled() {
        let rule = match c.wd_scaling {
            WdScaling::Paper => "θ ← θ − η_t·λ'·θ, paper",
            WdScaling::Lr => "θ ← θ − η_t·α·λ'·θ, PyTorch",
        };
        format!("λ' = {} ({rule})", c.decay)
    } else {
        format!("λ = {} (L2: g ← g + λθ)", c.decay)
    };
    let extra = if c.method.is_adaptive() {
        format!("β₁ {} β₂ {} ε {}", c.beta1, c.beta2, c.eps)
    } else {
        format!("momentum {}", c.momentum)
    };
    format!(
        "{} α = {}, {decay}, {extra}, {:?} schedule{}",
        c.method,
        c.lr,
        c.schedule,
        if c.decay_biases {
            ""
        } else {
            ", biases exempt"
        }
    )
    .replace("Constant", "constant")
    .replace("Cosine", "cosine")
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let cfg = TrainConfig::from_args(args)?;
    let device = cfg.run.device_spec().open()?;
    let mnist = data::load_dir(&cfg.data.data_dir, &cfg.data.load_options())?;
    if !cfg.quiet {
        println!(
            "{} | {} train, {} validation, {} test images | {} epochs of batch {} | {}",
            describe_optim(&cfg.optim),
            mnist.train.len(),
            mnist.val.as_ref().map_or(0, |v| v.len()),
            mnist.test.len(),
            cfg.run.epochs,
            cfg.run.batch_size,
            cfg.run.device
        );
    }
    let data = DeviceData::new(&mnist, &device)?;
    let mut metrics = match &cfg.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create --out folder {}", dir.display()))?;
            write_config_json(&dir.join("config.json"), &cfg)?;
            Some(MetricsFile::create(&dir.join("metrics.csv"))?)
        }
        None => None,
    };
    let progress = Progress {
        quiet: cfg.quiet,
        ..Progress::default()
    };
    let trained = train::train(&cfg.optim, &cfg.run, &data, &progress, &mut |r| {
        if !cfg.quiet {
            println!("{}", train::epoch_line("", cfg.run.epochs, r));
        }
        match metrics.as_mut() {
            Some(m) => m.push(r),
            None => Ok(()),
        }
    })?;
    if let Some(path) = &cfg.save {
        trained
            .model
            .save(path)
            .with_context(|| format!("cannot save the weights to {}", path.display()))?;
    }
    if let Some(last) = trained.records.last() {
        let secs: f64 = trained.records.iter().map(|r| r.seconds).sum();
        println!(
            "final test accuracy {:.2}% (test loss {:.4}) after {} epochs, {:.2} s/epoch",
            100.0 * last.test_accuracy,
            last.test_loss,
            last.epoch,
            secs / cfg.run.epochs as f64
        );
    }
    Ok(())
}
