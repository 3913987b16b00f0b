//! Per-epoch records and the files they go to: `metrics.csv` (its header is a file contract
//! other tools read) and `config.json`. Every write replaces the file atomically
//! ([`write_atomic`]), so a reader or an interrupted run never sees half a file, and the
//! epochs finished so far are always on disk.

use crate::util::csv::Row;
use crate::util::fs::write_atomic;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

pub(crate) const METRICS_HEADER: &str =
    "epoch,train_loss,val_accuracy,test_loss,test_accuracy,weight_norm,seconds";

/// What one epoch measured. Accuracies are fractions in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_accuracy: Option<f64>,
    pub test_loss: f64,
    pub test_accuracy: f64,
    /// ‖θ‖₂ over all parameters after the epoch.
    pub weight_norm: f64,
    /// Wall-clock seconds since the previous record (training and evaluation); with
    /// `--eval-every 1` the epoch's own time.
    pub seconds: f64,
}

impl EpochRecord {
    /// One CSV row (no newline), columns as in [`METRICS_HEADER`].
    pub(crate) fn csv_row(&self) -> String {
        format!(
            "{},{},{},{},{},{},{:.3}",
            self.epoch,
            self.train_loss,
            self.val_accuracy.map(|v| v.to_string()).unwrap_or_default(),
            self.test_loss,
            self.test_accuracy,
            self.weight_norm,
            self.seconds
        )
    }

    /// Parses a row written by [`Self::csv_row`].
    pub(crate) fn parse_csv_row(line: &str) -> anyhow::Result<Self> {
        let row = Row::split(line, 7)?;
        Ok(EpochRecord {
            epoch: row.parse(0)?,
            train_loss: row.parse(1)?,
            val_accuracy: row.optional(2)?,
            test_loss: row.parse(3)?,
            test_accuracy: row.parse(4)?,
            weight_norm: row.parse(5)?,
            seconds: row.parse(6)?,
        })
    }

    /// One human-readable line, prefixed with `label`.
    pub(crate) fn line(&self, label: &str, epochs: usize) -> String {
        let val = self
            .val_accuracy
            .map(|v| format!("  val acc {:6.2}%", 100.0 * v))
            .unwrap_or_default();
        format!(
            "{label}epoch {:>3}/{epochs}  train loss {:.4}  test loss {:.4}  test acc {:6.2}%{val}  ‖θ‖ {:.2}  {:.1}s",
            self.epoch,
            self.train_loss,
            self.test_loss,
            100.0 * self.test_accuracy,
            self.weight_norm,
            self.seconds
        )
    }
}

/// Keeps `metrics.csv` current: each [`Self::push`] rewrites the whole (small) file atomically.
pub(crate) struct MetricsFile {
    path: std::path::PathBuf,
    contents: String,
}

impl MetricsFile {
    /// Starts the file with its header (replacing an older one).
    pub(crate) fn create(path: &Path) -> anyhow::Result<Self> {
        let file = MetricsFile {
            path: path.to_path_buf(),
            contents: format!("{METRICS_HEADER}\n"),
        };
        write_atomic(&file.path, file.contents.as_bytes())?;
        Ok(file)
    }

    pub(crate) fn push(&mut self, record: &EpochRecord) -> anyhow::Result<()> {
        writeln!(self.contents, "{}", record.csv_row()).expect("writing to a String");
        write_atomic(&self.path, self.contents.as_bytes())
    }
}

/// Reads a `metrics.csv`, checking its header.
pub(crate) fn read_metrics(path: &Path) -> anyhow::Result<Vec<EpochRecord>> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    anyhow::ensure!(
        lines.next() == Some(METRICS_HEADER),
        "{}: not a wdlab metrics.csv (the first line must be {METRICS_HEADER})",
        path.display()
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| EpochRecord::parse_csv_row(l).with_context(|| format!("in {}", path.display())))
        .collect()
}

/// Writes `config.json`: the resolved configuration and the crate version.
pub(crate) fn write_config_json<T: Serialize>(path: &Path, config: &T) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct WithVersion<'a, T> {
        wdlab_version: &'static str,
        #[serde(flatten)]
        config: &'a T,
    }
    let json = serde_json::to_string_pretty(&WithVersion {
        wdlab_version: env!("CARGO_PKG_VERSION"),
        config,
    })?;
    write_atomic(path, json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_row_round_trips_and_leaves_missing_validation_empty() {
        let r = EpochRecord {
            epoch: 2,
            train_loss: 0.25,
            val_accuracy: None,
            test_loss: 0.125,
            test_accuracy: 0.9875,
            weight_norm: 31.5,
            seconds: 1.5,
        };
        assert_eq!(r.csv_row(), "2,0.25,,0.125,0.9875,31.5,1.500");
        assert_eq!(EpochRecord::parse_csv_row(&r.csv_row()).unwrap(), r);
        let with_val = EpochRecord {
            val_accuracy: Some(0.5),
            ..r
        };
        assert_eq!(
            EpochRecord::parse_csv_row(&with_val.csv_row()).unwrap(),
            with_val
        );
    }

    #[test]
    fn metrics_file_is_readable_after_every_push() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let mut file = MetricsFile::create(&path).unwrap();
        assert!(read_metrics(&path).unwrap().is_empty());
        let r = EpochRecord {
            epoch: 1,
            train_loss: 1.0,
            val_accuracy: Some(0.9),
            test_loss: 1.0,
            test_accuracy: 0.9,
            weight_norm: 1.0,
            seconds: 0.1,
        };
        file.push(&r).unwrap();
        file.push(&EpochRecord {
            epoch: 2,
            ..r.clone()
        })
        .unwrap();
        let back = read_metrics(&path).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].epoch, 2);
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .starts_with(METRICS_HEADER));
    }
}
