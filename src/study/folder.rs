//! The files that make a folder a study: `study.json` (the shared settings; a folder refuses
//! cells of other settings) and `equivalence.json` (the equivalence check).

use super::results::read_results;
use super::settings::{read_study, settings_diff};
use super::Settings;
use crate::error::usage;
use crate::util::fs::{check_writable_dir, write_atomic};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Makes `dir` the folder of a study with `settings` (which record the data they train on):
/// writes `study.json` if there is none, or checks that the one there has the same settings.
/// The file is created whole and only if it does not exist, so of two sweeps started together
/// on a new folder one writes it and the other is checked against it. A folder that holds
/// results but no `study.json` is refused: its rows cannot be matched to any settings.
pub(crate) fn claim_study_dir(dir: &Path, settings: &Settings) -> anyhow::Result<()> {
    // A folder that cannot be made or written is a wrong --out, as for `wdlab train` (exit 2).
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(format!(
            "--out {}: cannot create the study folder: {e}; choose a folder you can write to",
            dir.display()
        ))
    })?;
    check_writable_dir(dir, "--out", dir)?;
    let path = dir.join("study.json");
    if !path.exists() {
        let rows = read_results(dir)?.len();
        if rows > 0 {
            return Err(usage(format!(
                "{} holds {rows} results rows but no study.json, so nothing says which \
                 settings and data they come from. Restore its study.json (from a backup or \
                 git), or move the results files away to start the study afresh",
                dir.display()
            )));
        }
        let json = serde_json::to_string_pretty(settings)?;
        match create_new(&path, json.as_bytes()) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
        }
    }
    let old = read_study(dir)?;
    if &old == settings {
        return Ok(());
    }
    if old.data_fingerprint().is_none()
        && old.with_data(settings.data_fingerprint().map(str::to_string)) == *settings
    {
        return Err(usage(format!(
            "{} was written by an earlier wdlab and does not record its data. If its cells were \
             trained on the data given now, add \"data_fingerprint\": \"{}\" to it; otherwise \
             use another --out folder",
            path.display(),
            settings.data_fingerprint().unwrap_or("")
        )));
    }
    let diff = settings_diff(&old, settings, ("there", "now"))?;
    Err(usage(format!(
        "{} already holds a study with other settings ({}). Cells of different settings \
         cannot be merged: use another --out folder, or the settings of that study (a \
         different grid of lr × decay × seed with the same settings is merged)",
        dir.display(),
        diff.join("; ")
    )))
}

/// Writes `bytes` to a new file at `path`, whole, failing with `AlreadyExists` if there is one:
/// the bytes go to a temporary file first, which is then linked to `path` (a link never
/// replaces an existing file).
fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_file_name(format!(".study.json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked
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
    /// max |θ_a − θ_a'| after one epoch, a' being run a with α × (1 + 2⁻²⁰): how
    /// far this epoch carries a change of rounding size (absent in folders written before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rounding_diff: Option<f64>,
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
    /// The SGD pair again with the study's SGD momentum, when it has one: with momentum the
    /// two are different algorithms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sgd_momentum: Option<EquivalencePair>,
}

/// Reads `DIR/equivalence.json`, if the check has run.
pub(crate) fn read_equivalence(dir: &Path) -> anyhow::Result<Option<Equivalence>> {
    let path = dir.join("equivalence.json");
    if !path.exists() {
        return Ok(None);
    }
    let fix = format!(
        "`wdlab report {} --equivalence` computes it afresh",
        crate::util::fmt::shell_word(dir)
    );
    if path.is_dir() {
        return Err(usage(format!(
            "{} is a folder, where the equivalence check's file belongs; move it away ({fix})",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {} ({fix})", path.display()))?;
    Ok(Some(serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a wdlab equivalence check ({fix})",
            path.display()
        )
    })?))
}

/// Before the check is computed afresh: an `equivalence.json` that cannot be read is set
/// aside as `equivalence.json.unreadable` (it would stop the folder's analysis, and it is
/// about to be replaced), with a warning; a folder of that name is refused.
pub(crate) fn set_aside_unreadable_equivalence(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join("equivalence.json");
    match read_equivalence(dir) {
        Err(e) if path.is_file() => {
            let aside = dir.join("equivalence.json.unreadable");
            std::fs::rename(&path, &aside)
                .with_context(|| format!("cannot move {} aside", path.display()))?;
            eprintln!(
                "warning: {e:#}; moved to {} and computed afresh",
                aside.display()
            );
            Ok(())
        }
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
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
        let other = Settings::tiny().rebuild().epochs(5).build().unwrap();
        let e = claim_study_dir(dir.path(), &other).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("epochs: 2 there, 5 now"), "{e}");
    }
}
