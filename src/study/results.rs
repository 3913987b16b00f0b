//! The results files of a study folder: `results.csv` (or `results.shard-K-of-N.csv` for
//! `--shard K/N`), one row per finished cell, appended and fsynced as it finishes, so a killed
//! sweep loses at most the cells in flight; every file of a folder is read back as one set.

use super::{Cell, Shard};
use crate::optim::Method;
use crate::train::EpochRecord;
use crate::util::csv::Row;
use anyhow::Context;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The header of `results.csv` (a file contract other tools read).
pub(crate) const RESULTS_HEADER: &str =
    "method,lr,decay,seed,epochs,val_accuracy,test_accuracy,train_loss,weight_norm,status,seconds";

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    /// The training loss became NaN or infinite; the accuracies are left empty.
    Diverged,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Diverged => "diverged",
        }
    }
}

/// One row of `results.csv`. Accuracies are fractions in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResultRow {
    pub(crate) cell: Cell,
    pub(crate) epochs: usize,
    pub(crate) val_accuracy: Option<f64>,
    pub(crate) test_accuracy: Option<f64>,
    pub(crate) train_loss: Option<f64>,
    pub(crate) weight_norm: Option<f64>,
    pub(crate) status: Status,
    pub(crate) seconds: f64,
}

impl ResultRow {
    /// The row of a finished run (its last record), or of a diverged one.
    pub(crate) fn finished(
        cell: Cell,
        epochs: usize,
        last: Option<&EpochRecord>,
        seconds: f64,
    ) -> Self {
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

    pub(crate) fn diverged(cell: Cell, epochs: usize, seconds: f64) -> Self {
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

    /// One line for the terminal: the cell, how it ended, its accuracies and time.
    pub(crate) fn summary(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.2}%", 100.0 * v));
        format!(
            "{:<40} {}  val {}  test {}  {:.1} s",
            self.cell.label(),
            self.status.as_str(),
            pct(self.val_accuracy),
            pct(self.test_accuracy),
            self.seconds
        )
    }

    /// One CSV line (no newline), columns as in [`RESULTS_HEADER`].
    pub(crate) fn csv_row(&self) -> String {
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

    /// Parses a row written by [`Self::csv_row`].
    pub(crate) fn parse_csv_row(line: &str) -> anyhow::Result<Self> {
        let row = Row::split(line, 11)?;
        let method: Method = row
            .text(0)
            .parse()
            .with_context(|| format!("in {line:?}"))?;
        let status = match row.text(9) {
            "ok" => Status::Ok,
            "diverged" => Status::Diverged,
            other => anyhow::bail!("unknown status {other:?} (ok or diverged) in {line:?}"),
        };
        Ok(ResultRow {
            cell: Cell {
                method,
                lr: row.parse(1)?,
                decay: row.parse(2)?,
                seed: row.parse(3)?,
            },
            epochs: row.parse(4)?,
            val_accuracy: row.optional(5)?,
            test_accuracy: row.optional(6)?,
            train_loss: row.optional(7)?,
            weight_norm: row.optional(8)?,
            status,
            seconds: row.parse(10)?,
        })
    }
}

/// The results file a sweep (or shard) appends to.
pub(crate) fn results_path(dir: &Path, shard: Option<Shard>) -> PathBuf {
    dir.join(shard.map_or("results.csv".to_string(), |s| s.file_name()))
}

/// Every results file in `dir`: `results.csv` and the shards' `results.shard-*.csv`.
pub(crate) fn results_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
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
pub(crate) fn read_results_file(path: &Path) -> anyhow::Result<Vec<ResultRow>> {
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
pub(crate) fn read_results(dir: &Path) -> anyhow::Result<Vec<ResultRow>> {
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
pub(crate) struct ResultsFile {
    file: std::fs::File,
    path: PathBuf,
}

impl ResultsFile {
    /// Opens `path` for appending, writing the header to a new file and dropping a torn last
    /// line (one without its newline) from an old one.
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
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

    pub(crate) fn append(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.file
            .write_all(format!("{}\n", row.csv_row()).as_bytes())
            .and_then(|_| self.file.sync_data())
            .with_context(|| format!("cannot append to {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
