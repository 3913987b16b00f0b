//! A stored row checked before it becomes a [`ResultRow`]: every value one wdlab can have
//! written, or an error that says which is not.

use super::{ResultRecord, ResultRow, Status};
use crate::optim::{Method, COEFFICIENTS};
use crate::study::Cell;
use crate::train::EXPLODED_LOSS;
use crate::util::fmt::exact;

impl ResultRecord {
    /// The row, if every value is one wdlab can have written: a known method and status, a
    /// learning rate and decay a run can train with ([`COEFFICIENTS`]), accuracies in [0, 1],
    /// a loss no larger than a run survives and norms f32 can hold, and the accuracies
    /// present exactly when the cell finished.
    pub(super) fn check(self) -> anyhow::Result<ResultRow> {
        let method: Method = self.method.parse()?;
        let status = match self.status.as_str() {
            "ok" => Status::Ok,
            "diverged" => Status::Diverged,
            other => anyhow::bail!("unknown status {other:?} (ok or diverged)"),
        };
        self.check_coefficients()?;
        self.check_measures()?;
        self.check_status(status)?;
        Ok(ResultRow {
            cell: Cell::new(method, self.lr, self.decay, self.seed),
            epochs: self.epochs,
            val_accuracy: self.val_accuracy,
            test_accuracy: self.test_accuracy,
            train_loss: self.train_loss,
            weight_norm: self.weight_norm,
            status,
            seconds: self.seconds,
        })
    }

    /// The learning rate is positive, the decay ≥ 0, and each 0 or within [`COEFFICIENTS`].
    fn check_coefficients(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.lr.is_finite() && self.lr > 0.0,
            "learning rate {} is not a positive number",
            exact(self.lr)
        );
        anyhow::ensure!(
            self.decay.is_finite() && self.decay >= 0.0,
            "decay {} is not a number ≥ 0",
            exact(self.decay)
        );
        for (what, v) in [("learning rate", self.lr), ("decay", self.decay)] {
            anyhow::ensure!(
                v == 0.0 || COEFFICIENTS.contains(&v),
                "{what} {} is outside what a run can train with (f32: 1.2e-38 to 3.4e38)",
                exact(v)
            );
        }
        Ok(())
    }

    /// Accuracies in [0, 1]; loss, norm and seconds finite and ≥ 0; loss and norm values an
    /// f32 run can finish with.
    fn check_measures(&self) -> anyhow::Result<()> {
        for (what, v) in [
            ("val_accuracy", self.val_accuracy),
            ("test_accuracy", self.test_accuracy),
        ] {
            if let Some(v) = v {
                anyhow::ensure!((0.0..=1.0).contains(&v), "{what} {v} is not in [0, 1]");
            }
        }
        for (what, v) in [
            ("train_loss", self.train_loss),
            ("weight_norm", self.weight_norm),
            ("seconds", Some(self.seconds)),
        ] {
            if let Some(v) = v {
                anyhow::ensure!(
                    v.is_finite() && v >= 0.0,
                    "{what} {} is not a number ≥ 0",
                    exact(v)
                );
            }
        }
        // An f32 loss or norm is 0 or at least the smallest f32; a finished run's mean loss is
        // at most the loss that counts as divergence.
        let f32_tiny = f64::from(f32::from_bits(1));
        for (what, v, most) in [
            ("train_loss", self.train_loss, f64::from(EXPLODED_LOSS)),
            ("weight_norm", self.weight_norm, f64::from(f32::MAX)),
        ] {
            if let Some(v) = v {
                anyhow::ensure!(
                    v == 0.0 || (f32_tiny..=most).contains(&v),
                    "{what} {} is not a value a finished run can have (0, or {} to {})",
                    exact(v),
                    exact(f32_tiny),
                    exact(most)
                );
            }
        }
        Ok(())
    }

    /// A test accuracy exactly when the cell finished, and a val_accuracy with it.
    fn check_status(&self, status: Status) -> anyhow::Result<()> {
        let finished = self.test_accuracy.is_some();
        anyhow::ensure!(
            finished == (status == Status::Ok),
            "status {} with{} a test accuracy",
            self.status,
            if finished { "" } else { "out" }
        );
        anyhow::ensure!(
            status != Status::Ok || self.val_accuracy.is_some(),
            "status ok without a val_accuracy: every study cell is scored on its validation \
             split, so this row cannot be selected or reported; delete it to retrain the cell"
        );
        Ok(())
    }
}
