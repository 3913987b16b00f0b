//! `wdlab trajectory`: how weight decay bends the optimisation path, on two-parameter surfaces.
//!
//! With weight decay, every step follows the steepest slope of R_emp and is then pulled back
//! toward the origin: θ ← θ − α∇R_emp(θ) − λ'θ. For gradient descent this is exactly L2
//! regularisation with λ = λ'/α (θ ← θ(1 − αλ) − α∇R_emp), so the path ends at the minimum of
//! R_emp + (λ/2)‖θ‖²; on a quadratic R_emp = ½(θ − c)ᵀH(θ − c) that is θ* = (H + λI)⁻¹Hc,
//! closer to the origin the larger λ. For Adam the two differ (Loshchilov & Hutter 2019).
//!
//! The paths are not a second implementation: the two parameters are a candle `Var` (f64, CPU)
//! stepped by [`WdOptimizer::step_with`](crate::optim::WdOptimizer::step_with) — the project's
//! optimiser, applying the same coefficient table as every training run (with the tensor-op
//! kernel, as f64 takes) — with the gradient of the surface computed analytically.
//!
//! The parts, in the order the command uses them:
//!
//! - `surface`: the surfaces, their values, analytic gradients and minima, and the quadratic's
//!   fixed point θ*.
//! - `config`: each surface's defaults, the validated [`TrajectoryConfig`], and the runs it
//!   asks for (GD, GD + L2, GD with decoupled decay, Adam + L2, AdamW per λ).
//! - `run`: each run's path through the optimiser, and `paths.csv`.
//! - `figures`: [`write_outputs`], which runs everything and writes `paths.csv` and the
//!   contour figures.
//! - `table`: the printed table of end points against θ*.

mod config;
mod figures;
mod run;
mod surface;
mod table;
#[cfg(test)]
mod tests;

pub(crate) use config::{surface_defaults, TrajectoryConfig};
pub(crate) use figures::write_outputs;
pub(crate) use surface::{Point, Quadratic, Surface, SurfaceKind};
pub(crate) use table::{convergence_note, format_table, table_rows};
