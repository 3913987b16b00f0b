//! The four methods the project compares, their names and their notation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// SGD (with optional momentum) on the L2-regularised loss: `--l2 λ`.
    Sgd,
    /// SGD with decoupled weight decay (SGDW, Loshchilov & Hutter Alg. 1): `--wd λ'`.
    Sgdw,
    /// Adam on the L2-regularised loss: `--l2 λ` (PyTorch's Adam(weight_decay=λ)).
    Adam,
    /// Adam with decoupled weight decay (AdamW, Loshchilov & Hutter Alg. 2): `--wd λ'`.
    Adamw,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Sgd, Method::Sgdw, Method::Adam, Method::Adamw];

    /// Each L2 method with its decoupled partner: the pairs every claim compares.
    pub const PAIRS: [(Method, Method); 2] =
        [(Method::Sgd, Method::Sgdw), (Method::Adam, Method::Adamw)];

    /// The name on the command line and in results files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Sgdw => "sgdw",
            Method::Adam => "adam",
            Method::Adamw => "adamw",
        }
    }

    /// True for the decoupled variants (sgdw, adamw), whose coefficient is λ' (`--wd`).
    pub fn is_decoupled(self) -> bool {
        matches!(self, Method::Sgdw | Method::Adamw)
    }

    /// True for the Adam family (adam, adamw).
    pub fn is_adaptive(self) -> bool {
        matches!(self, Method::Adam | Method::Adamw)
    }

    /// A readable label for tables and legends.
    pub fn label(self) -> &'static str {
        match self {
            Method::Sgd => "SGD + L2",
            Method::Sgdw => "SGDW",
            Method::Adam => "Adam + L2",
            Method::Adamw => "AdamW",
        }
    }

    /// The name of the decay flag this method takes.
    pub(crate) fn decay_flag(self) -> &'static str {
        if self.is_decoupled() {
            "--wd"
        } else {
            "--l2"
        }
    }

    /// The short name of this method's decay in run and folder names: `wd` or `l2`.
    pub(crate) fn decay_key(self) -> &'static str {
        if self.is_decoupled() {
            "wd"
        } else {
            "l2"
        }
    }

    /// The symbol of this method's decay coefficient: λ' (decoupled) or λ (L2).
    pub(crate) fn decay_symbol(self) -> &'static str {
        if self.is_decoupled() {
            "λ'"
        } else {
            "λ"
        }
    }

    /// A setting as legends and reports name it: `AdamW α=1e-3 λ'=1e-4`.
    pub(crate) fn setting_label(self, lr: f64, decay: f64) -> String {
        use crate::util::fmt::short;
        let (label, symbol) = (self.label(), self.decay_symbol());
        format!("{label} α={} {symbol}={}", short(lr), short(decay))
    }

    /// The learning rate a run of this method gets when none is given: 0.1 for SGD, 1e-3 for
    /// Adam (PyTorch's Adam default), both good for three epochs of the full MNIST.
    pub(crate) fn default_lr(self) -> f64 {
        if self.is_adaptive() {
            1e-3
        } else {
            0.1
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = anyhow::Error;

    /// The name in any case, surrounding spaces ignored.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        Method::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| {
                crate::error::usage(format!(
                    "unknown method {s:?}: use sgd, sgdw, adam or adamw"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_ones_are_usage_errors() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
            assert_eq!(m.to_string().to_uppercase().parse::<Method>().unwrap(), m);
        }
        let e = "lion".parse::<Method>().unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(
            e.to_string().contains("use sgd, sgdw, adam or adamw"),
            "{e}"
        );
    }

    #[test]
    fn the_decay_symbol_follows_the_family() {
        assert_eq!(Method::Sgd.decay_symbol(), "λ");
        assert_eq!(Method::Adamw.decay_symbol(), "λ'");
        assert_eq!(Method::Adam.decay_flag(), "--l2");
        assert_eq!(Method::Sgdw.decay_flag(), "--wd");
        assert_eq!(
            Method::Adamw.setting_label(1e-3, 1e-4),
            "AdamW α=1e-3 λ'=1e-4"
        );
        assert_eq!(Method::Sgd.setting_label(0.5, 0.0), "SGD + L2 α=5e-1 λ=0");
    }
}
