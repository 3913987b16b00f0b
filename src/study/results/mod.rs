//! The results files of a study folder: `results.csv` (or `results.shard-K-of-N.csv` for
//! `--shard K/N`), one row per finished cell, appended and fsynced as it finishes, so a killed
//! sweep loses at most the cells in flight; every file of a folder is read back as one set.

mod check;
mod lock;
mod read;

use read::holds_no_line;
pub(crate) use read::{read_results, read_results_file, read_results_for};

use super::{Cell, Shard};
use crate::train::EpochRecord;
use crate::util::csv;
use crate::util::fmt::percent;
use anyhow::Context;
use lock::WriterLock;
use serde::{Deserialize, Serialize};
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
        let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{}%", percent(v)));
        format!(
            "{:<40} {}  val {}  test {}  {:.1} s",
            self.cell.label(),
            self.status.as_str(),
            pct(self.val_accuracy),
            pct(self.test_accuracy),
            self.seconds
        )
    }

    /// One CSV line with its line end, columns as in [`RESULTS_HEADER`].
    pub(crate) fn csv_line(&self) -> anyhow::Result<String> {
        csv::line(&ResultRecord {
            method: self.cell.method.name().to_string(),
            lr: self.cell.lr,
            decay: self.cell.decay,
            seed: self.cell.seed,
            epochs: self.epochs,
            val_accuracy: self.val_accuracy,
            test_accuracy: self.test_accuracy,
            train_loss: self.train_loss,
            weight_norm: self.weight_norm,
            status: self.status.as_str().to_string(),
            seconds: self.seconds,
        })
    }
}

/// A row of `results.csv` as it is stored; [`ResultRecord::check`] turns it into a
/// [`ResultRow`] or says what is wrong with it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ResultRecord {
    method: String,
    #[serde(serialize_with = "csv::plain")]
    lr: f64,
    #[serde(serialize_with = "csv::plain")]
    decay: f64,
    seed: u64,
    epochs: usize,
    #[serde(serialize_with = "csv::plain_opt")]
    val_accuracy: Option<f64>,
    #[serde(serialize_with = "csv::plain_opt")]
    test_accuracy: Option<f64>,
    #[serde(serialize_with = "csv::plain_opt")]
    train_loss: Option<f64>,
    #[serde(serialize_with = "csv::plain_opt")]
    weight_norm: Option<f64>,
    status: String,
    #[serde(serialize_with = "csv::millis")]
    seconds: f64,
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

/// An open results file: each [`Self::append`] writes one line and fsyncs, so a crash loses at
/// most the cell in flight. Its process is the file's one writer for as long as it is open
/// ([`WriterLock`]).
pub(crate) struct ResultsFile {
    file: std::fs::File,
    path: PathBuf,
    _lock: WriterLock,
}

impl ResultsFile {
    /// Opens `path` for appending, writing the header to a new file (or one holding no whole
    /// line: an empty file, a header cut short) and dropping a torn last line (one without its
    /// newline) from an old one.
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
        let lock = WriterLock::acquire(path)?;
        let existing = match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        match existing {
            Some(text) if !holds_no_line(&text) => {
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
            _lock: lock,
        })
    }

    pub(crate) fn append(&mut self, row: &ResultRow) -> anyhow::Result<()> {
        self.file
            .write_all(row.csv_line()?.as_bytes())
            .and_then(|_| self.file.sync_data())
            .with_context(|| format!("cannot append to {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Method;
    use crate::util::csv::TornTail;

    #[test]
    fn rows_round_trip_through_the_csv_schema() {
        let cell = Cell::new(Method::Adamw, 3e-3, 1e-4, 2);
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
        let line = ok.csv_line().unwrap();
        assert_eq!(
            line,
            "adamw,0.003,0.0001,2,30,0.9512,0.9498,0.0123,21.5,ok,12.250\n"
        );
        let div = ResultRow::diverged(cell, 30, 1.0);
        let div_line = div.csv_line().unwrap();
        assert_eq!(div_line, "adamw,0.003,0.0001,2,30,,,,,diverged,1.000\n");
        let text = format!("{RESULTS_HEADER}\n{line}{div_line}");
        let back = parse(&text).unwrap();
        assert_eq!(back, vec![ok, div]);
    }

    fn parse(text: &str) -> anyhow::Result<Vec<ResultRow>> {
        let path = Path::new("results.csv");
        csv::parse_rows(
            path,
            text,
            RESULTS_HEADER,
            TornTail::Drop,
            ResultRecord::check,
        )
    }

    /// Rows no sweep can have written are refused with the file, the line and the reason;
    /// −0 reads as 0.
    #[test]
    fn impossible_rows_are_refused_with_the_line() {
        let good = "sgd,0.1,0,0,3,0.9,0.9,0.1,10,ok,1.000";
        for (row, says) in [
            (
                "sgd,0.1,0,0,3,NaN,0.9,0.1,10,ok,1.000",
                "val_accuracy NaN is not in [0, 1]",
            ),
            (
                "sgd,0.1,0,0,3,0.9,1.7,0.1,10,ok,1.000",
                "test_accuracy 1.7 is not in [0, 1]",
            ),
            (
                "sgd,0.1,0,0,3,0.9,0.9,inf,10,ok,1.000",
                "train_loss inf is not a number ≥ 0",
            ),
            (
                "sgd,-0.1,0,0,3,0.9,0.9,0.1,10,ok,1.000",
                "learning rate -0.1 is not a positive",
            ),
            (
                "sgd,0.1,-1e-3,0,3,0.9,0.9,0.1,10,ok,1.000",
                "decay -0.001 is not a number ≥ 0",
            ),
            (
                "rmsprop,0.1,0,0,3,0.9,0.9,0.1,10,ok,1.000",
                "unknown method \"rmsprop\"",
            ),
            (
                "sgd,0.1,0,0,3,0.9,0.9,0.1,10,done,1.000",
                "unknown status \"done\"",
            ),
            (
                "sgd,0.1,0,0,3,,,,,ok,1.000",
                "status ok without a test accuracy",
            ),
            (
                "sgd,0.1,0,0,3,0.9,0.9,0.1,10,ok",
                "found record with 10 fields",
            ),
        ] {
            let e = parse(&format!("{RESULTS_HEADER}\n{good}\n{row}\n")).unwrap_err();
            let e = e.to_string();
            assert!(e.starts_with("results.csv, line 3: "), "{row}: {e}");
            assert!(e.contains(says), "{row}: {says:?} not in {e}");
        }
        let rows = parse(&format!(
            "{RESULTS_HEADER}\nsgd,0.1,-0,0,3,0.9,0.9,0.1,10,ok,1\n"
        ));
        assert_eq!(rows.unwrap()[0].cell.decay.to_bits(), 0f64.to_bits());
    }

    #[test]
    fn a_second_writer_of_a_results_file_is_refused_with_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = results_path(dir.path(), None);
        let first = ResultsFile::open(&path).unwrap();
        let e = ResultsFile::open(&path).err().unwrap().to_string();
        let pid = std::process::id().to_string();
        assert!(
            e.contains("is being written by another wdlab") && e.contains(&pid),
            "{e}"
        );
        drop(first);
        assert!(
            ResultsFile::open(&path).is_ok(),
            "the lock goes with its writer"
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_rows_are_appended_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = results_path(dir.path(), None);
        let row = |seed| ResultRow::diverged(Cell::new(Method::Sgd, 0.1, 0.0, seed), 3, 0.5);
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
        let cell = |seed| Cell::new(Method::Adam, 1e-3, 1e-4, seed);
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
