//! The four optimiser variants the project compares, as one coefficient table applied by one
//! fused pass.
//!
//! Every variant updates a parameter θ with gradient g as
//! g ← g + l2·θ;  θ ← θ − decay·θ − η_t·α·direction(g),
//! and the methods differ only in which of `l2` (λ, the L2 penalty) and `decay` (the decoupled
//! decay, η_t·λ' or η_t·α·λ') is on and whether the direction is momentum SGD or Adam:
//! [`OptimConfig::coeffs`] ([`coeffs`]) is that table, the one place where the four differ.
//! The scalar rules are [`l2`], [`decay`], [`momentum`] and [`adam`]; [`schedule`] gives η_t
//! and counts steps.
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
pub(crate) mod l2;
mod method;
pub(crate) mod momentum;
mod population;
pub(crate) mod schedule;
mod single;
mod state;
mod tensor_ops;

pub(crate) use adam::AdamScalars;
pub(crate) use coeffs::{Direction, StepCoeffs};
pub(crate) use config::COEFFICIENTS;
pub use config::{OptimConfig, ParamKind, WdScaling};
pub(crate) use host::{HostOptimizer, HostParam};
pub use method::Method;
pub(crate) use population::{PopulationOptimizer, PopulationParam};
pub use schedule::Schedule;
pub(crate) use schedule::StepClock;
pub use single::WdOptimizer;
pub use state::UpdateKernel;

#[cfg(test)]
mod tests;
