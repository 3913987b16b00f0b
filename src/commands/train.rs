//! `wdlab train`: one run, its epochs printed and (with --out) written as they finish.

use crate::cli::resolve::train_config;
use crate::cli::TrainArgs;
use crate::progress::Progress;
use crate::train::metrics::write_config_json;
use crate::train::{self, DeviceData, MetricsFile};
use crate::util::fs::create_dir;
use anyhow::Context;

pub(crate) fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let cfg = train_config(args)?;
    let device = cfg.run.device.open()?;
    let mnist = cfg.data.load()?;
    if !cfg.quiet {
        say!(
            "{} | {} train, {} validation, {} test images | {} epochs of batch {} | {}",
            cfg.optim.describe(),
            mnist.train.len(),
            mnist.val.as_ref().map_or(0, |v| v.len()),
            mnist.test.len(),
            cfg.run.epochs,
            cfg.run.batch_size,
            cfg.run.device
        )?;
    }
    let data = DeviceData::new(&mnist, &device)?;
    let mut metrics = match &cfg.out {
        Some(dir) => {
            create_dir(dir, "the --out folder")?;
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
            say!("{}", r.line("", cfg.run.epochs))?;
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
        say!(
            "final test accuracy {:.2}% (test loss {:.4}) after {} epochs, {:.2} s/epoch",
            100.0 * last.test_accuracy,
            last.test_loss,
            last.epoch,
            secs / cfg.run.epochs as f64
        )?;
    }
    Ok(())
}
