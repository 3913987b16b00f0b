//! The settings every cell of a study shares (`study.json`): everything that changes a cell's
//! result except its own (method, lr, decay, seed).

use super::Execution;
use crate::data::LabelNoise;
use crate::error::usage;
use crate::nn::Norm;
use crate::optim::{Hyper, Method, OptimConfig, Rule, Schedule, WdScaling};
use crate::train::{DataConfig, RunBuilder, RunConfig};
use crate::util::fmt::{count, percent_text};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The settings every cell of a study shares, checked when built ([`Settings::rebuild`]).
/// Stored as `study.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
    /// Train on the first N training images (None: all that the validation split leaves).
    train_size: Option<usize>,
    /// The last N training images, held out for selecting hyper-parameters.
    val_size: usize,
    epochs: usize,
    batch_size: usize,
    hidden: Vec<usize>,
    /// Normalisation of the hidden layers (left out of study.json when none).
    #[serde(default, skip_serializing_if = "Norm::is_none")]
    norm: Norm,
    /// The training rule every cell shares: schedule, decay convention, hyper-parameters
    /// (SGD momentum 0 is plain SGD, where SGD + L2 equals SGDW exactly), biases.
    #[serde(flatten)]
    rule: Rule,
    /// Fraction of the training labels replaced by a wrong class (0: clean labels).
    #[serde(default, skip_serializing_if = "is_zero")]
    label_noise: f64,
    /// The seed that picks the noisy labels, apart from the run seeds.
    #[serde(default, skip_serializing_if = "is_zero_seed")]
    data_seed: u64,
    /// The SHA-256 fingerprint of the data every cell trains on ([`crate::data::Mnist`]); set
    /// by the sweep once the data is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_fingerprint: Option<String>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_zero_seed(x: &u64) -> bool {
    *x == 0
}

/// [`Settings`] being changed, each value by name; checked by [`SettingsBuilder::build`].
#[derive(Debug, Clone)]
pub(crate) struct SettingsBuilder(Settings);

impl SettingsBuilder {
    pub(crate) fn train_size(mut self, n: Option<usize>) -> Self {
        self.0.train_size = n;
        self
    }

    pub(crate) fn val_size(mut self, n: usize) -> Self {
        self.0.val_size = n;
        self
    }

    pub(crate) fn epochs(mut self, n: usize) -> Self {
        self.0.epochs = n;
        self
    }

    pub(crate) fn batch_size(mut self, n: usize) -> Self {
        self.0.batch_size = n;
        self
    }

    pub(crate) fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.0.hidden = hidden;
        self
    }

    pub(crate) fn norm(mut self, norm: Norm) -> Self {
        self.0.norm = norm;
        self
    }

    pub(crate) fn rule(mut self, rule: Rule) -> Self {
        self.0.rule = rule;
        self
    }

    pub(crate) fn label_noise(mut self, fraction: f64) -> Self {
        self.0.label_noise = fraction;
        self
    }

    pub(crate) fn data_seed(mut self, seed: u64) -> Self {
        self.0.data_seed = seed;
        self
    }

    /// The settings, or the first value that makes no sense, named as its flag.
    pub(crate) fn build(self) -> anyhow::Result<Settings> {
        self.0.check()?;
        Ok(self.0)
    }
}

impl Settings {
    /// A builder that starts from these settings.
    pub(crate) fn rebuild(&self) -> SettingsBuilder {
        SettingsBuilder(self.clone())
    }

    pub(crate) fn train_size(&self) -> Option<usize> {
        self.train_size
    }

    pub(crate) fn val_size(&self) -> usize {
        self.val_size
    }

    pub(crate) fn epochs(&self) -> usize {
        self.epochs
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch_size
    }

    pub(crate) fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    pub(crate) fn norm(&self) -> Norm {
        self.norm
    }

    pub(crate) fn rule(&self) -> &Rule {
        &self.rule
    }

    pub(crate) fn schedule(&self) -> Schedule {
        self.rule.schedule()
    }

    pub(crate) fn wd_scaling(&self) -> WdScaling {
        self.rule.wd_scaling()
    }

    /// SGD's momentum of the study (0: plain SGD).
    pub(crate) fn momentum(&self) -> f64 {
        self.rule.hyper(Hyper::Momentum)
    }

    pub(crate) fn label_noise(&self) -> f64 {
        self.label_noise
    }

    pub(crate) fn data_seed(&self) -> u64 {
        self.data_seed
    }

    pub(crate) fn data_fingerprint(&self) -> Option<&str> {
        self.data_fingerprint.as_deref()
    }

    /// These settings, recording the data they train on.
    pub(crate) fn with_data(&self, fingerprint: Option<String>) -> Settings {
        Settings {
            data_fingerprint: fingerprint,
            ..self.clone()
        }
    }

    /// The optimiser of one cell ([`OptimConfig::under`] the study's rule), checked.
    pub(crate) fn optim(&self, method: Method, lr: f64, decay: f64) -> anyhow::Result<OptimConfig> {
        OptimConfig::under(method, lr, decay, &self.rule)
    }

    /// The run of the cell with `seed`, as `how` trains it.
    pub(crate) fn run_config(&self, seed: u64, how: &Execution) -> anyhow::Result<RunConfig> {
        self.run_shape()
            .seed(seed)
            .device(how.device())
            .eval_every(how.eval_every())
            .build()
    }

    /// A run of these settings' length and network.
    fn run_shape(&self) -> RunBuilder {
        RunConfig::builder()
            .epochs(self.epochs)
            .batch_size(self.batch_size)
            .hidden(self.hidden.clone())
            .norm(self.norm)
    }

    /// The data every cell trains on: the study's split of the files in `how.data_dir`.
    pub(crate) fn data_config(&self, how: &Execution) -> anyhow::Result<DataConfig> {
        DataConfig::from_dir(how.data_dir(), self.val_size, self.train_size)
            .with_label_noise(self.label_noise, self.data_seed)
    }

    /// Checks the settings the way `wdlab train` checks its flags: the run's length and
    /// network as a run's, the split, the label noise, and the shared hyper-parameters as
    /// each method checks its own (every method's cell at its default α without decay).
    fn check(&self) -> anyhow::Result<()> {
        self.run_shape().build()?;
        if self.val_size == 0 {
            return Err(usage(
                "--val-size 0: the study selects hyper-parameters on a validation split; give \
                 --val-size N (10000 is the default)",
            ));
        }
        if self.train_size == Some(0) {
            return Err(usage("--train-size 0 trains nothing"));
        }
        LabelNoise::new(self.label_noise, self.data_seed).map_err(usage)?;
        self.rule.check()?;
        for m in Method::ALL {
            self.optim(m, m.default_lr(), 0.0)?;
        }
        Ok(())
    }

    /// Settings read from a file (a preset, a study.json), checked as if built.
    pub(crate) fn checked(self) -> anyhow::Result<Settings> {
        self.check()?;
        Ok(self)
    }

    /// A short hash of these settings and `extra`: the name of a folder the user did not
    /// name, so changing a flag starts a new folder instead of being refused.
    pub(crate) fn tag(&self, extra: &str) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).unwrap_or_default();
        let h = Sha256::digest(format!("{json}{extra}").as_bytes());
        h.iter().take(4).map(|b| format!("{b:02x}")).collect()
    }

    /// `, 30 % of the training labels (600 of 2000) replaced …`, or nothing without noise.
    fn noise_text(&self) -> String {
        if self.label_noise <= 0.0 {
            return String::new();
        }
        let replaced = match (self.train_size, LabelNoise::new(self.label_noise, 0)) {
            (Some(n), Ok(noise)) => format!(" ({} of {n})", noise.count(n)),
            _ => String::new(),
        };
        format!(
            ", {} of the training labels{replaced} replaced by a wrong class (data seed {})",
            percent_text(self.label_noise),
            self.data_seed
        )
    }

    /// One line for humans.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} training images ({} validation){}, {} of batch {}, MLP 784-{}-10{}, {} schedule{}{}",
            self.train_size
                .map_or("all".to_string(), |n| n.to_string()),
            self.val_size,
            self.noise_text(),
            count(self.epochs, "epoch"),
            self.batch_size,
            self.hidden
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            match self.norm {
                Norm::None => "",
                Norm::Layer => " with LayerNorm before each ReLU",
            },
            self.rule.schedule(),
            if self.momentum() > 0.0 {
                format!(", SGD momentum {}", self.momentum())
            } else {
                String::new()
            },
            match self.rule.wd_scaling() {
                WdScaling::Paper => ", λ' in the paper's convention (PyTorch's weight_decay is λ'/α)",
                WdScaling::Lr => ", decoupled decay scaled by α (PyTorch convention; the paper's λ' is α·λ_pt)",
            }
        )
    }
}

/// The settings that differ between `a` and `b`, each as `key: A there, B now` (with the two
/// words of `labels`).
pub(crate) fn settings_diff(
    a: &Settings,
    b: &Settings,
    labels: (&str, &str),
) -> anyhow::Result<Vec<String>> {
    let (a, b) = (serde_json::to_value(a)?, serde_json::to_value(b)?);
    let keys: std::collections::BTreeSet<&String> = a
        .as_object()
        .into_iter()
        .chain(b.as_object())
        .flat_map(|o| o.keys())
        .collect();
    let show = |v: Option<&serde_json::Value>| v.map_or("none".into(), |v| v.to_string());
    Ok(keys
        .into_iter()
        .filter(|k| a.get(k.as_str()) != b.get(k.as_str()))
        .map(|k| {
            format!(
                "{k}: {} {}, {} {}",
                show(a.get(k.as_str())),
                labels.0,
                show(b.get(k.as_str())),
                labels.1
            )
        })
        .collect())
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
    let settings: Settings = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a wdlab study", path.display()))?;
    settings
        .checked()
        .with_context(|| format!("{} holds settings no study can have", path.display()))
}

#[cfg(test)]
impl Settings {
    /// Small settings for unit tests: `quick`'s with 100 images, 2 epochs, 8 hidden units.
    pub(crate) fn tiny() -> Self {
        crate::study::preset(crate::study::Preset::Quick)
            .settings
            .rebuild()
            .train_size(Some(100))
            .val_size(100)
            .epochs(2)
            .batch_size(32)
            .hidden(vec![8])
            .build()
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Momentum, β₁, β₂ and ε read from a file are checked as each method checks its own,
    /// with its messages; a rule cannot be given them.
    #[test]
    fn shared_hyper_parameters_are_checked_as_each_method_checks_them() {
        let tiny = serde_json::to_value(Settings::tiny()).unwrap();
        for (key, v, says) in [
            ("momentum", 1.0, "--momentum must be in [0, 1), got 1"),
            ("beta2", 1.5, "--beta2 must be in [0, 1), got 1.5"),
        ] {
            let mut file = tiny.clone();
            file[key] = serde_json::json!(v);
            let s: Settings = serde_json::from_value(file).unwrap();
            let e = s.checked().unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2);
            assert!(e.to_string().contains(says), "{e}");
        }
        let e = Settings::tiny()
            .rule()
            .clone()
            .with_hyper(Hyper::Momentum, 1.0)
            .unwrap_err();
        assert!(
            e.to_string().contains("--momentum must be in [0, 1)"),
            "{e}"
        );
    }

    /// study.json's keys: the rule's among the others, one key per hyper-parameter.
    #[test]
    fn study_json_holds_the_rule_flat() {
        let json = serde_json::to_value(Settings::tiny()).unwrap();
        for key in [
            "schedule",
            "wd_scaling",
            "momentum",
            "beta1",
            "beta2",
            "eps",
            "decay_biases",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        let back: Settings = serde_json::from_value(json).unwrap();
        assert_eq!(back, Settings::tiny());
    }
}
