//! `wdlab sweep`: the cells of a grid (or of one shard of it) that a study folder does not
//! hold yet, trained into the folder:
//!
//! ```text
//! DIR/study.json            the settings every cell shares (a sweep refuses other settings)
//! DIR/results.csv           one row per finished cell, appended and fsynced as it finishes
//! DIR/results.shard-K-of-N.csv   the same, for `--shard K/N` (one file per shard)
//! DIR/runs/<cell>/metrics.csv    each cell's per-epoch metrics (and config.json)
//! ```
//!
//! Re-running a sweep on the same folder skips every cell that any results file already holds,
//! so an interrupted sweep resumes where it stopped and a different grid with the same
//! settings is merged.

use super::folder::claim_study_dir;
use super::predictions::{run_dir, write_test_labels, PREDICTIONS};
use super::results::{read_results, results_path, ResultsFile};
use super::run_cells::{run_cells, CellSink};
use super::{Cell, CellKey, Execution, Grid, ResultRow, Settings, Shard, Status};
use crate::error::usage;
use crate::optim::OptimConfig;
use crate::progress::SweepBoard;
use crate::train::{DataConfig, DeviceData, EpochRecord, MetricsFile, RunConfig};
use crate::util::fs::write_atomic;
use anyhow::Context;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Writes a sweep's results into the study folder: runs/<cell>/metrics.csv per epoch, and a
/// row in the results file per finished cell.
struct DirSink {
    dir: PathBuf,
    results: ResultsFile,
    /// Open metrics files of the cells in training (several with --jobs).
    metrics: HashMap<CellKey, MetricsFile>,
    settings: Settings,
    how: Execution,
}

impl DirSink {
    fn metrics_for(&mut self, cell: &Cell) -> anyhow::Result<&mut MetricsFile> {
        if !self.metrics.contains_key(&cell.key()) {
            let folder = run_dir(&self.dir, cell);
            #[derive(Serialize)]
            struct CellConfig<'a> {
                optim: OptimConfig,
                run: RunConfig,
                data: DataConfig,
                study: &'a Settings,
            }
            let config = CellConfig {
                optim: self.settings.optim(cell.method, cell.lr, cell.decay)?,
                run: self.settings.run_config(cell.seed, &self.how)?,
                data: self.settings.data_config(&self.how)?,
                study: &self.settings,
            };
            let metrics = MetricsFile::run_folder(&folder, "the run folder", &config)?;
            self.metrics.insert(cell.key(), metrics);
        }
        Ok(self.metrics.get_mut(&cell.key()).expect("just inserted"))
    }
}

impl CellSink for DirSink {
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()> {
        self.metrics_for(cell)?.push(record)?;
        if let Some(p) = &record.test_predictions {
            write_atomic(&run_dir(&self.dir, cell).join(PREDICTIONS), p)?;
        }
        Ok(())
    }

    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.metrics_for(&row.cell)?;
        self.metrics.remove(&row.cell.key());
        self.results.append(row)
    }
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SweepSummary {
    /// Cells of this (shard of the) grid.
    pub(crate) cells: usize,
    /// Of those, already finished before this call.
    pub(crate) skipped: usize,
    /// Trained now.
    pub(crate) ran: usize,
    pub(crate) diverged: usize,
}

/// Runs the cells of `grid` (or of one shard) that `dir` does not hold yet.
pub(crate) fn sweep(
    dir: &Path,
    settings: &Settings,
    grid: &Grid,
    shard: Option<Shard>,
    how: &Execution,
) -> anyhow::Result<SweepSummary> {
    grid.validate(settings)?;
    sweep_cells(dir, settings, &grid.cells(), shard, how)
}

/// Runs the `cells` (or one shard of them) that `dir` does not hold yet; each is checked
/// like a grid's cells before anything trains.
pub(crate) fn sweep_cells(
    dir: &Path,
    settings: &Settings,
    cells: &[Cell],
    shard: Option<Shard>,
    how: &Execution,
) -> anyhow::Result<SweepSummary> {
    for c in cells {
        settings
            .optim(c.method, c.lr, c.decay)
            .with_context(|| format!("cell {}", c.label()))?;
    }
    // Everything is checked before anything is written: the data first, then the folder.
    let mnist = settings.data_config(how)?.load()?;
    if mnist.val.is_none() {
        return Err(usage(
            "a sweep selects hyper-parameters on a validation split: give --val-size N (e.g. 10000)",
        ));
    }
    let settings = &settings.with_data(Some(mnist.fingerprint.clone()));
    claim_study_dir(dir, settings)?;
    write_test_labels(dir, &mnist.test.labels)?;
    let results = ResultsFile::open(&results_path(dir, shard))?;
    let mine = match shard {
        Some(s) => s.select(cells),
        None => cells.to_vec(),
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
    let board = SweepBoard::new(todo.len(), how.quiet());
    board.println(&format!(
        "{}: {} cells{}, {} already finished, {} to run | {}",
        dir.display(),
        mine.len(),
        shard.map_or(String::new(), |s| format!(" in shard {}/{}", s.k, s.n)),
        summary.skipped,
        todo.len(),
        settings.describe()
    ));
    if todo.is_empty() {
        return Ok(summary);
    }
    let data = DeviceData::new(&mnist, &how.device().open()?)?;
    let mut sink = CountingSink {
        inner: DirSink {
            dir: dir.to_path_buf(),
            results,
            metrics: HashMap::new(),
            settings: settings.clone(),
            how: how.clone(),
        },
        ran: 0,
        diverged: 0,
    };
    run_cells(&todo, settings, how, &data, &board, &mut sink)?;
    board.finish();
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
