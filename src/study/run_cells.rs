//! Training a list of cells: one run after another or as populations, `--jobs` at a time,
//! each cell reported to a [`CellSink`] as it finishes. The only place a study trains.

use super::{Cell, CellBackend, Execution, ResultRow, Settings};
use crate::error::is_divergence;
use crate::progress::{Progress, SweepBoard};
use crate::train::{self, DeviceData, EpochRecord};
use anyhow::Context;
use std::time::Instant;

/// What [`run_cells`] reports for each cell.
pub(crate) trait CellSink {
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
pub(crate) fn run_cells(
    cells: &[Cell],
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    board: &SweepBoard,
    sink: &mut (dyn CellSink + Send),
) -> anyhow::Result<()> {
    let units: Vec<Vec<Cell>> = match how.cells() {
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
    let trainer = CellTrainer {
        settings,
        how,
        data,
        board,
    };
    let sink = std::sync::Mutex::new(sink);
    crate::jobs::run_jobs(&units, how.jobs(), |_, unit| {
        let mut sink = LockedSink(&sink);
        match how.cells() {
            CellBackend::Single => trainer.single(&unit[0], &mut sink),
            CellBackend::Population => trainer.population(unit, &mut sink),
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

/// What every cell of a call to [`run_cells`] shares.
struct CellTrainer<'a> {
    settings: &'a Settings,
    how: &'a Execution,
    data: &'a DeviceData,
    board: &'a SweepBoard,
}

impl CellTrainer<'_> {
    /// The epoch bar of a run labelled `label`, inside the sweep's board.
    fn progress(&self, label: String) -> Progress {
        Progress {
            quiet: self.how.quiet(),
            label,
            multi: Some(self.board.multi.clone()),
        }
    }

    /// Reports a finished cell to the sink and the board.
    fn finish(&self, row: &ResultRow, sink: &mut dyn CellSink) -> anyhow::Result<()> {
        sink.done(row)?;
        self.board.cell_done(&row.summary());
        Ok(())
    }

    /// One cell as a single run.
    fn single(&self, cell: &Cell, sink: &mut dyn CellSink) -> anyhow::Result<()> {
        let optim = self.settings.optim(cell.method, cell.lr, cell.decay)?;
        let run = self.settings.run_config(cell.seed, self.how)?;
        let progress = self.progress(cell.label());
        let epochs = self.settings.epochs();
        let started = Instant::now();
        let mut last = None;
        let result = train::train(&optim, &run, self.data, &progress, &mut |r| {
            last = Some(r.clone());
            sink.epoch(cell, r)
        });
        let seconds = started.elapsed().as_secs_f64();
        let row = match result {
            Ok(_) => ResultRow::finished(*cell, epochs, last.as_ref(), seconds),
            Err(e) if is_divergence(&e) => ResultRow::diverged(*cell, epochs, seconds),
            Err(e) => return Err(e.context(format!("cell {}", cell.label()))),
        };
        self.finish(&row, sink)
    }

    /// One population of cells sharing method and seed; each cell's row carries its share of
    /// the group's time.
    fn population(&self, group: &[Cell], sink: &mut dyn CellSink) -> anyhow::Result<()> {
        let optims: Vec<_> = group
            .iter()
            .map(|c| self.settings.optim(c.method, c.lr, c.decay))
            .collect::<anyhow::Result<_>>()?;
        let (method, seed) = (group[0].method, group[0].seed);
        let run = self.settings.run_config(seed, self.how)?;
        let progress = self.progress(format!("{method} seed {seed} ({} cells)", group.len()));
        let epochs = self.settings.epochs();
        let started = Instant::now();
        let outcomes = train::train_population(&optims, &run, self.data, &progress, &mut |g, r| {
            sink.epoch(&group[g], r)
        })
        .with_context(|| format!("population of {} cells of {method}", group.len()))?;
        let seconds = started.elapsed().as_secs_f64() / group.len() as f64;
        for (cell, outcome) in group.iter().zip(outcomes) {
            let row = match outcome.diverged {
                None => ResultRow::finished(*cell, epochs, outcome.records.last(), seconds),
                Some(_) => ResultRow::diverged(*cell, epochs, seconds),
            };
            self.finish(&row, sink)?;
        }
        Ok(())
    }
}
