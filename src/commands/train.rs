//! `wdlab train`: one run, its epochs printed and (with --out) written as they finish, and
//! (with --save) its weights written for candle-nn or PyTorch to load. Both outputs are
//! checked before the data is loaded, so a path that cannot be written fails at once instead
//! of after the last epoch.

use crate::cli::resolve::train_config;
use crate::cli::TrainArgs;
use crate::data::Mnist;
use crate::error::usage;
use crate::nn::Norm;
use crate::optim::DecayKind;
use crate::progress::Progress;
use crate::train::config::TrainConfig;
use crate::train::metrics::EpochRecord;
use crate::train::{self, DeviceData, MetricsFile};
use crate::util::fmt::count;
use crate::util::fs::{check_writable_dir, check_writable_file};
use anyhow::Context;
use std::collections::HashMap;
use std::path::{Component, Path};

/// The files that make a folder a run's: `--out` refuses a folder holding one without --force.
const RUN_FILES: [&str; 2] = ["metrics.csv", "config.json"];

/// How the saved tensors are laid out and applied, for whoever loads the file.
const LAYOUT: &str = "layers.{i}.weight [out, in] and layers.{i}.bias [out], f32, as \
                      nn.Linear: y = x·Wᵀ + b, ReLU between layers; x = the 784 pixels / 255";

pub(crate) fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let cfg = train_config(args)?;
    check_outputs(&cfg, args.force)?;
    let device = cfg.run().device().open()?;
    let mnist = cfg.data().load()?;
    if !cfg.is_quiet() {
        say!("{}", header(&cfg, &mnist))?;
    }
    let data = DeviceData::new(&mnist, &device)?;
    let mut metrics = match &cfg.out() {
        Some(dir) => Some(MetricsFile::run_folder(dir, "the --out folder", &cfg)?),
        None => None,
    };
    let progress = Progress {
        quiet: cfg.is_quiet(),
        ..Progress::default()
    };
    let trained = train::train(cfg.optim(), cfg.run(), &data, &progress, &mut |r| {
        if !cfg.is_quiet() {
            say!("{}", r.line("", cfg.run().epochs()))?;
        }
        match metrics.as_mut() {
            Some(m) => m.push(r),
            None => Ok(()),
        }
    })?;
    let last = trained.records.last();
    if let Some(path) = &cfg.save() {
        trained
            .model
            .save(path, &weights_metadata(&cfg, last))
            .with_context(|| format!("cannot save the weights to {}", path.display()))?;
        say!("weights saved to {}", path.display())?;
    }
    if let Some(last) = last {
        let secs: f64 = trained.records.iter().map(|r| r.seconds).sum();
        say!(
            "final test accuracy {:.2}% (test loss {:.4}) after {}, {:.2} s/epoch",
            100.0 * last.test_accuracy,
            last.test_loss,
            count(last.epoch, "epoch"),
            secs / cfg.run().epochs() as f64
        )?;
    }
    Ok(())
}

/// The run's first line: the optimiser, the network, the data (with its label noise), the
/// epochs and the device.
fn header(cfg: &TrainConfig, mnist: &Mnist) -> String {
    let hidden: Vec<String> = cfg.run().hidden().iter().map(|h| h.to_string()).collect();
    let noise = match cfg.data().label_noise() {
        Some(noise) => format!(
            ", {} of them with a wrong label (data seed {})",
            noise.count(mnist.train.len()),
            noise.seed()
        ),
        None => String::new(),
    };
    format!(
        "{} | MLP 784-{}-10{} | {} train images{noise}, {} validation, {} test | {} of batch \
         {} | {}",
        cfg.optim().describe(),
        hidden.join("-"),
        match cfg.run().norm() {
            Norm::None => "",
            Norm::Layer => " with LayerNorm before each ReLU",
        },
        mnist.train.len(),
        mnist.val.as_ref().map_or(0, |v| v.len()),
        mnist.test.len(),
        count(cfg.run().epochs(), "epoch"),
        cfg.run().batch_size(),
        cfg.run().device()
    )
}

/// Checks, before any work, that `--out` and `--save` can be written: every epoch trained
/// before a failed write would be lost. An existing file is replaced only with --force, and
/// never one of the run's own files.
fn check_outputs(cfg: &TrainConfig, force: bool) -> anyhow::Result<()> {
    if force && cfg.out().is_none() && cfg.save().is_none() {
        return Err(usage(
            "--force replaces the run in an --out folder or the file --save names; give --out \
             DIR or --save FILE with it",
        ));
    }
    if let Some(dir) = &cfg.out() {
        check_out_dir(dir, force)?;
    }
    if let Some(path) = &cfg.save() {
        check_save_path(path, cfg.out(), force)?;
    }
    Ok(())
}

/// `--save FILE`: a file path (not a folder, not the --out folder nor one of its run files)
/// whose folder can be written; an existing file only with --force.
fn check_save_path(path: &Path, out: Option<&Path>, force: bool) -> anyhow::Result<()> {
    let shown = path.display();
    if path.as_os_str().to_string_lossy().ends_with('/') {
        return Err(usage(format!(
            "--save {shown}: a path ending in / names a folder; give the weights' file \
             without it (--save {})",
            shown.to_string().trim_end_matches('/')
        )));
    }
    let folder = path.parent().unwrap_or(Path::new(""));
    if let Some(out) = out {
        if same(out, path) {
            return Err(usage(format!(
                "--save {shown} names the --out folder itself; give a file inside it (e.g. \
                 --save {}/model.safetensors)",
                out.display()
            )));
        }
        let name = path.file_name().map(|n| n.to_string_lossy().to_string());
        if same(out, folder) && RUN_FILES.iter().any(|f| Some(f.to_string()) == name) {
            return Err(usage(format!(
                "--save {shown} would replace the run's own {} in --out {}; give the weights \
                 another name (e.g. model.safetensors)",
                name.unwrap_or_default(),
                out.display()
            )));
        }
    }
    if std::fs::symlink_metadata(path).is_ok() {
        // A folder or a device is refused as such; a file only without --force.
        check_writable_file(path, "--save")?;
        if !force {
            return Err(usage(format!(
                "--save {shown}: the file exists; give a new file name, or add --force to \
                 replace it"
            )));
        }
    }
    // `--out runs/a --save runs/a/w.safetensors`: the --out folder checked above is created
    // before training, so the weights' folder need not exist yet.
    let into_new_out = !folder.exists() && out.is_some_and(|o| same(o, folder));
    if !into_new_out {
        check_writable_file(path, "--save")?;
    }
    Ok(())
}

/// `--out DIR`: a folder that holds no run (or --force), or a new folder whose parent exists
/// and can be written.
fn check_out_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(usage(format!(
            "--out {}: exists and is not a folder; give a folder for the run's files",
            dir.display()
        ))),
        Ok(_) => {
            let held: Vec<&str> = RUN_FILES
                .into_iter()
                .filter(|f| std::fs::symlink_metadata(dir.join(f)).is_ok())
                .collect();
            if !held.is_empty() && !force {
                return Err(usage(format!(
                    "--out {}: the folder already holds a run ({}); give a new folder, or add \
                     --force to replace that run",
                    dir.display(),
                    held.join(", ")
                )));
            }
            check_writable_dir(dir, "--out", dir)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            check_writable_dir(parent, "--out", dir)
        }
        // Under a file, say: a wrong --out, refused as every command refuses one (exit 2).
        Err(e) => Err(usage(format!(
            "--out {}: cannot use it ({e}); choose a folder you can write to",
            dir.display()
        ))),
    }
}

/// True when two paths name the same folder as written (`runs/a`, `./runs/a/`).
fn same(a: &Path, b: &Path) -> bool {
    let parts = |p| Path::components(p).filter(|c| *c != Component::CurDir);
    parts(a).eq(parts(b))
}

/// The run a weights file comes from, as safetensors metadata (strings only): what was trained
/// and how well it did, readable without the run's --out folder.
fn weights_metadata(cfg: &TrainConfig, last: Option<&EpochRecord>) -> HashMap<String, String> {
    let (o, r) = (&cfg.optim(), &cfg.run());
    let hidden: Vec<String> = r.hidden().iter().map(|h| h.to_string()).collect();
    let mut m: Vec<(&str, String)> = vec![
        ("wdlab_version", env!("CARGO_PKG_VERSION").into()),
        ("layout", LAYOUT.into()),
        ("method", o.method().name().into()),
        ("lr", o.lr().to_string()),
        ("decay", o.decay().to_string()),
        ("schedule", o.schedule().name().into()),
        ("decay_biases", o.decay_biases().to_string()),
        ("hidden", hidden.join(",")),
        ("epochs", r.epochs().to_string()),
        ("batch_size", r.batch_size().to_string()),
        ("seed", r.seed().to_string()),
        ("val_size", cfg.data().val_size().to_string()),
        (
            "train_size",
            cfg.data()
                .train_size()
                .map_or("all".into(), |n| n.to_string()),
        ),
    ];
    if r.norm() != Norm::None {
        m.push((
            "norm",
            "layer: norms.{i}.weight and norms.{i}.bias [h], f32, as nn.LayerNorm(h, eps=1e-5) \
             on hidden layer i's x·Wᵀ + b, before its ReLU"
                .into(),
        ));
    }
    match o.method().decay_kind() {
        DecayKind::Decoupled => {
            m.push(("decay_kind", "λ' (--wd, decoupled weight decay)".into()));
            m.push(("wd_scaling", o.wd_scaling().name().into()));
        }
        DecayKind::L2 => m.push(("decay_kind", "λ (--l2, L2 penalty)".into())),
    }
    // The hyper-parameters the method takes, named as their flags.
    for h in o.method().def().hypers() {
        m.push((h.flag().trim_start_matches("--"), o.hyper(*h).to_string()));
    }
    if let Some(last) = last {
        m.push(("test_accuracy", last.test_accuracy.to_string()));
        m.push(("test_loss", last.test_loss.to_string()));
    }
    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
