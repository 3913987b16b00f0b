//! Grids of learning rate × decay coefficient × seed, run cell by cell into a study folder:
//!
//! ```text
//! DIR/study.json            the settings every cell shares (a sweep refuses other settings)
//! DIR/results.csv           one row per finished cell, appended and fsynced as it finishes
//! DIR/results.shard-K-of-N.csv   the same, for `--shard K/N` (one file per shard)
//! DIR/runs/<cell>/metrics.csv    each cell's per-epoch metrics (and config.json)
//! ```
//!
//! A cell is (method, lr, decay, seed); re-running a sweep on the same folder skips every cell
//! that any results file already holds, so an interrupted sweep resumes where it stopped and a
//! different grid with the same settings is merged. Cells are trained by [`run_cells`], the one
//! function a batched (population) backend would replace.

use crate::config::{validate_optim, DataConfig, RunConfig};
use crate::error::{is_divergence, usage};
use crate::metrics::{write_config_json, EpochRecord, MetricsFile};
use crate::optim::{Method, OptimConfig, Schedule, WdScaling};
use crate::train::{self, DeviceData, Progress};
use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The header of `results.csv` (DESIGN.md).
pub const RESULTS_HEADER: &str =
    "method,lr,decay,seed,epochs,val_accuracy,test_accuracy,train_loss,weight_norm,status,seconds";

/// The settings every cell of a study shares: everything that changes a cell's result except
/// its own (method, lr, decay, seed). Stored as `study.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// Train on the first N training images (None: all that the validation split leaves).
    pub train_size: Option<usize>,
    /// The last N training images, held out for selecting hyper-parameters.
    pub val_size: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub hidden: Vec<usize>,
    pub schedule: Schedule,
    /// SGD momentum of sgd and sgdw (0: plain SGD, where SGD+L2 equals SGDW exactly).
    pub momentum: f64,
    pub wd_scaling: WdScaling,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub decay_biases: bool,
}

impl Study {
    /// The optimiser of one cell.
    pub fn optim(&self, method: Method, lr: f64, decay: f64) -> OptimConfig {
        OptimConfig {
            wd_scaling: self.wd_scaling,
            schedule: self.schedule,
            momentum: if method.is_adaptive() {
                0.0
            } else {
                self.momentum
            },
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            decay_biases: self.decay_biases,
            ..OptimConfig::new(method, lr, decay)
        }
    }

    pub fn run_config(&self, seed: u64, how: &Runtime) -> RunConfig {
        RunConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            hidden: self.hidden.clone(),
            seed,
            device: how.device.clone(),
            eval_every: how.eval_every,
        }
    }

    pub fn data_config(&self, how: &Runtime) -> DataConfig {
        DataConfig {
            data_dir: how.data_dir.clone(),
            hub: false,
            val_size: self.val_size,
            train_size: self.train_size,
        }
    }

    /// One line for humans.
    pub fn describe(&self) -> String {
        format!(
            "{} training images ({} validation), {} epochs of batch {}, MLP 784-{}-10, {:?} schedule{}{}",
            self.train_size
                .map_or("all".to_string(), |n| n.to_string()),
            self.val_size,
            self.epochs,
            self.batch_size,
            self.hidden
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            self.schedule,
            if self.momentum > 0.0 {
                format!(", SGD momentum {}", self.momentum)
            } else {
                String::new()
            },
            match self.wd_scaling {
                WdScaling::Paper => "",
                WdScaling::Lr => ", decoupled decay scaled by α (PyTorch convention)",
            }
        )
        .replace("Cosine", "cosine")
        .replace("Constant", "constant")
    }
}

/// How cells are run (none of it changes a result): where the data is, which device, how often
/// to evaluate, whether to draw bars, how many cells train side by side.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub data_dir: PathBuf,
    pub device: String,
    pub eval_every: usize,
    pub quiet: bool,
    pub cells: CellBackend,
    /// Cells (or populations) trained side by side, each on its share of the cores
    /// ([`crate::jobs`]); 1 on a GPU.
    pub jobs: usize,
}

/// How [`run_cells`] trains a group of cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CellBackend {
    /// One run after another.
    Single,
    /// The cells of one method and seed as one batched model ([`crate::population`]).
    Population,
}

impl CellBackend {
    /// Population on a GPU (where it fills the device); single runs on the CPU, where a
    /// population does the same arithmetic per cell, loses the cache (each single run's state
    /// stays in it) and measured 0.85× of single runs (BENCHMARKS.md).
    pub fn default_for(device: &str) -> Self {
        if device.starts_with("cuda") {
            CellBackend::Population
        } else {
            CellBackend::Single
        }
    }
}

/// One grid point: a method, its learning rate α, its decay coefficient (λ for sgd/adam, λ'
/// for sgdw/adamw) and a seed (initial weights and batch order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub method: Method,
    pub lr: f64,
    pub decay: f64,
    pub seed: u64,
}

/// A cell's identity, comparable and hashable (floats by their bits; every value is written
/// with Rust's shortest round-trip formatting, so it reads back to the same bits).
pub type CellKey = (Method, u64, u64, u64);

impl Cell {
    pub fn key(&self) -> CellKey {
        (
            self.method,
            self.lr.to_bits(),
            self.decay.to_bits(),
            self.seed,
        )
    }

    /// The folder name of the cell's run, e.g. `adamw_lr0.001_wd0.0001_seed0`.
    pub fn run_name(&self) -> String {
        let coef = if self.method.is_decoupled() {
            "wd"
        } else {
            "l2"
        };
        format!(
            "{}_lr{}_{coef}{}_seed{}",
            self.method, self.lr, self.decay, self.seed
        )
    }

    /// A short label for bars and lines: `adamw α=0.001 λ'=0.0001 seed 0`.
    pub fn label(&self) -> String {
        format!(
            "{} α={} {}={} seed {}",
            self.method,
            self.lr,
            if self.method.is_decoupled() {
                "λ'"
            } else {
                "λ"
            },
            self.decay,
            self.seed
        )
    }
}

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The training loss became NaN or infinite; the accuracies are left empty.
    Diverged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Diverged => "diverged",
        }
    }
}

/// One row of `results.csv`. Accuracies are fractions in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub cell: Cell,
    pub epochs: usize,
    pub val_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub train_loss: Option<f64>,
    pub weight_norm: Option<f64>,
    pub status: Status,
    pub seconds: f64,
}

impl ResultRow {
    /// The row of a finished run (its last record), or of a diverged one.
    pub fn finished(cell: Cell, epochs: usize, last: Option<&EpochRecord>, seconds: f64) -> Self {
        ResultRow {
            cell,
            epochs,
            val_accuracy: last.and_then(|r| r.val_accuracy),
            test_accuracy: last.map(|r| r.test_accuracy),
            train_loss: last.map(|r| r.train_loss),
            weight_norm: last.map(|r| r.weight_norm),
            status: Status::Ok,
            seconds,
        }
    }

    pub fn diverged(cell: Cell, epochs: usize, seconds: f64) -> Self {
        ResultRow {
            cell,
            epochs,
            val_accuracy: None,
            test_accuracy: None,
            train_loss: None,
            weight_norm: None,
            status: Status::Diverged,
            seconds,
        }
    }

    /// One CSV line (no newline), columns as in [`RESULTS_HEADER`].
    pub fn csv_row(&self) -> String {
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "{},{},{},{},{},{},{},{},{},{},{:.3}",
            self.cell.method,
            self.cell.lr,
            self.cell.decay,
            self.cell.seed,
            self.epochs,
            opt(self.val_accuracy),
            opt(self.test_accuracy),
            opt(self.train_loss),
            opt(self.weight_norm),
            self.status.as_str(),
            self.seconds
        )
    }

    pub fn parse_csv_row(line: &str) -> anyhow::Result<Self> {
        let f: Vec<&str> = line.trim().split(',').collect();
        anyhow::ensure!(
            f.len() == 11,
            "expected 11 columns, found {}: {line:?}",
            f.len()
        );
        let num = |s: &str| -> anyhow::Result<f64> {
            s.parse()
                .map_err(|_| anyhow::anyhow!("{s:?} is not a number in {line:?}"))
        };
        let opt = |s: &str| -> anyhow::Result<Option<f64>> {
            if s.is_empty() {
                Ok(None)
            } else {
                num(s).map(Some)
            }
        };
        let method = match f[0] {
            "sgd" => Method::Sgd,
            "sgdw" => Method::Sgdw,
            "adam" => Method::Adam,
            "adamw" => Method::Adamw,
            other => anyhow::bail!("unknown method {other:?} in {line:?}"),
        };
        let status = match f[9] {
            "ok" => Status::Ok,
            "diverged" => Status::Diverged,
            other => anyhow::bail!("unknown status {other:?} (ok or diverged) in {line:?}"),
        };
        Ok(ResultRow {
            cell: Cell {
                method,
                lr: num(f[1])?,
                decay: num(f[2])?,
                seed: f[3].parse().with_context(|| format!("seed in {line:?}"))?,
            },
            epochs: f[4]
                .parse()
                .with_context(|| format!("epochs in {line:?}"))?,
            val_accuracy: opt(f[5])?,
            test_accuracy: opt(f[6])?,
            train_loss: opt(f[7])?,
            weight_norm: opt(f[8])?,
            status,
            seconds: num(f[10])?,
        })
    }
}

/// The learning rates and decay coefficients of one method.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodGrid {
    pub method: Method,
    pub lrs: Vec<f64>,
    pub decays: Vec<f64>,
}

/// A full grid: per-method (lr × decay), each over every seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub methods: Vec<MethodGrid>,
    pub seeds: Vec<u64>,
}

impl Grid {
    /// Refuses empty or meaningless grids, and any cell `validate_optim` refuses, before
    /// anything trains.
    pub fn validate(&self, study: &Study) -> anyhow::Result<()> {
        if self.methods.is_empty() {
            return Err(usage(
                "the grid has no methods; give --methods sgd,sgdw,adam,adamw",
            ));
        }
        if self.seeds.is_empty() {
            return Err(usage("--seeds 0 runs nothing; give at least 1"));
        }
        let mut seen = HashSet::new();
        for g in &self.methods {
            if !seen.insert(g.method) {
                return Err(usage(format!(
                    "method {} appears twice in the grid",
                    g.method
                )));
            }
            if g.lrs.is_empty() {
                return Err(usage(format!(
                    "the grid of {} has no learning rates (e.g. --lrs 1e-3,3e-3)",
                    g.method
                )));
            }
            if g.decays.is_empty() {
                return Err(usage(format!(
                    "the grid of {} has no decay coefficients (e.g. --decays 0,1e-4,1e-3)",
                    g.method
                )));
            }
            for &lr in &g.lrs {
                if !(lr.is_finite() && lr > 0.0) {
                    return Err(usage(format!(
                        "learning rate {lr} in the grid of {}: every learning rate must be positive",
                        g.method
                    )));
                }
            }
            for &d in &g.decays {
                if !(d.is_finite() && d >= 0.0) {
                    return Err(usage(format!(
                        "decay {d} in the grid of {}: decay coefficients must be zero or positive",
                        g.method
                    )));
                }
            }
            for &lr in &g.lrs {
                for &d in &g.decays {
                    validate_optim(&study.optim(g.method, lr, d))
                        .with_context(|| format!("grid cell {} α={lr} decay={d}", g.method))?;
                }
            }
        }
        Ok(())
    }

    /// Every cell, in a fixed order: seed, then method, learning rate and decay (so the first
    /// seed covers the whole grid before the second starts).
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &seed in &self.seeds {
            for g in &self.methods {
                for &lr in &g.lrs {
                    for &decay in &g.decays {
                        cells.push(Cell {
                            method: g.method,
                            lr,
                            decay,
                            seed,
                        });
                    }
                }
            }
        }
        cells
    }
}

/// `--shard K/N`: the K-th (1-based) of N slices of a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let bad = || {
            usage(format!(
                "--shard {s:?}: expected K/N with 1 ≤ K ≤ N, e.g. --shard 3/8 (the third of \
                 eight slices; a Slurm array passes --shard $((SLURM_ARRAY_TASK_ID+1))/N)"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// This shard's cells: every N-th cell starting at the K-th (round robin, so every shard
    /// gets a similar mix of cheap and expensive cells).
    pub fn select(&self, cells: &[Cell]) -> Vec<Cell> {
        cells
            .iter()
            .enumerate()
            .filter(|(i, _)| i % self.n == self.k - 1)
            .map(|(_, c)| *c)
            .collect()
    }

    /// The results file this shard appends to.
    pub fn file_name(&self) -> String {
        format!("results.shard-{}-of-{}.csv", self.k, self.n)
    }
}

/// The results file a sweep (or shard) appends to.
pub fn results_path(dir: &Path, shard: Option<Shard>) -> PathBuf {
    dir.join(shard.map_or("results.csv".to_string(), |s| s.file_name()))
}

/// Every results file in `dir`: `results.csv` and the shards' `results.shard-*.csv`.
pub fn results_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().to_string();
        if name == "results.csv" || (name.starts_with("results.shard-") && name.ends_with(".csv")) {
            files.push(dir.join(name));
        }
    }
    files.sort();
    Ok(files)
}

/// Reads one results file, checking the header. A last line without its newline (a write cut
/// short by a crash) is ignored.
pub fn read_results_file(path: &Path) -> anyhow::Result<Vec<ResultRow>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut lines = complete.lines();
    match lines.next() {
        Some(RESULTS_HEADER) => {}
        None if text.is_empty() => return Ok(Vec::new()),
        _ => anyhow::bail!(
            "{}: not a wdlab results file (the first line must be {RESULTS_HEADER})",
            path.display()
        ),
    }
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| ResultRow::parse_csv_row(l).with_context(|| format!("in {}", path.display())))
        .collect()
}

/// Every finished cell in `dir`, over all results files, each cell once (the first row found).
pub fn read_results(dir: &Path) -> anyhow::Result<Vec<ResultRow>> {
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for path in results_files(dir)? {
        for row in read_results_file(&path)? {
            if seen.insert(row.cell.key()) {
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// An open results file: each [`Self::append`] writes one line and fsyncs, so a crash loses at
/// most the cell in flight.
pub struct ResultsFile {
    file: std::fs::File,
    path: PathBuf,
}

impl ResultsFile {
    /// Opens `path` for appending, writing the header to a new file and dropping a torn last
    /// line (one without its newline) from an old one.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let existing = match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        match existing {
            Some(text) if !text.is_empty() => {
                read_results_file(path)?; // checks the header and every complete row
                if !text.ends_with('\n') {
                    let keep = text.rfind('\n').map_or(0, |i| i + 1);
                    let f = std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .with_context(|| format!("cannot open {}", path.display()))?;
                    f.set_len(keep as u64)?;
                    f.sync_all()?;
                }
            }
            _ => {
                let mut f = std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                writeln!(f, "{RESULTS_HEADER}")?;
                f.sync_all()?;
            }
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {} for appending", path.display()))?;
        Ok(ResultsFile {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn append(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.file
            .write_all(format!("{}\n", row.csv_row()).as_bytes())
            .and_then(|_| self.file.sync_data())
            .with_context(|| format!("cannot append to {}", self.path.display()))
    }
}

/// Writes `study.json` into `dir`, or checks that the one there has the same settings.
pub fn claim_study_dir(dir: &Path, study: &Study) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the study folder {}", dir.display()))?;
    let path = dir.join("study.json");
    if path.exists() {
        let old = read_study(dir)?;
        if &old != study {
            let (a, b) = (serde_json::to_value(&old)?, serde_json::to_value(study)?);
            let diff: Vec<String> = a
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| b.get(k.as_str()) != Some(v))
                .map(|(k, v)| format!("{k}: {v} there, {} now", b[k.as_str()]))
                .collect();
            return Err(usage(format!(
                "{} already holds a study with other settings ({}). Cells of different settings \
                 cannot be merged: use another --out folder, or the settings of that study (a \
                 different grid of lr × decay × seed with the same settings is merged)",
                dir.display(),
                diff.join("; ")
            )));
        }
        return Ok(());
    }
    // A unique temporary name: shards may start at the same moment.
    let tmp = dir.join(format!(".study.json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_string_pretty(study)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// Reads `DIR/study.json`.
pub fn read_study(dir: &Path) -> anyhow::Result<Study> {
    let path = dir.join("study.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {} (a folder written by `wdlab sweep --out {}` has one)",
            path.display(),
            dir.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a wdlab study", path.display()))
}

/// What [`run_cells`] reports for each cell.
pub trait CellSink {
    /// An evaluated epoch of `cell`.
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()>;
    /// `cell` finished (or diverged).
    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()>;
}

/// Trains `cells` on `data` and reports each to `sink`, one run after another or, with
/// [`CellBackend::Population`], the cells of each (method, seed) as one batched model; with
/// `how.jobs` > 1, that many runs (or populations) side by side ([`crate::jobs`]), each
/// reported as it finishes. A divergence is a result (status `diverged`), not an error; any
/// other failure stops the sweep. This is the only place a sweep trains.
pub fn run_cells(
    cells: &[Cell],
    study: &Study,
    how: &Runtime,
    data: &DeviceData,
    ui: &SweepUi,
    sink: &mut (dyn CellSink + Send),
) -> anyhow::Result<()> {
    let units: Vec<Vec<Cell>> = match how.cells {
        CellBackend::Single => cells.iter().map(|c| vec![*c]).collect(),
        CellBackend::Population => {
            // Cells of one method and seed share initial weights and batches: one population.
            let mut groups: Vec<Vec<Cell>> = Vec::new();
            for cell in cells {
                match groups
                    .iter_mut()
                    .find(|g| g[0].method == cell.method && g[0].seed == cell.seed)
                {
                    Some(g) => g.push(*cell),
                    None => groups.push(vec![*cell]),
                }
            }
            groups
        }
    };
    let sink = std::sync::Mutex::new(sink);
    crate::jobs::run_jobs(&units, how.jobs, |_, unit| {
        let mut sink = LockedSink(&sink);
        match how.cells {
            CellBackend::Single => run_single(&unit[0], study, how, data, ui, &mut sink),
            CellBackend::Population => run_population(unit, study, how, data, ui, &mut sink),
        }
    })
}

/// A sink shared by the jobs of [`run_cells`]: each report takes the lock.
struct LockedSink<'a, 'b>(&'a std::sync::Mutex<&'b mut (dyn CellSink + Send)>);

impl LockedSink<'_, '_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut dyn CellSink) -> R) -> R {
        // A job that panicked while reporting cannot leave a half-written row: rows are
        // appended whole (ResultsFile), so a poisoned lock is still safe to use.
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut **guard)
    }
}

impl CellSink for LockedSink<'_, '_> {
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()> {
        self.with(|s| s.epoch(cell, record))
    }

    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.with(|s| s.done(row))
    }
}

fn run_single(
    cell: &Cell,
    study: &Study,
    how: &Runtime,
    data: &DeviceData,
    ui: &SweepUi,
    sink: &mut dyn CellSink,
) -> anyhow::Result<()> {
    let optim = study.optim(cell.method, cell.lr, cell.decay);
    let run = study.run_config(cell.seed, how);
    let progress = Progress {
        quiet: how.quiet,
        label: cell.label(),
        multi: Some(ui.multi.clone()),
    };
    let started = Instant::now();
    let mut last = None;
    let result = train::train(&optim, &run, data, &progress, &mut |r| {
        last = Some(r.clone());
        sink.epoch(cell, r)
    });
    let seconds = started.elapsed().as_secs_f64();
    let row = match result {
        Ok(_) => ResultRow::finished(*cell, study.epochs, last.as_ref(), seconds),
        Err(e) if is_divergence(&e) => ResultRow::diverged(*cell, study.epochs, seconds),
        Err(e) => return Err(e.context(format!("cell {}", cell.label()))),
    };
    sink.done(&row)?;
    ui.cell_done(&row);
    Ok(())
}

/// One population of cells sharing method and seed; each cell's row carries its share of the
/// group's time.
fn run_population(
    group: &[Cell],
    study: &Study,
    how: &Runtime,
    data: &DeviceData,
    ui: &SweepUi,
    sink: &mut dyn CellSink,
) -> anyhow::Result<()> {
    let optims: Vec<_> = group
        .iter()
        .map(|c| study.optim(c.method, c.lr, c.decay))
        .collect();
    let run = study.run_config(group[0].seed, how);
    let progress = Progress {
        quiet: how.quiet,
        label: format!(
            "{} seed {} ({} cells)",
            group[0].method,
            group[0].seed,
            group.len()
        ),
        multi: Some(ui.multi.clone()),
    };
    let started = Instant::now();
    let outcomes =
        crate::population::train_population(&optims, &run, data, &progress, &mut |g, r| {
            sink.epoch(&group[g], r)
        })
        .with_context(|| format!("population of {} cells of {}", group.len(), group[0].method))?;
    let seconds = started.elapsed().as_secs_f64() / group.len() as f64;
    for (cell, outcome) in group.iter().zip(outcomes) {
        let row = match outcome.diverged {
            None => ResultRow::finished(*cell, study.epochs, outcome.records.last(), seconds),
            Some(_) => ResultRow::diverged(*cell, study.epochs, seconds),
        };
        sink.done(&row)?;
        ui.cell_done(&row);
    }
    Ok(())
}

/// The sweep's display: a bar over cells (with an ETA) above each cell's epoch bar, and one
/// line per finished cell.
pub struct SweepUi {
    pub multi: MultiProgress,
    bar: ProgressBar,
    quiet: bool,
    drawn: bool,
}

impl SweepUi {
    pub fn new(total: usize, quiet: bool) -> Self {
        let multi = MultiProgress::new();
        let drawn = !quiet && std::io::stderr().is_terminal();
        let bar = if drawn {
            multi.add(ProgressBar::new(total as u64))
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "cells [{bar:30}] {pos}/{len} ({elapsed} so far, eta {eta}) {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        SweepUi {
            multi,
            bar,
            quiet,
            drawn,
        }
    }

    /// Prints a line above the bars (or on stdout when there are none).
    pub fn println(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.drawn {
            let _ = self.multi.println(line);
        } else {
            println!("{line}");
        }
    }

    fn cell_done(&self, row: &ResultRow) {
        self.bar.inc(1);
        let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.2}%", 100.0 * v));
        self.println(&format!(
            "{:<40} {}  val {}  test {}  {:.1} s",
            row.cell.label(),
            row.status.as_str(),
            pct(row.val_accuracy),
            pct(row.test_accuracy),
            row.seconds
        ));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Writes a sweep's results into the study folder: runs/<cell>/metrics.csv per epoch, and a
/// row in the results file per finished cell.
pub struct DirSink {
    dir: PathBuf,
    results: ResultsFile,
    /// Open metrics files of the cells in training (several with --jobs).
    metrics: HashMap<CellKey, MetricsFile>,
    study: Study,
    how: Runtime,
}

impl DirSink {
    fn metrics_for(&mut self, cell: &Cell) -> anyhow::Result<&mut MetricsFile> {
        if !self.metrics.contains_key(&cell.key()) {
            let run_dir = self.dir.join("runs").join(cell.run_name());
            std::fs::create_dir_all(&run_dir)
                .with_context(|| format!("cannot create {}", run_dir.display()))?;
            #[derive(Serialize)]
            struct CellConfig<'a> {
                optim: OptimConfig,
                run: RunConfig,
                data: DataConfig,
                study: &'a Study,
            }
            write_config_json(
                &run_dir.join("config.json"),
                &CellConfig {
                    optim: self.study.optim(cell.method, cell.lr, cell.decay),
                    run: self.study.run_config(cell.seed, &self.how),
                    data: self.study.data_config(&self.how),
                    study: &self.study,
                },
            )?;
            self.metrics.insert(
                cell.key(),
                MetricsFile::create(&run_dir.join("metrics.csv"))?,
            );
        }
        Ok(self.metrics.get_mut(&cell.key()).expect("just inserted"))
    }
}

impl CellSink for DirSink {
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()> {
        self.metrics_for(cell)?.push(record)
    }

    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.metrics_for(&row.cell)?;
        self.metrics.remove(&row.cell.key());
        self.results.append(row)
    }
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepSummary {
    /// Cells of this (shard of the) grid.
    pub cells: usize,
    /// Of those, already finished before this call.
    pub skipped: usize,
    /// Trained now.
    pub ran: usize,
    pub diverged: usize,
}

/// Runs the cells of `grid` (or of one shard) that `dir` does not hold yet.
pub fn sweep(
    dir: &Path,
    study: &Study,
    grid: &Grid,
    shard: Option<Shard>,
    how: &Runtime,
) -> anyhow::Result<SweepSummary> {
    grid.validate(study)?;
    claim_study_dir(dir, study)?;
    let all = grid.cells();
    let mine = match shard {
        Some(s) => s.select(&all),
        None => all,
    };
    let done: HashSet<CellKey> = read_results(dir)?.iter().map(|r| r.cell.key()).collect();
    let todo: Vec<Cell> = mine
        .iter()
        .filter(|c| !done.contains(&c.key()))
        .copied()
        .collect();
    let mut summary = SweepSummary {
        cells: mine.len(),
        skipped: mine.len() - todo.len(),
        ran: 0,
        diverged: 0,
    };
    let ui = SweepUi::new(todo.len(), how.quiet);
    ui.println(&format!(
        "{}: {} cells{}, {} already finished, {} to run | {}",
        dir.display(),
        mine.len(),
        shard.map_or(String::new(), |s| format!(" in shard {}/{}", s.k, s.n)),
        summary.skipped,
        todo.len(),
        study.describe()
    ));
    if todo.is_empty() {
        return Ok(summary);
    }
    let device = crate::device::DeviceSpec::parse(&how.device)?.open()?;
    let data_cfg = study.data_config(how);
    let mnist = data_cfg.load()?;
    if mnist.val.is_none() {
        return Err(usage(
            "a sweep selects hyper-parameters on a validation split: give --val-size N (e.g. 10000)",
        ));
    }
    let data = DeviceData::new(&mnist, &device)?;
    let mut sink = CountingSink {
        inner: DirSink {
            dir: dir.to_path_buf(),
            results: ResultsFile::open(&results_path(dir, shard))?,
            metrics: HashMap::new(),
            study: study.clone(),
            how: how.clone(),
        },
        ran: 0,
        diverged: 0,
    };
    run_cells(&todo, study, how, &data, &ui, &mut sink)?;
    ui.finish();
    summary.ran = sink.ran;
    summary.diverged = sink.diverged;
    Ok(summary)
}

struct CountingSink<S> {
    inner: S,
    ran: usize,
    diverged: usize,
}

impl<S: CellSink> CellSink for CountingSink<S> {
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()> {
        self.inner.epoch(cell, record)
    }

    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.ran += 1;
        if row.status == Status::Diverged {
            self.diverged += 1;
        }
        self.inner.done(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study() -> Study {
        Study {
            train_size: Some(100),
            val_size: 100,
            epochs: 2,
            batch_size: 32,
            hidden: vec![8],
            schedule: Schedule::Cosine,
            momentum: 0.0,
            wd_scaling: WdScaling::Paper,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            decay_biases: true,
        }
    }

    fn grid() -> Grid {
        Grid {
            methods: vec![
                MethodGrid {
                    method: Method::Sgd,
                    lrs: vec![0.01, 0.1],
                    decays: vec![0.0, 1e-4, 1e-3],
                },
                MethodGrid {
                    method: Method::Adamw,
                    lrs: vec![1e-3, 3e-3, 1e-2],
                    decays: vec![0.0, 1e-3],
                },
            ],
            seeds: vec![0, 1, 2],
        }
    }

    #[test]
    fn the_union_of_the_shards_is_the_whole_grid_once() {
        let all = grid().cells();
        assert_eq!(all.len(), (2 * 3 + 3 * 2) * 3);
        for n in [1, 2, 3, 5, 7, 36, 50] {
            let mut seen: Vec<CellKey> = Vec::new();
            for k in 1..=n {
                let shard = Shard::parse(&format!("{k}/{n}")).unwrap();
                seen.extend(shard.select(&all).iter().map(Cell::key));
            }
            let mut expected: Vec<CellKey> = all.iter().map(Cell::key).collect();
            let order = |k: &CellKey| (k.0.name(), k.1, k.2, k.3);
            seen.sort_by_key(order);
            expected.sort_by_key(order);
            assert_eq!(seen, expected, "shards of {n}");
        }
    }

    #[test]
    fn shards_are_parsed_and_bad_ones_refused() {
        assert_eq!(Shard::parse("3/8").unwrap(), Shard { k: 3, n: 8 });
        for bad in ["0/4", "5/4", "1/0", "3", "a/b", "-1/4", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2, "{bad}");
        }
    }

    #[test]
    fn bad_grids_are_usage_errors() {
        let s = study();
        let mut g = grid();
        assert!(g.validate(&s).is_ok());
        g.methods[0].lrs = vec![];
        assert!(g.validate(&s).is_err());
        let mut g = grid();
        g.methods[0].lrs = vec![0.0];
        let e = g.validate(&s).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        let mut g = grid();
        g.methods[1].decays = vec![-1e-3];
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.seeds.clear();
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.methods.clear();
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.methods[1].decays = vec![2.0]; // a per-step decay ≥ 1
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
    }

    #[test]
    fn rows_round_trip_through_the_csv_schema() {
        let cell = Cell {
            method: Method::Adamw,
            lr: 3e-3,
            decay: 1e-4,
            seed: 2,
        };
        let ok = ResultRow {
            cell,
            epochs: 30,
            val_accuracy: Some(0.9512),
            test_accuracy: Some(0.9498),
            train_loss: Some(0.0123),
            weight_norm: Some(21.5),
            status: Status::Ok,
            seconds: 12.25,
        };
        assert_eq!(
            ok.csv_row(),
            "adamw,0.003,0.0001,2,30,0.9512,0.9498,0.0123,21.5,ok,12.250"
        );
        assert_eq!(ResultRow::parse_csv_row(&ok.csv_row()).unwrap(), ok);
        let div = ResultRow::diverged(cell, 30, 1.0);
        assert_eq!(div.csv_row(), "adamw,0.003,0.0001,2,30,,,,,diverged,1.000");
        assert_eq!(ResultRow::parse_csv_row(&div.csv_row()).unwrap(), div);
        assert_eq!(RESULTS_HEADER.split(',').count(), 11);
        assert_eq!(ok.csv_row().split(',').count(), 11);
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_rows_are_appended_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = results_path(dir.path(), None);
        let row = |seed| {
            ResultRow::diverged(
                Cell {
                    method: Method::Sgd,
                    lr: 0.1,
                    decay: 0.0,
                    seed,
                },
                3,
                0.5,
            )
        };
        let mut f = ResultsFile::open(&path).unwrap();
        f.append(&row(0)).unwrap();
        drop(f);
        // A crash in the middle of writing the second row.
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("sgd,0.1,0,1,3,0.9");
        std::fs::write(&path, text).unwrap();
        assert_eq!(read_results(dir.path()).unwrap().len(), 1);
        let mut f = ResultsFile::open(&path).unwrap();
        f.append(&row(1)).unwrap();
        let rows = read_results(dir.path()).unwrap();
        assert_eq!(rows, vec![row(0), row(1)]);
    }

    #[test]
    fn rows_of_all_results_files_are_merged_once() {
        let dir = tempfile::tempdir().unwrap();
        let cell = |seed| Cell {
            method: Method::Adam,
            lr: 1e-3,
            decay: 1e-4,
            seed,
        };
        let a = Shard { k: 1, n: 2 };
        let b = Shard { k: 2, n: 2 };
        ResultsFile::open(&results_path(dir.path(), Some(a)))
            .unwrap()
            .append(&ResultRow::diverged(cell(0), 1, 0.0))
            .unwrap();
        let mut fb = ResultsFile::open(&results_path(dir.path(), Some(b))).unwrap();
        fb.append(&ResultRow::diverged(cell(1), 1, 0.0)).unwrap();
        fb.append(&ResultRow::diverged(cell(0), 1, 0.0)).unwrap();
        let rows = read_results(dir.path()).unwrap();
        assert_eq!(rows.len(), 2);
        std::fs::write(dir.path().join("results.csv"), "nonsense\n").unwrap();
        assert!(read_results(dir.path()).is_err());
    }

    #[test]
    fn a_study_folder_refuses_other_settings_and_accepts_the_same() {
        let dir = tempfile::tempdir().unwrap();
        claim_study_dir(dir.path(), &study()).unwrap();
        claim_study_dir(dir.path(), &study()).unwrap();
        let other = Study {
            epochs: 5,
            ..study()
        };
        let e = claim_study_dir(dir.path(), &other).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("epochs: 2 there, 5 now"), "{e}");
    }
}
