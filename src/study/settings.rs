//! The settings every cell of a study shares (`study.json`): everything that changes a cell's
//! result except its own (method, lr, decay, seed).

use super::Execution;
use crate::data::LabelNoise;
use crate::error::usage;
use crate::nn::Norm;
use crate::optim::{Hyper, Method, OptimConfig, Schedule, WdScaling, TORCH_DEFAULTS};
use crate::train::{DataConfig, Engine, RunConfig};
use crate::util::fmt::{count, percent_text};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The settings every cell of a study shares. Stored as `study.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
    /// Train on the first N training images (None: all that the validation split leaves).
    pub(crate) train_size: Option<usize>,
    /// The last N training images, held out for selecting hyper-parameters.
    pub(crate) val_size: usize,
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) hidden: Vec<usize>,
    /// Normalisation of the hidden layers (left out of study.json when none).
    #[serde(default, skip_serializing_if = "Norm::is_none")]
    pub(crate) norm: Norm,
    pub(crate) schedule: Schedule,
    /// SGD momentum of sgd and sgdw (0: plain SGD, where SGD+L2 equals SGDW exactly).
    pub(crate) momentum: f64,
    pub(crate) wd_scaling: WdScaling,
    pub(crate) beta1: f64,
    pub(crate) beta2: f64,
    pub(crate) eps: f64,
    pub(crate) decay_biases: bool,
    /// Fraction of the training labels replaced by a wrong class (0: clean labels).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) label_noise: f64,
    /// The seed that picks the noisy labels, apart from the run seeds.
    #[serde(default, skip_serializing_if = "is_zero_seed")]
    pub(crate) data_seed: u64,
    /// The SHA-256 fingerprint of the data every cell trains on ([`crate::data::Mnist`]); set
    /// by the sweep once the data is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) data_fingerprint: Option<String>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_zero_seed(x: &u64) -> bool {
    *x == 0
}

impl Settings {
    /// These settings, recording the data they train on.
    pub(crate) fn with_data(&self, fingerprint: Option<String>) -> Settings {
        Settings {
            data_fingerprint: fingerprint,
            ..self.clone()
        }
    }

    /// The optimiser of one cell: the method's defaults, with the study's momentum where the
    /// method takes it and the study's β₁, β₂, ε (Adam's) for every method whose own defaults
    /// are Adam's (the SGD methods record them unused); a method with its own (Lion's β₂ 0.99)
    /// keeps them.
    pub(crate) fn optim(&self, method: Method, lr: f64, decay: f64) -> OptimConfig {
        let own = OptimConfig::new(method, lr, decay);
        let adams = method.def().defaults().betas() == TORCH_DEFAULTS.betas();
        OptimConfig {
            wd_scaling: self.wd_scaling,
            schedule: self.schedule,
            momentum: if method.takes(Hyper::Momentum) {
                self.momentum
            } else {
                own.momentum
            },
            beta1: if adams { self.beta1 } else { own.beta1 },
            beta2: if adams { self.beta2 } else { own.beta2 },
            eps: if adams { self.eps } else { own.eps },
            decay_biases: self.decay_biases,
            ..own
        }
    }

    /// The run of the cell with `seed`, as `how` trains it.
    pub(crate) fn run_config(&self, seed: u64, how: &Execution) -> RunConfig {
        RunConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            hidden: self.hidden.clone(),
            norm: self.norm,
            seed,
            device: how.device,
            eval_every: how.eval_every,
            engine: Engine::Auto,
        }
    }

    /// The data every cell trains on: the study's split of the files in `how.data_dir`.
    pub(crate) fn data_config(&self, how: &Execution) -> anyhow::Result<DataConfig> {
        DataConfig::from_dir(&how.data_dir, self.val_size, self.train_size)
            .with_label_noise(self.label_noise, self.data_seed)
    }

    /// Checks the shared settings the way `wdlab train` checks its flags, before anything is
    /// written or trained.
    pub(crate) fn validate(&self, how: &Execution) -> anyhow::Result<()> {
        self.run_config(0, how).validate()?;
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
        // The shared hyper-parameters (momentum, β₁, β₂, ε) are checked where each method
        // checks its own, once: every method's cell at its default α without decay.
        for m in Method::ALL {
            self.optim(m, m.default_lr(), 0.0).validate()?;
        }
        Ok(())
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
            self.schedule,
            if self.momentum > 0.0 {
                format!(", SGD momentum {}", self.momentum)
            } else {
                String::new()
            },
            match self.wd_scaling {
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
    serde_json::from_str(&text).with_context(|| format!("{} is not a wdlab study", path.display()))
}

#[cfg(test)]
impl Settings {
    /// Small settings for unit tests: `quick`'s with 100 images, 2 epochs, 8 hidden units.
    pub(crate) fn tiny() -> Self {
        Settings {
            train_size: Some(100),
            val_size: 100,
            epochs: 2,
            batch_size: 32,
            hidden: vec![8],
            ..crate::study::preset(crate::study::Preset::Quick).settings
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Momentum, β₁, β₂ and ε are checked by the methods' own validation, with its messages.
    #[test]
    fn shared_hyper_parameters_are_checked_as_each_method_checks_them() {
        let how = Execution::new(
            std::path::PathBuf::from("data/mnist"),
            crate::device::DeviceSpec::Cpu,
            1,
            true,
            None,
            Some(1),
        )
        .unwrap();
        Settings::tiny().validate(&how).unwrap();
        for (s, says) in [
            (
                Settings {
                    momentum: 1.0,
                    ..Settings::tiny()
                },
                "--momentum must be in [0, 1), got 1",
            ),
            (
                Settings {
                    beta2: 1.5,
                    ..Settings::tiny()
                },
                "--beta2 must be in [0, 1), got 1.5",
            ),
        ] {
            let e = s.validate(&how).unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2);
            assert!(e.to_string().contains(says), "{e}");
        }
    }
}
