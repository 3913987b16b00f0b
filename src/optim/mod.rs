//! The methods the project compares, each behind one trait, and one fused pass that applies
//! them.
//!
//! Every method updates a parameter θ with gradient g as
//! g ← g + l2·θ;  θ ← θ − decay·θ − η_t·α·direction(g):
//! a direction and a decay transform ([`decay::DecayTransform`], with its mask) placed before
//! the direction (L2: `l2` = λ) or after it (decoupled: `decay` = η_t·λ' or η_t·α·λ'). That
//! place is a method's [`DecayKind`]. [`Method`] is the registry; each method's definition
//! ([`method_def::MethodDef`]: names, decay kind, hyper-parameters with defaults and validation,
//! state, direction) and its update on host buffers and as candle ops live in its direction's
//! file: [`sgd`] (momentum SGD, with [`momentum`]), [`adam`] and [`lion`]. [`l2`] and [`decay`] are the
//! two placements; [`schedule`] gives η_t and counts steps. [`OptimConfig::coeffs`]
//! ([`coeffs`]) turns a configuration into one step's scalars.
//!
//! Two kernels apply the coefficients: [`fused`], one pass over host buffers (f32 on the CPU),
//! and [`tensor_ops`], candle ops on any device (CUDA). Three front ends hold the state:
//! [`WdOptimizer`] (one network of candle `Var`s; also candle's `Optimizer`),
//! [`PopulationOptimizer`] (G grid cells of one method in shared `Var`s) and
//! [`HostOptimizer`] (the CPU network's host buffers). Notation (README, "What it shows"): λ is the L2
//! coefficient, λ' the decoupled decay, α the learning rate, η_t the schedule multiplier.

pub(crate) mod adam;
mod cells;
mod coeffs;
mod config;
pub(crate) mod decay;
mod fused;
mod host;
mod hyper;
pub(crate) mod l2;
mod lion;
pub(crate) mod method;
pub(crate) mod method_def;
pub(crate) mod momentum;
mod population;
pub(crate) mod schedule;
mod sgd;
mod single;
mod state;
mod tensor_ops;

pub(crate) use adam::AdamScalars;
pub(crate) use coeffs::{Direction, PerCell, StepCoeffs};
pub(crate) use config::COEFFICIENTS;
pub use config::{OptimBuilder, OptimConfig, ParamKind, Rule, WdScaling};
pub(crate) use host::{HostOptimizer, HostParam};
pub use hyper::Hyper;
pub use method::Method;
pub use method_def::DecayKind;
pub(crate) use population::{PopulationOptimizer, PopulationParam};
pub use schedule::Schedule;
pub(crate) use schedule::StepClock;
pub use single::WdOptimizer;
pub use state::UpdateKernel;

#[cfg(test)]
mod tests;
