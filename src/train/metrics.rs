//! Per-epoch records and the files they go to: `metrics.csv` (its header is a file contract
//! other tools read) and `config.json`. Every write replaces the file atomically
//! ([`write_atomic`]), so a reader or an interrupted run never sees half a file, and the
//! epochs finished so far are always on disk.

use crate::optim::DecayKind;
use crate::util::csv::{self, TornTail};
use crate::util::fmt::percent;
use crate::util::fs::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub(crate) const METRICS_HEADER: &str =
    "epoch,train_loss,val_accuracy,test_loss,test_accuracy,weight_norm,seconds";

/// What one epoch measured, one row of `metrics.csv`. Accuracies are fractions in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    #[serde(serialize_with = "csv::plain")]
    pub train_loss: f64,
    #[serde(serialize_with = "csv::plain_opt")]
    pub val_accuracy: Option<f64>,
    #[serde(serialize_with = "csv::plain")]
    pub test_loss: f64,
    #[serde(serialize_with = "csv::plain")]
    pub test_accuracy: f64,
    /// ‖θ‖₂ over all parameters after the epoch.
    #[serde(serialize_with = "csv::plain")]
    pub weight_norm: f64,
    /// Wall-clock seconds since the previous record (training and evaluation); with
    /// `--eval-every 1` the epoch's own time.
    #[serde(serialize_with = "csv::millis")]
    pub seconds: f64,
    /// The class predicted for each test image, on the run's last epoch only (a study writes
    /// it to `runs/<cell>/test_predictions`); not a column of `metrics.csv`.
    #[serde(skip)]
    pub test_predictions: Option<Vec<u8>>,
}

impl EpochRecord {
    /// Refuses a record that no run can have written.
    fn check(self) -> anyhow::Result<Self> {
        for (what, v) in [
            ("train_loss", self.train_loss),
            ("test_loss", self.test_loss),
            ("weight_norm", self.weight_norm),
            ("seconds", self.seconds),
        ] {
            anyhow::ensure!(v.is_finite() && v >= 0.0, "{what} {v} is not a number ≥ 0");
        }
        for (what, v) in [
            ("test_accuracy", Some(self.test_accuracy)),
            ("val_accuracy", self.val_accuracy),
        ] {
            if let Some(v) = v {
                anyhow::ensure!((0.0..=1.0).contains(&v), "{what} {v} is not in [0, 1]");
            }
        }
        Ok(self)
    }

    /// One human-readable line, prefixed with `label`.
    pub(crate) fn line(&self, label: &str, epochs: usize) -> String {
        let val = self
            .val_accuracy
            .map(|v| format!("  val acc {:>6}%", percent(v)))
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
    /// A run's folder, the one way every command writes one (train's `--out`, each run of
    /// `norms --train`, each cell of a sweep): `dir` created (`what` names it in an error),
    /// its `config.json` from `config`, and its `metrics.csv` started, returned to be filled.
    pub(crate) fn run_folder<T: Serialize>(
        dir: &Path,
        what: &str,
        config: &T,
    ) -> anyhow::Result<Self> {
        crate::util::fs::create_dir(dir, what)?;
        write_config_json(&dir.join("config.json"), config)?;
        MetricsFile::create(&dir.join("metrics.csv"))
    }

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
        self.contents.push_str(&csv::line(record)?);
        write_atomic(&self.path, self.contents.as_bytes())
    }
}

/// Reads a `metrics.csv`, checking its header and every row.
pub(crate) fn read_metrics(path: &Path) -> anyhow::Result<Vec<EpochRecord>> {
    csv::read_rows(path, METRICS_HEADER, TornTail::Keep, EpochRecord::check)
}

/// The optimiser a config.json's `optim` object names: its method, α, decay and convention
/// (what the other convention's decay is computed from).
fn optim_of(o: &serde_json::Value) -> Option<crate::optim::OptimConfig> {
    use serde::de::DeserializeOwned;
    fn field<T: DeserializeOwned>(o: &serde_json::Value, k: &str) -> Option<T> {
        serde_json::from_value(o.get(k)?.clone()).ok()
    }
    crate::optim::OptimConfig::builder(field(o, "method")?)
        .lr(field(o, "lr")?)
        .decay(field(o, "decay")?)
        .wd_scaling(field(o, "wd_scaling")?)
        .build()
        .ok()
}

/// Writes `config.json`: the resolved configuration and the crate version; a decoupled decay
/// (under `optim`) is also given in the other convention (λ_pt = λ'/α or λ' = α·λ_pt) as
/// `decay_in_other_convention`, so a PyTorch user reads it right.
pub(crate) fn write_config_json<T: Serialize>(path: &Path, config: &T) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct WithVersion<'a, T> {
        wdlab_version: &'static str,
        #[serde(flatten)]
        config: &'a T,
        #[serde(skip_serializing_if = "Option::is_none")]
        decay_in_other_convention: Option<String>,
    }
    let optim = serde_json::to_value(config)?
        .get("optim")
        .and_then(optim_of);
    let json = serde_json::to_string_pretty(&WithVersion {
        wdlab_version: env!("CARGO_PKG_VERSION"),
        config,
        decay_in_other_convention: optim
            .filter(|o| o.method().decay_kind() == DecayKind::Decoupled)
            .map(|o| o.other_convention()),
    })?;
    write_atomic(path, json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_leave_a_missing_validation_empty() {
        let r = EpochRecord {
            epoch: 2,
            train_loss: 0.25,
            val_accuracy: None,
            test_loss: 0.125,
            test_accuracy: 0.9875,
            weight_norm: 31.5,
            seconds: 1.5,
            test_predictions: None,
        };
        assert_eq!(csv::line(&r).unwrap(), "2,0.25,,0.125,0.9875,31.5,1.500\n");
        let with_val = EpochRecord {
            val_accuracy: Some(0.5),
            ..r.clone()
        };
        let text = format!(
            "{METRICS_HEADER}\n{}{}",
            csv::line(&r).unwrap(),
            csv::line(&with_val).unwrap()
        );
        let back = csv::parse_rows(
            Path::new("metrics.csv"),
            &text,
            METRICS_HEADER,
            TornTail::Keep,
            EpochRecord::check,
        )
        .unwrap();
        assert_eq!(back, vec![r, with_val]);
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
            test_predictions: None,
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

    #[test]
    fn impossible_records_are_refused_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let text = format!("{METRICS_HEADER}\n1,0.5,,0.4,1.7,10,0.1\n");
        std::fs::write(&path, text).unwrap();
        let e = read_metrics(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("line 2: test_accuracy 1.7 is not in [0, 1]"),
            "{e}"
        );
    }
}
