//! Test predictions for runs that finished before runs saved them: each such cell is trained
//! again from its seed (training is deterministic on the CPU), its new row is checked against
//! the one `results.csv` holds, bit for bit, and only then are its predictions written. A row
//! that comes out different stops the stage: the folder's numbers no longer come from this
//! code, and nothing is written for that cell.

use super::predictions::{has_predictions, run_dir, write_test_labels, PREDICTIONS};
use super::results::read_results;
use super::run_cells::{run_cells, CellSink};
use super::{Cell, Execution, ResultRow, Settings, Status};
use crate::progress::SweepBoard;
use crate::train::{DeviceData, EpochRecord};
use crate::util::fs::write_atomic;
use std::path::{Path, PathBuf};

/// Of `cells`, those with a finished row in `dir` but no predictions.
pub(crate) fn lacking_predictions(dir: &Path, cells: &[Cell]) -> anyhow::Result<Vec<Cell>> {
    let rows = read_results(dir)?;
    Ok(cells
        .iter()
        .filter(|c| {
            rows.iter()
                .any(|r| r.cell.key() == c.key() && r.status == Status::Ok)
        })
        .filter(|c| !has_predictions(dir, c))
        .copied()
        .collect())
}

/// Retrains `cells` (each with a finished row in `dir`) and writes their predictions once
/// each new row equals the stored one; returns how many were written.
pub(crate) fn backfill_predictions(
    dir: &Path,
    settings: &Settings,
    cells: &[Cell],
    how: &Execution,
) -> anyhow::Result<usize> {
    if cells.is_empty() {
        return Ok(0);
    }
    let mnist = settings.data_config(how)?.load()?;
    write_test_labels(dir, &mnist.test.labels)?;
    let stored = read_results(dir)?;
    let data = DeviceData::new(&mnist, &how.device().open()?)?;
    let board = SweepBoard::new(cells.len(), how.quiet());
    let mut sink = CheckingSink {
        dir: dir.to_path_buf(),
        stored,
        pending: Vec::new(),
        written: 0,
    };
    run_cells(cells, settings, how, &data, &board, &mut sink)?;
    board.finish();
    Ok(sink.written)
}

/// Holds each retrained cell's predictions until its row is checked.
struct CheckingSink {
    dir: PathBuf,
    stored: Vec<ResultRow>,
    pending: Vec<(Cell, Vec<u8>)>,
    written: usize,
}

impl CellSink for CheckingSink {
    fn epoch(&mut self, cell: &Cell, record: &EpochRecord) -> anyhow::Result<()> {
        if let Some(p) = &record.test_predictions {
            self.pending.push((*cell, p.clone()));
        }
        Ok(())
    }

    fn done(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        let key = row.cell.key();
        let old = self
            .stored
            .iter()
            .find(|r| r.cell.key() == key && r.status == Status::Ok);
        let same = old.is_some_and(|o| same_numbers(o, row));
        anyhow::ensure!(
            same,
            "retraining {} gave val {:?} test {:?} train loss {:?} where results.csv holds {:?}: \
             the folder's rows no longer come from this code, so no predictions are written \
             for it (re-run the study in a new folder)",
            row.cell.label(),
            row.val_accuracy,
            row.test_accuracy,
            row.train_loss,
            old.map(|o| (o.val_accuracy, o.test_accuracy, o.train_loss)),
        );
        if let Some(at) = self.pending.iter().position(|(c, _)| c.key() == key) {
            let (cell, p) = self.pending.swap_remove(at);
            write_atomic(&run_dir(&self.dir, &cell).join(PREDICTIONS), &p)?;
            self.written += 1;
        }
        Ok(())
    }
}

/// Whether two rows of one cell hold the same numbers, bit for bit (time aside).
fn same_numbers(a: &ResultRow, b: &ResultRow) -> bool {
    let bits = |v: Option<f64>| v.map(f64::to_bits);
    a.status == b.status
        && a.epochs == b.epochs
        && bits(a.val_accuracy) == bits(b.val_accuracy)
        && bits(a.test_accuracy) == bits(b.test_accuracy)
        && bits(a.train_loss) == bits(b.train_loss)
        && bits(a.weight_norm) == bits(b.weight_norm)
}
