//! What `wdlab trajectory` runs: each surface's defaults, the validated configuration, and one
//! [`RunSpec`] per method and λ.

use super::surface::{Point, Quadratic, Surface, SurfaceKind};
use crate::error::usage;
use crate::optim::{DecayKind, Method, OptimConfig, WdScaling};
use crate::util::fmt::decimal;

/// The most steps a path may take: every point is kept in memory, drawn and written to
/// paths.csv (a million steps make a paths.csv of tens of megabytes per run).
const MAX_STEPS: usize = 1_000_000;

/// Defaults per surface: (start, α, steps, λ values).
pub(crate) fn surface_defaults(kind: SurfaceKind) -> (Point, f64, usize, Vec<f64>) {
    match kind {
        SurfaceKind::Quadratic => ([-1.5, 2.5], 0.05, 500, vec![0.0, 0.3, 3.0]),
        SurfaceKind::TwoBasin => ([0.3, 3.0], 0.05, 500, vec![0.0, 0.3, 2.0]),
        SurfaceKind::Rosenbrock => ([-1.5, 2.5], 0.005, 4000, vec![0.0, 0.1, 1.0]),
    }
}

/// A validated `wdlab trajectory` configuration (made by [`TrajectoryConfig::new`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrajectoryConfig {
    pub(crate) surface: Surface,
    pub(crate) start: Point,
    /// α, the step size of every run.
    pub(crate) lr: f64,
    pub(crate) steps: usize,
    /// λ values in L2 form, ascending, 0 (plain gradient descent) first.
    pub(crate) lambdas: Vec<f64>,
}

impl TrajectoryConfig {
    /// A header line: surface, start, α, steps and the decay values in both forms.
    pub(crate) fn describe(&self) -> String {
        let list = |f: &dyn Fn(f64) -> f64| {
            self.lambdas
                .iter()
                .map(|&l| decimal(f(l)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "R_emp = {} | start ({}, {}) | α = {} | {} steps | λ = {} (decoupled λ' = αλ = {})",
            self.surface.formula(),
            decimal(self.start[0]),
            decimal(self.start[1]),
            decimal(self.lr),
            self.steps,
            list(&|l| l),
            list(&|l| self.lr * l)
        )
    }

    /// Checks the values; every refusal is a usage error naming the flag.
    pub(crate) fn new(
        surface: Surface,
        start: Point,
        lr: f64,
        steps: usize,
        lambdas: &[f64],
    ) -> anyhow::Result<Self> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(usage(format!("--lr must be a positive number, got {lr}")));
        }
        if steps == 0 {
            return Err(usage("--steps 0 takes no step; give at least 1"));
        }
        if steps > MAX_STEPS {
            return Err(usage(format!(
                "--steps {steps} is more than the {MAX_STEPS} a path may have (every step is \
                 kept, drawn and written to paths.csv)"
            )));
        }
        if !start.iter().all(|v| v.is_finite()) {
            return Err(usage(format!(
                "--start must be two finite numbers, got {start:?}"
            )));
        }
        let mut ls = vec![0.0];
        for &l in lambdas {
            if !l.is_finite() || l < 0.0 {
                return Err(usage(format!(
                    "--decays: every λ must be zero or positive, got {l}: a negative λ pushes \
                     the weights away from the origin"
                )));
            }
            if lr * l >= 1.0 {
                return Err(usage(format!(
                    "--decays {l} with --lr {lr}: the decoupled decay λ' = αλ = {} is ≥ 1 per \
                     step, which would zero or flip θ every step; lower λ or α",
                    decimal(lr * l)
                )));
            }
            ls.push(l);
        }
        ls.sort_by(f64::total_cmp);
        ls.dedup();
        if let Surface::Quadratic(q) = &surface {
            check_quadratic(q, lr, *ls.last().expect("holds 0"))?;
        }
        Ok(TrajectoryConfig {
            surface,
            start,
            lr,
            steps,
            lambdas: ls,
        })
    }

    /// Every run: for λ = 0 each direction once (plain GD, Adam, Lion); for each λ > 0 every
    /// method, the L2 ones with λ and the decoupled ones with λ' = αλ (paper convention,
    /// constant schedule).
    pub(super) fn runs(&self) -> anyhow::Result<Vec<RunSpec>> {
        let mut runs = Vec::new();
        let directions: Vec<Method> = Method::PAIRS.iter().map(|p| p.0).collect();
        for &lambda in &self.lambdas {
            let methods: &[Method] = if lambda == 0.0 {
                &directions
            } else {
                &Method::ALL
            };
            for &m in methods {
                runs.push(RunSpec::new(m, self.lr, lambda)?);
            }
        }
        Ok(runs)
    }

    /// The positive λ values.
    pub(super) fn positive_lambdas(&self) -> Vec<f64> {
        self.lambdas.iter().copied().filter(|&l| l > 0.0).collect()
    }
}

/// The quadratic's own checks: finite parameters, positive curvatures (else it has no
/// minimum), and a step size at which gradient descent converges even with the largest λ,
/// `lmax`.
fn check_quadratic(q: &Quadratic, lr: f64, lmax: f64) -> anyhow::Result<()> {
    if !(q.minimum.iter().all(|v| v.is_finite()) && q.rotation_deg.is_finite()) {
        return Err(usage("--minimum and --rotation must be finite numbers"));
    }
    if !q.curvatures.iter().all(|h| h.is_finite() && *h > 0.0) {
        return Err(usage(format!(
            "--curvatures must be two positive numbers, got {:?}: with a curvature ≤ 0 the \
             quadratic has no minimum",
            q.curvatures
        )));
    }
    let rate = lr * (q.max_curvature() + lmax);
    if rate >= 2.0 {
        return Err(usage(format!(
            "--lr {lr} is too large for this quadratic: gradient descent diverges when \
             α·(h_max + λ) ≥ 2, and here α·({} + {}) = {}; use --lr below {}",
            decimal(q.max_curvature()),
            decimal(lmax),
            decimal(rate),
            decimal(2.0 / (q.max_curvature() + lmax))
        )));
    }
    Ok(())
}

/// One optimiser run on the surface.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RunSpec {
    /// `sgd`, `sgd+l2=λ`, `sgdw+wd=λ'`, `adam`, `adam+l2=λ`, `adamw+wd=λ'`.
    pub(super) name: String,
    /// λ in L2 form (λ'/α for the decoupled methods).
    pub(super) lambda: f64,
    pub(super) optim: OptimConfig,
}

impl RunSpec {
    /// `method` with step size α and L2-form coefficient λ; the decoupled methods get
    /// λ' = αλ (paper convention), the L2 methods λ.
    pub(super) fn new(method: Method, lr: f64, lambda: f64) -> anyhow::Result<Self> {
        let decay = match method.decay_kind() {
            DecayKind::Decoupled => lr * lambda,
            DecayKind::L2 => lambda,
        };
        let optim = OptimConfig::builder(method)
            .lr(lr)
            .decay(decay)
            .wd_scaling(WdScaling::Paper)
            .build()?;
        // With a decay, the name carries the flag that sets it and its value: `sgdw+wd=0.005`.
        let name = if lambda == 0.0 {
            method.name().to_string()
        } else {
            let flag = method.decay_key();
            format!("{}+{flag}={}", method.name(), decimal(decay))
        };
        Ok(RunSpec {
            name,
            lambda,
            optim,
        })
    }

    /// A legend label: "GD + L2 λ = 0.1", "GD + decay λ' = 0.005 (λ = 0.1)", …
    pub(super) fn label(&self) -> String {
        let method = self.optim.method();
        // Full-batch SGD is gradient descent.
        let base = match method.def().direction_name() {
            "SGD" => "GD",
            other => other,
        };
        if self.lambda == 0.0 {
            return base.to_string();
        }
        let symbol = method.decay_symbol();
        if method.decay_kind() == DecayKind::Decoupled {
            // The coefficient the optimiser applies, then the L2 λ = λ'/α it stands for.
            let name = if base == "GD" {
                "GD + decay"
            } else {
                method.label()
            };
            format!(
                "{name} {symbol} = {} (λ = {})",
                decimal(self.optim.decay()),
                decimal(self.lambda)
            )
        } else {
            format!("{base} + L2 {symbol} = {}", decimal(self.lambda))
        }
    }
}
