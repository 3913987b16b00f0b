//! A fully resolved optimiser: the method and its hyper-parameters, with the defaults and the
//! checks every command shares.

use super::decay::{DecayMask, DecayTransform};
use super::{DecayKind, Method, Schedule};
use crate::error::usage;
use crate::util::fmt::{exact, readable, short};
use serde::{Deserialize, Serialize};

/// The learning rates and positive decay coefficients a run can train with: the updates are
/// computed in f32, where a smaller value is 0 and a larger one infinite. Results rows outside
/// it cannot come from a run ([`crate::study::results`]).
pub(crate) const COEFFICIENTS: std::ops::RangeInclusive<f64> =
    f32::MIN_POSITIVE as f64..=f32::MAX as f64;

/// The decoupled decay λ' a run of sgdw or adamw gets when none is given.
pub(crate) const DEFAULT_WD: f64 = 1e-4;

/// How a decoupled decay λ' is scaled per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WdScaling {
    /// Loshchilov & Hutter's convention: θ ← θ − η_t·λ'·θ, independent of α. SGDW with λ'
    /// then equals SGD + L2 with λ = λ'/α.
    Paper,
    /// PyTorch's, candle's and optax's convention: θ ← θ − η_t·α·λ'·θ. SGDW with λ' then
    /// equals SGD + L2 with λ = λ'.
    Lr,
}

impl WdScaling {
    pub(crate) const ALL: [WdScaling; 2] = [WdScaling::Paper, WdScaling::Lr];

    pub(crate) fn name(self) -> &'static str {
        match self {
            WdScaling::Paper => "paper",
            WdScaling::Lr => "lr",
        }
    }
}

impl std::fmt::Display for WdScaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a parameter is, as far as the decay cares: `--no-decay-biases` exempts biases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Weight,
    Bias,
}

/// A fully resolved optimiser: method and hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimConfig {
    pub method: Method,
    /// α, the learning rate.
    pub lr: f64,
    /// λ (L2 coefficient) for sgd and adam, λ' (decoupled decay) for sgdw and adamw.
    pub decay: f64,
    pub wd_scaling: WdScaling,
    pub schedule: Schedule,
    /// SGD momentum β (sgd, sgdw).
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Decay (or penalise) biases too; the regulariser ‖θ‖² covers every parameter.
    pub decay_biases: bool,
}

impl OptimConfig {
    /// A configuration with the method's defaults (for SGD and Adam, PyTorch's Adam constants
    /// and no momentum), a constant schedule and the paper's decay convention.
    pub fn new(method: Method, lr: f64, decay: f64) -> Self {
        let d = method.def().defaults();
        OptimConfig {
            method,
            lr,
            decay,
            wd_scaling: WdScaling::Paper,
            schedule: Schedule::Constant,
            momentum: d.momentum,
            beta1: d.beta1,
            beta2: d.beta2,
            eps: d.eps,
            decay_biases: true,
        }
    }

    /// The method's defaults where a value is not given: its default learning rate, and
    /// λ' = [`DEFAULT_WD`] for the decoupled methods, λ = 0 for the L2 ones.
    pub(crate) fn with_defaults(method: Method, lr: Option<f64>, decay: Option<f64>) -> Self {
        let default_decay = match method.decay_kind() {
            DecayKind::Decoupled => DEFAULT_WD,
            DecayKind::L2 => 0.0,
        };
        OptimConfig::new(
            method,
            lr.unwrap_or(method.default_lr()),
            decay.unwrap_or(default_decay),
        )
    }

    /// The decay as a transform: the method's kind, the coefficient, its convention and the
    /// mask `--no-decay-biases` sets.
    pub(crate) fn decay_transform(&self) -> DecayTransform {
        DecayTransform {
            kind: self.method.decay_kind(),
            coefficient: self.decay,
            scaling: self.wd_scaling,
            mask: DecayMask {
                biases: self.decay_biases,
            },
        }
    }

    /// How many state buffers each parameter needs (momentum; Adam's m and v).
    pub(crate) fn state_buffers(&self) -> usize {
        self.method.def().state_buffers(self)
    }

    /// One line for humans: the method with its update rule's coefficients.
    pub(crate) fn describe(&self) -> String {
        let decay = match self.method.decay_kind() {
            DecayKind::Decoupled => {
                format!("{}; {})", self.decay_convention(), self.other_convention())
            }
            DecayKind::L2 => format!("λ = {} (L2: g ← g + λθ)", exact(self.decay)),
        };
        let extra: Vec<String> = self
            .method
            .def()
            .hypers()
            .iter()
            .map(|h| format!("{} {}", h.symbol(), exact(h.value(self))))
            .collect();
        format!(
            "{} α = {}, {decay}, {}, {} schedule{}",
            self.method,
            exact(self.lr),
            extra.join(" "),
            self.schedule,
            if self.decay_biases {
                ""
            } else {
                ", biases exempt"
            }
        )
    }

    /// The decoupled decay as given, with its update and no closing parenthesis:
    /// `λ' = 0.0001 (paper: θ ← θ − η_t·λ'·θ`.
    fn decay_convention(&self) -> String {
        match self.wd_scaling {
            WdScaling::Paper => format!("λ' = {} (paper: θ ← θ − η_t·λ'·θ", exact(self.decay)),
            WdScaling::Lr => format!(
                "λ_pt = {} (PyTorch: θ ← θ − η_t·α·λ_pt·θ",
                exact(self.decay)
            ),
        }
    }

    /// The same decoupled decay in the other convention, so that a PyTorch user's
    /// `weight_decay` and the paper's λ' are never confused (λ' = α·λ_pt): e.g. `PyTorch's
    /// weight_decay λ_pt = λ'/α = 0.1`.
    pub(crate) fn other_convention(&self) -> String {
        match self.wd_scaling {
            WdScaling::Paper => format!(
                "PyTorch's weight_decay λ_pt = λ'/α = {}",
                readable(self.decay / self.lr)
            ),
            WdScaling::Lr => format!(
                "the paper's λ' = α·λ_pt = {}",
                readable(self.lr * self.decay)
            ),
        }
    }

    /// Refuses values that make no sense, naming the flag and the fix.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        let c = self;
        let finite = |flag: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(usage(format!("{flag} must be a finite number, got {v}")))
            }
        };
        for (flag, v) in [
            ("--lr", c.lr),
            (c.method.decay_flag(), c.decay),
            ("--momentum", c.momentum),
            ("--beta1", c.beta1),
            ("--beta2", c.beta2),
            ("--eps", c.eps),
        ] {
            finite(flag, v)?;
        }
        if c.lr <= 0.0 {
            let typical: Vec<String> = Method::PAIRS
                .iter()
                .map(|(l2, dec)| format!("{} for {l2}/{dec}", exact(l2.default_lr())))
                .collect();
            return Err(usage(format!(
                "--lr must be positive, got {}; typical values: {}",
                exact(c.lr),
                typical.join(", ")
            )));
        }
        let flag = c.method.decay_flag();
        for (flag, v) in [("--lr", c.lr), (flag, c.decay)] {
            if v > 0.0 && !COEFFICIENTS.contains(&v) {
                return Err(usage(format!(
                    "{flag} {} is outside what f32 arithmetic can train with ({} to {}): \
                     it would be 0 or infinite in every update",
                    exact(v),
                    short(*COEFFICIENTS.start()),
                    short(*COEFFICIENTS.end())
                )));
            }
        }
        if c.decay < 0.0 {
            return Err(usage(format!(
                "{flag} must be zero or positive, got {}: a negative coefficient pushes weights away \
                 from the origin",
                exact(c.decay)
            )));
        }
        c.check_decoupled_factor()?;
        c.method.def().validate(c)?;
        c.check_hypers()
    }

    /// A decoupled decay's per-step factor below 1.
    fn check_decoupled_factor(&self) -> anyhow::Result<()> {
        let c = self;
        if c.method.decay_kind() == DecayKind::Decoupled {
            // The per-step factor must stay below 1, or θ(1 − factor) flips sign or vanishes.
            let (factor, what) = match c.wd_scaling {
                WdScaling::Paper => (c.decay, format!("--wd {}", exact(c.decay))),
                WdScaling::Lr => (
                    c.lr * c.decay,
                    format!(
                        "--lr × --wd = {} × {} (--wd-scaling lr)",
                        exact(c.lr),
                        exact(c.decay)
                    ),
                ),
            };
            if factor >= 1.0 {
                return Err(usage(format!(
                    "{what} is a per-step decay of {} ≥ 1, which would zero or flip every weight \
                     each step; decoupled decay is a small fraction per step (e.g. --wd 1e-4)",
                    exact(factor)
                )));
            }
        }
        Ok(())
    }

    /// The direction's hyper-parameters in their ranges.
    fn check_hypers(&self) -> anyhow::Result<()> {
        let c = self;
        if !(0.0..1.0).contains(&c.momentum) {
            return Err(usage(format!(
                "--momentum must be in [0, 1), got {}",
                exact(c.momentum)
            )));
        }
        for (flag, b) in [("--beta1", c.beta1), ("--beta2", c.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(usage(format!("{flag} must be in [0, 1), got {}", exact(b))));
            }
        }
        if c.eps <= 0.0 {
            return Err(usage(format!(
                "--eps must be positive, got {}",
                exact(c.eps)
            )));
        }
        Ok(())
    }
}
