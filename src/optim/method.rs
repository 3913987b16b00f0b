//! The methods the project compares: the registry ([`Method`], one line per method). What a
//! method is, [`MethodDef`], is in [`super::method_def`]; each method's definition lives in its
//! direction's file ([`super::sgd`], [`super::adam`], [`super::lion`]); code outside the definitions asks the method (its decay
//! kind, the hyper-parameters it takes, its defaults) instead of testing which one it is.
//!
//! A method is a direction (momentum SGD, Adam, …) and a place for the decay
//! ([`DecayKind`]): before the direction (L2, g ← g + λθ) or after it (decoupled,
//! θ ← θ − η_t·λ'·θ). Each L2 method has a decoupled partner with the same direction
//! ([`Method::PAIRS`]), the comparison every claim makes.

use super::method_def::{DecayKind, MethodDef};
use super::Hyper;
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
    /// Lion (Chen et al. 2023) on the L2-regularised loss: `--l2 λ`, added before the sign.
    Lion,
    /// Lion with decoupled weight decay (Chen et al. 2023, Alg. 1): `--wd λ'`.
    Lionw,
}

impl Method {
    /// Every method, in the order of results files (a method's position seeds its
    /// bootstrap stream: new methods go at the end).
    pub const ALL: [Method; 6] = [
        Method::Sgd,
        Method::Sgdw,
        Method::Adam,
        Method::Adamw,
        Method::Lion,
        Method::Lionw,
    ];

    /// Each L2 method with its decoupled partner: the pairs every claim compares.
    pub const PAIRS: [(Method, Method); 3] = [
        (Method::Sgd, Method::Sgdw),
        (Method::Adam, Method::Adamw),
        (Method::Lion, Method::Lionw),
    ];

    /// One line for `--help`.
    pub(crate) fn help(self) -> &'static str {
        self.def().help()
    }

    /// The method's definition: the registry.
    pub(crate) fn def(self) -> &'static dyn MethodDef {
        use super::{adam, lion, sgd};
        match self {
            Method::Sgd => &sgd::Sgd(DecayKind::L2),
            Method::Sgdw => &sgd::Sgd(DecayKind::Decoupled),
            Method::Adam => &adam::Adam(DecayKind::L2),
            Method::Adamw => &adam::Adam(DecayKind::Decoupled),
            Method::Lion => &lion::Lion(DecayKind::L2),
            Method::Lionw => &lion::Lion(DecayKind::Decoupled),
        }
    }

    /// The name on the command line and in results files.
    pub fn name(self) -> &'static str {
        self.def().name()
    }

    /// A readable label for tables and legends.
    pub fn label(self) -> &'static str {
        self.def().label()
    }

    /// Where this method's decay sits relative to its direction.
    pub fn decay_kind(self) -> DecayKind {
        self.def().decay_kind()
    }

    /// True when the method takes the hyper-parameter `h`.
    pub(crate) fn takes(self, h: Hyper) -> bool {
        self.def().hypers().contains(&h)
    }

    /// The method of the same direction with the other decay kind.
    pub(crate) fn partner(self) -> Method {
        Method::PAIRS
            .into_iter()
            .find_map(|(a, b)| match self {
                m if m == a => Some(b),
                m if m == b => Some(a),
                _ => None,
            })
            .unwrap_or(self)
    }

    /// The name of the decay flag this method takes.
    pub(crate) fn decay_flag(self) -> &'static str {
        match self.decay_kind() {
            DecayKind::Decoupled => "--wd",
            DecayKind::L2 => "--l2",
        }
    }

    /// The short name of this method's decay in run and folder names: `wd` or `l2`.
    pub(crate) fn decay_key(self) -> &'static str {
        match self.decay_kind() {
            DecayKind::Decoupled => "wd",
            DecayKind::L2 => "l2",
        }
    }

    /// The symbol of this method's decay coefficient: λ' (decoupled) or λ (L2).
    pub(crate) fn decay_symbol(self) -> &'static str {
        match self.decay_kind() {
            DecayKind::Decoupled => "λ'",
            DecayKind::L2 => "λ",
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
        self.def().default_lr()
    }

    /// The method names joined for messages: `sgd, sgdw, adam or adamw`.
    pub(crate) fn names_listed() -> String {
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
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
                    "unknown method {s:?}: use {}",
                    Method::names_listed()
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
        let e = "rmsprop".parse::<Method>().unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(
            e.to_string()
                .contains("use sgd, sgdw, adam, adamw, lion or lionw"),
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

    /// Every pair is one direction with the decay in both places, and every method is in
    /// exactly one pair: the registry is consistent.
    #[test]
    fn every_method_is_in_one_pair_of_one_direction() {
        for m in Method::ALL {
            let pairs = Method::PAIRS
                .iter()
                .filter(|(a, b)| *a == m || *b == m)
                .count();
            assert_eq!(pairs, 1, "{m}");
            let p = m.partner();
            assert_ne!(p, m);
            assert_eq!(p.partner(), m);
            assert_eq!(p.def().direction_name(), m.def().direction_name());
            assert_eq!(p.def().hypers(), m.def().hypers());
            assert_ne!(p.decay_kind(), m.decay_kind());
        }
        for (l2, dec) in Method::PAIRS {
            assert_eq!(
                (l2.decay_kind(), dec.decay_kind()),
                (DecayKind::L2, DecayKind::Decoupled)
            );
        }
    }
}
