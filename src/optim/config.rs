//! A fully resolved optimiser: the method and its hyper-parameters, with the defaults and the
//! checks every command shares.

use super::decay::{DecayMask, DecayTransform};
use super::hyper::HyperValues;
use super::{DecayKind, Hyper, Method, Schedule};
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

/// The training rule beside the method, α and the decay: the decay's convention, the
/// schedule, the direction's hyper-parameters and the decay's mask. What a study's cells
/// share ([`crate::study::Settings`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    wd_scaling: WdScaling,
    schedule: Schedule,
    #[serde(flatten)]
    hypers: HyperValues,
    /// Decay (or penalise) biases too; the regulariser ‖θ‖² covers every parameter.
    decay_biases: bool,
}

impl Default for Rule {
    /// The paper's decay convention, a constant schedule, every hyper-parameter at its
    /// default, biases decayed.
    fn default() -> Self {
        Rule {
            wd_scaling: WdScaling::Paper,
            schedule: Schedule::Constant,
            hypers: HyperValues::default(),
            decay_biases: true,
        }
    }
}

impl Rule {
    pub fn wd_scaling(&self) -> WdScaling {
        self.wd_scaling
    }

    pub fn schedule(&self) -> Schedule {
        self.schedule
    }

    pub fn hyper(&self, h: Hyper) -> f64 {
        self.hypers.get(h)
    }

    pub fn decay_biases(&self) -> bool {
        self.decay_biases
    }

    pub fn with_wd_scaling(self, wd_scaling: WdScaling) -> Self {
        Rule { wd_scaling, ..self }
    }

    pub fn with_schedule(self, schedule: Schedule) -> Self {
        Rule { schedule, ..self }
    }

    pub fn with_decay_biases(self, decay_biases: bool) -> Self {
        Rule {
            decay_biases,
            ..self
        }
    }

    /// The rule with `h` = `v`, refused outside `h`'s range.
    pub fn with_hyper(self, h: Hyper, v: f64) -> anyhow::Result<Self> {
        h.check(v)?;
        Ok(Rule {
            hypers: self.hypers.with(h, v),
            ..self
        })
    }

    /// Refuses a hyper-parameter outside its range (a rule read from a file).
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        self.hypers.check()
    }
}

/// A fully resolved optimiser: method and hyper-parameters, checked when built
/// ([`OptimConfig::builder`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimConfig {
    method: Method,
    /// α, the learning rate.
    lr: f64,
    /// λ (L2 coefficient) for the L2 methods, λ' (decoupled decay) for the decoupled ones.
    decay: f64,
    #[serde(flatten)]
    rule: Rule,
}

/// An [`OptimConfig`] being built: the method's defaults, changed by name, checked by
/// [`OptimBuilder::build`].
#[derive(Debug, Clone)]
pub struct OptimBuilder(OptimConfig);

impl OptimBuilder {
    pub fn lr(mut self, lr: f64) -> Self {
        self.0.lr = lr;
        self
    }

    pub fn decay(mut self, decay: f64) -> Self {
        self.0.decay = decay;
        self
    }

    /// Sets hyper-parameter `h` (checked by `build`).
    pub fn hyper(mut self, h: Hyper, v: f64) -> Self {
        self.0.rule.hypers = self.0.rule.hypers.with(h, v);
        self
    }

    pub fn wd_scaling(mut self, wd_scaling: WdScaling) -> Self {
        self.0.rule.wd_scaling = wd_scaling;
        self
    }

    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.0.rule.schedule = schedule;
        self
    }

    pub fn decay_biases(mut self, decay_biases: bool) -> Self {
        self.0.rule.decay_biases = decay_biases;
        self
    }

    /// The configuration, or the first value that makes no sense, naming its flag and the fix.
    pub fn build(self) -> anyhow::Result<OptimConfig> {
        self.0.validate()?;
        Ok(self.0)
    }
}

impl OptimConfig {
    /// The method with its defaults: its learning rate, λ' = [`DEFAULT_WD`] for a decoupled
    /// method and λ = 0 for an L2 one, its hyper-parameters, a constant schedule and the
    /// paper's decay convention.
    pub fn builder(method: Method) -> OptimBuilder {
        let decay = match method.decay_kind() {
            DecayKind::Decoupled => DEFAULT_WD,
            DecayKind::L2 => 0.0,
        };
        let hypers = Hyper::ALL.iter().fold(HyperValues::default(), |v, &h| {
            v.with(h, method.def().default(h))
        });
        OptimBuilder(OptimConfig {
            method,
            lr: method.default_lr(),
            decay,
            rule: Rule {
                hypers,
                ..Rule::default()
            },
        })
    }

    /// `method` at α = `lr` with decay `decay` and its defaults otherwise, checked.
    pub fn new(method: Method, lr: f64, decay: f64) -> anyhow::Result<Self> {
        OptimConfig::builder(method).lr(lr).decay(decay).build()
    }

    /// `method` at `lr` with `decay` under a study's `rule`: the rule's value of each
    /// hyper-parameter the method takes and has no default of its own for (Lion keeps its
    /// β₂ 0.99), the method's default for the others; checked.
    pub(crate) fn under(method: Method, lr: f64, decay: f64, rule: &Rule) -> anyhow::Result<Self> {
        let mut b = OptimConfig::builder(method)
            .lr(lr)
            .decay(decay)
            .wd_scaling(rule.wd_scaling)
            .schedule(rule.schedule)
            .decay_biases(rule.decay_biases);
        for h in Hyper::ALL {
            if method.takes(h) && method.def().default(h) == h.default() {
                b = b.hyper(h, rule.hyper(h));
            }
        }
        b.build()
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// α.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// λ for an L2 method, λ' for a decoupled one.
    pub fn decay(&self) -> f64 {
        self.decay
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    pub fn hyper(&self, h: Hyper) -> f64 {
        self.rule.hyper(h)
    }

    pub fn wd_scaling(&self) -> WdScaling {
        self.rule.wd_scaling
    }

    pub fn schedule(&self) -> Schedule {
        self.rule.schedule
    }

    pub fn decay_biases(&self) -> bool {
        self.rule.decay_biases
    }

    /// A builder that starts from this configuration.
    pub fn rebuild(&self) -> OptimBuilder {
        OptimBuilder(self.clone())
    }

    /// Sets α without a check: candle's `Optimizer::set_learning_rate` cannot fail, and its
    /// callers (a schedule) move α within the range the configuration was checked with.
    pub(crate) fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The decay as a transform: the method's kind, the coefficient, its convention and the
    /// mask `--no-decay-biases` sets.
    pub(crate) fn decay_transform(&self) -> DecayTransform {
        DecayTransform {
            kind: self.method.decay_kind(),
            coefficient: self.decay,
            scaling: self.rule.wd_scaling,
            mask: DecayMask {
                biases: self.rule.decay_biases,
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
            .map(|h| format!("{} {}", h.symbol(), exact(self.hyper(*h))))
            .collect();
        format!(
            "{} α = {}, {decay}, {}, {} schedule{}",
            self.method,
            exact(self.lr),
            extra.join(" "),
            self.rule.schedule,
            if self.rule.decay_biases {
                ""
            } else {
                ", biases exempt"
            }
        )
    }

    /// The decoupled decay as given, with its update and no closing parenthesis:
    /// `λ' = 0.0001 (paper: θ ← θ − η_t·λ'·θ`.
    fn decay_convention(&self) -> String {
        match self.rule.wd_scaling {
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
        match self.rule.wd_scaling {
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
    fn validate(&self) -> anyhow::Result<()> {
        let c = self;
        let finite = |flag: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(usage(format!("{flag} must be a finite number, got {v}")))
            }
        };
        for (flag, v) in [("--lr", c.lr), (c.method.decay_flag(), c.decay)] {
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
        c.rule.check()?;
        c.method.def().validate(c)
    }

    /// A decoupled decay's per-step factor below 1.
    fn check_decoupled_factor(&self) -> anyhow::Result<()> {
        let c = self;
        if c.method.decay_kind() == DecayKind::Decoupled {
            // The per-step factor must stay below 1, or θ(1 − factor) flips sign or vanishes.
            let (factor, what) = match c.rule.wd_scaling {
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
}
