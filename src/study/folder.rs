//! The files that make a folder a study: `study.json` (the shared settings; a folder refuses
//! cells of other settings) and `equivalence.json` (the equivalence check).

use super::Settings;
use crate::error::usage;
use crate::util::fs::write_atomic;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Writes `study.json` into `dir`, or checks that the one there has the same settings.
pub(crate) fn claim_study_dir(dir: &Path, settings: &Settings) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the study folder {}", dir.display()))?;
    let path = dir.join("study.json");
    if path.exists() {
        let old = read_study(dir)?;
        if &old != settings {
            let (a, b) = (serde_json::to_value(&old)?, serde_json::to_value(settings)?);
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
    write_atomic(&path, serde_json::to_string_pretty(settings)?.as_bytes())
}

/// Reads `DIR/study.json`.
pub(crate) fn read_study(dir: &Path) -> anyhow::Result<Settings> {
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

/// One pair of the equivalence check ([`super::equivalence`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EquivalencePair {
    /// e.g. "SGD + L2 (α = 0.1, λ = 1e-3) vs SGDW (α = 0.1, λ' = 1e-4)".
    pub(crate) title: String,
    pub(crate) a_label: String,
    pub(crate) b_label: String,
    /// Steps of the one-epoch runs whose parameters are compared.
    pub(crate) steps: usize,
    /// max |θ_a − θ_b| over all parameters after one epoch.
    pub(crate) max_param_diff: f64,
    /// max |θ_a| after one epoch (the scale of the difference).
    pub(crate) max_param: f64,
    /// Evaluated epochs of the full runs and their test accuracies (fractions).
    pub(crate) epochs: Vec<usize>,
    pub(crate) test_a: Vec<f64>,
    pub(crate) test_b: Vec<f64>,
}

impl EquivalencePair {
    /// Largest gap between the two test-accuracy curves, in points.
    pub(crate) fn max_curve_gap(&self) -> f64 {
        self.test_a
            .iter()
            .zip(&self.test_b)
            .map(|(a, b)| 100.0 * (a - b).abs())
            .fold(0.0, f64::max)
    }
}

/// `DIR/equivalence.json`: the SGD pair (claim 1) and the Adam pair (contrast).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Equivalence {
    pub(crate) sgd: EquivalencePair,
    pub(crate) adam: Option<EquivalencePair>,
}

/// Reads `DIR/equivalence.json`, if the check has run.
pub(crate) fn read_equivalence(dir: &Path) -> anyhow::Result<Option<Equivalence>> {
    let path = dir.join("equivalence.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)?;
    Ok(Some(serde_json::from_str(&text).with_context(|| {
        format!("{} is not a wdlab equivalence check", path.display())
    })?))
}

/// Writes `DIR/equivalence.json`.
pub(crate) fn write_equivalence(dir: &Path, eq: &Equivalence) -> anyhow::Result<()> {
    write_atomic(
        &dir.join("equivalence.json"),
        serde_json::to_string_pretty(eq)?.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_study_folder_refuses_other_settings_and_accepts_the_same() {
        let dir = tempfile::tempdir().unwrap();
        claim_study_dir(dir.path(), &Settings::tiny()).unwrap();
        claim_study_dir(dir.path(), &Settings::tiny()).unwrap();
        let other = Settings {
            epochs: 5,
            ..Settings::tiny()
        };
        let e = claim_study_dir(dir.path(), &other).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("epochs: 2 there, 5 now"), "{e}");
    }
}
