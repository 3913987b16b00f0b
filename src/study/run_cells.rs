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
    ui: &SweepBoard,
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
            CellBackend::Single => run_single(&unit[0], settings, how, data, ui, &mut sink),
            CellBackend::Population => run_population(unit, settings, how, data, ui, &mut sink),
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
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    ui: &SweepBoard,
    sink: &mut dyn CellSink,
) -> anyhow::Result<()> {
    let optim = settings.optim(cell.method, cell.lr, cell.decay);
    let run = settings.run_config(cell.seed, how);
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
        Ok(_) => ResultRow::finished(*cell, settings.epochs, last.as_ref(), seconds),
        Err(e) if is_divergence(&e) => ResultRow::diverged(*cell, settings.epochs, seconds),
        Err(e) => return Err(e.context(format!("cell {}", cell.label()))),
    };
    sink.done(&row)?;
    ui.cell_done(&row.summary());
    Ok(())
}

/// One population of cells sharing method and seed; each cell's row carries its share of the
/// group's time.
fn run_population(
    group: &[Cell],
    settings: &Settings,
    how: &Execution,
    data: &DeviceData,
    ui: &SweepBoard,
    sink: &mut dyn CellSink,
) -> anyhow::Result<()> {
    let optims: Vec<_> = group
        .iter()
        .map(|c| settings.optim(c.method, c.lr, c.decay))
        .collect();
    let run = settings.run_config(group[0].seed, how);
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
    let outcomes = train::train_population(&optims, &run, data, &progress, &mut |g, r| {
        sink.epoch(&group[g], r)
    })
    .with_context(|| format!("population of {} cells of {}", group.len(), group[0].method))?;
    let seconds = started.elapsed().as_secs_f64() / group.len() as f64;
    for (cell, outcome) in group.iter().zip(outcomes) {
        let row = match outcome.diverged {
            None => ResultRow::finished(*cell, settings.epochs, outcome.records.last(), seconds),
            Some(_) => ResultRow::diverged(*cell, settings.epochs, seconds),
        };
        sink.done(&row)?;
        ui.cell_done(&row.summary());
    }
    Ok(())
}
