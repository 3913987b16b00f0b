//! `wdlab norms`: the same pull toward the origin on a real network. Weight decay shrinks the
//! MNIST MLP's weight norm ‖θ‖ epoch by epoch, the more the larger the decay; this draws ‖θ‖
//! against epoch, one line per decay value, from run folders written by `wdlab train --out` or
//! from short runs trained here (`--train`), and prints ‖θ‖ at the first and last epoch with
//! the final test accuracy.

use crate::error::usage;
use crate::nn::{layer_sizes, Mlp};
use crate::optim::{Method, OptimConfig};
use crate::plot::{self, Axes, Series};
use crate::progress::Progress;
use crate::train::metrics::read_metrics;
use crate::train::{
    self, DataConfig, DeviceData, EpochRecord, MetricsFile, RunConfig, TrainConfig,
};
use crate::util::fmt::{count, decimal, percent};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One line of the weight-norm plot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NormLine {
    label: String,
    epochs: Vec<f64>,
    norms: Vec<f64>,
    /// Test accuracy after the last epoch.
    final_test_accuracy: Option<f64>,
}

/// "sgdw λ' = 0.001", "adam λ = 0.0001".
fn decay_label(method: Method, decay: f64) -> String {
    format!("{method} {} = {}", method.decay_symbol(), decimal(decay))
}

/// Lines from the `metrics.csv` of run folders written by `wdlab train --out`, named after
/// the optimiser and decay in their `config.json` (or after the folder without one).
pub(crate) fn read_norm_runs(dirs: &[PathBuf]) -> anyhow::Result<Vec<NormLine>> {
    let mut lines = Vec::new();
    for dir in dirs {
        let records = read_metrics(&dir.join("metrics.csv"))?;
        anyhow::ensure!(
            !records.is_empty(),
            "{}: metrics.csv has no epochs yet",
            dir.display()
        );
        let label = std::fs::read_to_string(dir.join("config.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| {
                let optim = v.get("optim")?;
                let method: Method = serde_json::from_value(optim.get("method")?.clone()).ok()?;
                Some(decay_label(method, optim.get("decay")?.as_f64()?))
            })
            .unwrap_or_else(|| dir.display().to_string());
        lines.push(NormLine {
            label,
            epochs: records.iter().map(|r| r.epoch as f64).collect(),
            norms: records.iter().map(|r| r.weight_norm).collect(),
            final_test_accuracy: records.last().map(|r| r.test_accuracy),
        });
    }
    // Two runs with the same optimiser and decay (another α, say) keep their folder names.
    for i in 0..lines.len() {
        if lines.iter().filter(|l| l.label == lines[i].label).count() > 1 {
            lines[i].label = format!("{} ({})", lines[i].label, dirs[i].display());
        }
    }
    Ok(lines)
}

/// What `wdlab norms --train` trains: one run per decay value, the same in all else.
#[derive(Debug, Clone)]
pub(crate) struct NormsTraining {
    /// One optimiser per decay value (the same method and α).
    pub(crate) optims: Vec<OptimConfig>,
    pub(crate) run: RunConfig,
    pub(crate) data: DataConfig,
    /// The runs go under `out/runs/`.
    pub(crate) out: PathBuf,
    /// Replace runs that `out/runs/` already holds.
    pub(crate) force: bool,
    pub(crate) quiet: bool,
}

/// The folder of one run under `OUT/runs/`, named after the flag that sets the decay and its
/// value, e.g. `sgdw-wd0.001`.
fn run_dir(t: &NormsTraining, optim: &OptimConfig) -> PathBuf {
    let flag = optim.method().decay_key();
    let name = format!("{}-{flag}{}", optim.method(), decimal(optim.decay()));
    t.out.join("runs").join(name)
}

/// Refuses, before anything is trained, two decays that would train into one folder and a
/// folder that already holds a run (unless `force`).
fn check_run_dirs(t: &NormsTraining) -> anyhow::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for optim in &t.optims {
        let dir = run_dir(t, optim);
        if !seen.insert(dir.clone()) {
            return Err(usage(format!(
                "--decays lists {} twice (as {}); each value is one run: give each once",
                decimal(optim.decay()),
                dir.display()
            )));
        }
        let held = ["metrics.csv", "config.json"]
            .iter()
            .any(|f| dir.join(f).exists());
        if held && !t.force {
            return Err(usage(format!(
                "--out {} already holds the run {}; give a new --out folder, or add --force \
                 to replace its runs",
                t.out.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Trains one short run per decay value (every epoch evaluated, so ‖θ‖ is logged after each),
/// writing each under `OUT/runs/` as `wdlab train --out` would; epoch 0 is the shared start.
pub(crate) fn train_norm_runs(
    t: &NormsTraining,
    on_epoch: &mut dyn FnMut(&str, &EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<NormLine>> {
    check_run_dirs(t)?;
    let device = t.run.device().open()?;
    let data = DeviceData::new(&t.data.load()?, &device)?;
    let sizes = layer_sizes(data.pixels, t.run.hidden());
    let state = t.optims.first().map_or(0, OptimConfig::state_buffers);
    train::check_memory(&sizes, 1, t.run.batch_size().min(data.train.len()), state)?;
    let start_norm = Mlp::with_norm(&sizes, t.run.norm(), t.run.seed(), &device)?.weight_norm()?;
    let mut lines = Vec::new();
    for optim in &t.optims {
        let label = decay_label(optim.method(), optim.decay());
        let dir = run_dir(t, optim);
        let cfg = TrainConfig::new(optim.clone(), t.run.clone(), t.data.clone())
            .writing(Some(dir.clone()), None)
            .quiet(t.quiet);
        let mut metrics = MetricsFile::run_folder(&dir, "the run folder", &cfg)?;
        let prefix = format!("{label}: ");
        let progress = Progress {
            quiet: t.quiet,
            label: prefix.clone(),
            ..Progress::default()
        };
        let trained = train::train(optim, &t.run, &data, &progress, &mut |r| {
            on_epoch(&prefix, r)?;
            metrics.push(r)
        })?;
        let records = trained.records;
        lines.push(NormLine {
            label,
            epochs: std::iter::once(0.0)
                .chain(records.iter().map(|r| r.epoch as f64))
                .collect(),
            norms: std::iter::once(start_norm)
                .chain(records.iter().map(|r| r.weight_norm))
                .collect(),
            final_test_accuracy: records.last().map(|r| r.test_accuracy),
        });
    }
    Ok(lines)
}

/// The title of the weight-norm figure: the training setup when the runs were trained here.
pub(crate) fn norms_title(training: Option<&NormsTraining>) -> String {
    let base = "Weight decay pulls the network's weights toward the origin";
    let Some((t, optim)) = training.and_then(|t| Some((t, t.optims.first()?))) else {
        return format!("{base} (MNIST)");
    };
    format!(
        "{base}: {}, α = {}, {} on {} MNIST images",
        optim.method(),
        decimal(optim.lr()),
        count(t.run.epochs(), "epoch"),
        t.data
            .train_size()
            .map_or("all".to_string(), |n| n.to_string())
    )
}

/// ‖θ‖ at the first and last logged epoch, and the final test accuracy, per line.
pub(crate) fn format_norms_table(lines: &[NormLine]) -> String {
    let width = lines
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let mut s = format!(
        "{:<width$}  {:>14} {:>14} {:>9}\n",
        "run", "‖θ‖ first", "‖θ‖ last", "test acc"
    );
    for l in lines {
        let first = l.epochs.first().zip(l.norms.first());
        let last = l.epochs.last().zip(l.norms.last());
        let cell = |p: Option<(&f64, &f64)>| {
            p.map(|(e, n)| format!("{n:.2} (ep {e})"))
                .unwrap_or_default()
        };
        writeln!(
            s,
            "{:<width$}  {:>14} {:>14} {:>9}",
            l.label,
            cell(first),
            cell(last),
            l.final_test_accuracy
                .map(|a| format!("{}%", percent(a)))
                .unwrap_or_default()
        )
        .expect("to a String");
    }
    s
}

/// `weight_norm.svg` in `out`: ‖θ‖ against epoch, one line per run, under `title`.
pub(crate) fn draw_norms(lines: &[NormLine], title: &str, out: &Path) -> anyhow::Result<PathBuf> {
    crate::util::fs::create_dir(out, "the --out folder")?;
    let series: Vec<Series> = lines
        .iter()
        .map(|l| Series {
            label: l.label.clone(),
            x: l.epochs.clone(),
            y: l.norms.clone(),
            band: None,
        })
        .collect();
    let path = out.join("weight_norm.svg");
    plot::line_chart(
        &path,
        &Axes {
            title: title.into(),
            x_label: "epoch".into(),
            y_label: "‖θ‖₂ over all weights and biases".into(),
            log_x: false,
            log_y: false,
            zoom_tail: false,
        },
        &series,
    )?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_are_read_from_run_folders_and_named_by_their_config() {
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = Vec::new();
        for (k, decay) in [0.0, 1e-3].into_iter().enumerate() {
            let run = dir.path().join(format!("run{k}"));
            std::fs::create_dir_all(&run).unwrap();
            let optim = OptimConfig::new(Method::Sgdw, 0.1, decay).unwrap();
            let json = serde_json::json!({ "wdlab_version": "0", "optim": optim });
            std::fs::write(run.join("config.json"), json.to_string()).unwrap();
            let mut m = MetricsFile::create(&run.join("metrics.csv")).unwrap();
            for epoch in 1..=3 {
                m.push(&crate::train::EpochRecord {
                    epoch,
                    train_loss: 1.0,
                    val_accuracy: None,
                    test_loss: 1.0,
                    test_accuracy: 0.9,
                    weight_norm: 30.0 - 5.0 * k as f64 * epoch as f64,
                    seconds: 0.1,
                    test_predictions: None,
                })
                .unwrap();
            }
            dirs.push(run);
        }
        let lines = read_norm_runs(&dirs).unwrap();
        assert_eq!(lines[0].label, "sgdw λ' = 0");
        assert_eq!(lines[1].label, "sgdw λ' = 0.001");
        assert_eq!(lines[1].epochs, vec![1.0, 2.0, 3.0]);
        assert_eq!(lines[1].norms, vec![25.0, 20.0, 15.0]);
        let svg = draw_norms(&lines, "norms", dir.path()).unwrap();
        // plotters writes the apostrophe of λ' as an XML entity.
        assert!(std::fs::read_to_string(svg)
            .unwrap()
            .contains("sgdw λ&apos; = 0.001"));
        assert!(read_norm_runs(&[dir.path().join("missing")]).is_err());
    }
}
