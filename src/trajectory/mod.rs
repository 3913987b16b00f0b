//! `wdlab trajectory`: how weight decay bends the optimisation path, on two-parameter surfaces.
//!
//! With weight decay, every step follows the steepest slope of R_emp and is then pulled back
//! toward the origin: θ ← θ − α∇R_emp(θ) − λ'θ. For gradient descent this is exactly L2
//! regularisation with λ = λ'/α (θ ← θ(1 − αλ) − α∇R_emp), so the path ends at the minimum of
//! R_emp + (λ/2)‖θ‖²; on a quadratic R_emp = ½(θ − c)ᵀH(θ − c) that is θ* = (H + λI)⁻¹Hc,
//! closer to the origin the larger λ. For Adam the two differ (Loshchilov & Hutter 2019).
//!
//! The paths are not a second implementation: the two parameters are a candle `Var` (f64, CPU)
//! stepped by [`WdOptimizer::step_with`] — the project's optimiser, applying the same
//! coefficient table as every training run (with the tensor-op kernel, as f64 takes) — with
//! the gradient of the surface computed analytically.

use crate::error::usage;
use crate::optim::{Method, OptimConfig, ParamKind, WdOptimizer, WdScaling};
use crate::plot::{self as plots, Axes, ContourPanel, PathLine, Series};
use crate::progress::Progress;
use crate::train::metrics::{read_metrics, write_config_json};
use crate::train::{self, DataConfig, DeviceData, MetricsFile, RunConfig, TrainConfig};
use crate::util::fmt::decimal as fmt_num;
use crate::util::fs::write_atomic;
use anyhow::Context;
use candle_core::{Device, Tensor, Var};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Header of `paths.csv`: one row per run and step (step 0 is the start point).
pub const PATHS_HEADER: &str = "run,step,x,y,loss";

/// A point (θ₁, θ₂) of the plane.
pub type Point = [f64; 2];

/// A path is stopped as diverged once a coordinate leaves ±this (or is not finite).
const DIVERGED_BEYOND: f64 = 1e6;

/// The surfaces `--surface` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurfaceKind {
    /// ½(θ − c)ᵀH(θ − c): an anisotropic quadratic whose minimum c lies away from the origin
    /// (set with --minimum, --curvatures, --rotation).
    Quadratic,
    /// (x² − 4)²/8 + 0.4x + 1.5(y − 1)²: two basins, a deeper one left of the origin and a
    /// shallower one right of it (non-convex).
    TwoBasin,
    /// Rosenbrock's banana (1 − x)² + 10(y − x²)² with its minimum at (1, 1) (non-convex; b = 10
    /// instead of the usual 100 so that plain gradient descent gets there in a few thousand steps).
    Rosenbrock,
}

impl SurfaceKind {
    pub const ALL: [SurfaceKind; 3] = [
        SurfaceKind::Quadratic,
        SurfaceKind::TwoBasin,
        SurfaceKind::Rosenbrock,
    ];

    /// The name `--surface` takes.
    pub fn name(self) -> &'static str {
        match self {
            SurfaceKind::Quadratic => "quadratic",
            SurfaceKind::TwoBasin => "two-basin",
            SurfaceKind::Rosenbrock => "rosenbrock",
        }
    }
}

/// R_emp(θ) = ½(θ − c)ᵀH(θ − c) with H = R(φ)·diag(h₁, h₂)·R(φ)ᵀ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadratic {
    /// c, the unregularised minimum.
    pub minimum: Point,
    /// h₁, h₂: the eigenvalues of H (curvatures along the rotated axes).
    pub curvatures: [f64; 2],
    /// φ in degrees: the first principal axis makes this angle with the x axis.
    pub rotation_deg: f64,
}

impl Default for Quadratic {
    fn default() -> Self {
        Quadratic {
            minimum: [2.0, 1.0],
            curvatures: [1.0, 10.0],
            rotation_deg: 60.0,
        }
    }
}

impl Quadratic {
    /// H as [[h11, h12], [h12, h22]].
    pub fn hessian(&self) -> [[f64; 2]; 2] {
        let (s, c) = self.rotation_deg.to_radians().sin_cos();
        let [h1, h2] = self.curvatures;
        let h11 = h1 * c * c + h2 * s * s;
        let h22 = h1 * s * s + h2 * c * c;
        let h12 = (h1 - h2) * c * s;
        [[h11, h12], [h12, h22]]
    }

    pub fn value(&self, p: Point) -> f64 {
        let d = [p[0] - self.minimum[0], p[1] - self.minimum[1]];
        let g = self.gradient(p);
        0.5 * (d[0] * g[0] + d[1] * g[1])
    }

    /// H(θ − c).
    pub fn gradient(&self, p: Point) -> Point {
        let h = self.hessian();
        let d = [p[0] - self.minimum[0], p[1] - self.minimum[1]];
        [
            h[0][0] * d[0] + h[0][1] * d[1],
            h[1][0] * d[0] + h[1][1] * d[1],
        ]
    }

    /// The largest curvature h_max: gradient descent with L2 λ converges iff α(h_max + λ) < 2.
    pub fn max_curvature(&self) -> f64 {
        self.curvatures[0].max(self.curvatures[1])
    }

    /// θ* = (H + λI)⁻¹Hc, the minimum of R_emp + (λ/2)‖θ‖² and the fixed point of gradient
    /// descent with L2 λ (or with decoupled λ' = αλ). Solved in closed form (Cramer's rule).
    pub fn fixed_point(&self, lambda: f64) -> Point {
        let h = self.hessian();
        let c = self.minimum;
        let rhs = [
            h[0][0] * c[0] + h[0][1] * c[1],
            h[1][0] * c[0] + h[1][1] * c[1],
        ];
        let (a, b, d) = (h[0][0] + lambda, h[0][1], h[1][1] + lambda);
        let det = a * d - b * b;
        [
            (d * rhs[0] - b * rhs[1]) / det,
            (a * rhs[1] - b * rhs[0]) / det,
        ]
    }
}

/// A two-parameter "empirical risk" with its analytic gradient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Surface {
    Quadratic(Quadratic),
    TwoBasin,
    Rosenbrock,
}

impl Surface {
    /// The surface `kind` with its default parameters.
    pub fn default_of(kind: SurfaceKind) -> Self {
        match kind {
            SurfaceKind::Quadratic => Surface::Quadratic(Quadratic::default()),
            SurfaceKind::TwoBasin => Surface::TwoBasin,
            SurfaceKind::Rosenbrock => Surface::Rosenbrock,
        }
    }

    pub fn kind(&self) -> SurfaceKind {
        match self {
            Surface::Quadratic(_) => SurfaceKind::Quadratic,
            Surface::TwoBasin => SurfaceKind::TwoBasin,
            Surface::Rosenbrock => SurfaceKind::Rosenbrock,
        }
    }

    /// R_emp(θ).
    pub fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        match self {
            Surface::Quadratic(q) => q.value(p),
            Surface::TwoBasin => (x * x - 4.0).powi(2) / 8.0 + 0.4 * x + 1.5 * (y - 1.0).powi(2),
            Surface::Rosenbrock => (1.0 - x).powi(2) + 10.0 * (y - x * x).powi(2),
        }
    }

    /// ∇R_emp(θ), analytically.
    pub fn gradient(&self, p: Point) -> Point {
        let [x, y] = p;
        match self {
            Surface::Quadratic(q) => q.gradient(p),
            Surface::TwoBasin => [0.5 * x * (x * x - 4.0) + 0.4, 3.0 * (y - 1.0)],
            Surface::Rosenbrock => [
                -2.0 * (1.0 - x) - 40.0 * x * (y - x * x),
                20.0 * (y - x * x),
            ],
        }
    }

    /// The unregularised minima (the global one first).
    pub fn minima(&self) -> Vec<Point> {
        match self {
            Surface::Quadratic(q) => vec![q.minimum],
            Surface::Rosenbrock => vec![[1.0, 1.0]],
            Surface::TwoBasin => {
                // Roots of ∂/∂x = x³/2 − 2x + 0.4 near ±2, by Newton's method.
                let root = |mut x: f64| {
                    for _ in 0..50 {
                        x -= (0.5 * x * x * x - 2.0 * x + 0.4) / (1.5 * x * x - 2.0);
                    }
                    [x, 1.0]
                };
                vec![root(-2.0), root(2.0)]
            }
        }
    }

    /// A one-line formula for titles and the printed header.
    pub fn formula(&self) -> String {
        match self {
            Surface::Quadratic(q) => format!(
                "½(θ−c)ᵀH(θ−c), c = ({}, {}), curvatures {} and {} rotated {}°",
                fmt_num(q.minimum[0]),
                fmt_num(q.minimum[1]),
                fmt_num(q.curvatures[0]),
                fmt_num(q.curvatures[1]),
                fmt_num(q.rotation_deg)
            ),
            Surface::TwoBasin => "(x²−4)²/8 + 0.4x + 1.5(y−1)²".to_string(),
            Surface::Rosenbrock => "(1−x)² + 10(y−x²)²".to_string(),
        }
    }

    /// The analytic fixed point of gradient descent with L2 λ, where there is one.
    pub fn fixed_point(&self, lambda: f64) -> Option<Point> {
        match self {
            Surface::Quadratic(q) => Some(q.fixed_point(lambda)),
            _ => None,
        }
    }
}

/// Defaults per surface: (start, α, steps, λ values).
pub fn surface_defaults(kind: SurfaceKind) -> (Point, f64, usize, Vec<f64>) {
    match kind {
        SurfaceKind::Quadratic => ([-1.5, 2.5], 0.05, 500, vec![0.0, 0.3, 3.0]),
        SurfaceKind::TwoBasin => ([0.3, 3.0], 0.05, 500, vec![0.0, 0.3, 2.0]),
        SurfaceKind::Rosenbrock => ([-1.5, 2.5], 0.005, 4000, vec![0.0, 0.1, 1.0]),
    }
}

/// A validated `wdlab trajectory` configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryConfig {
    pub surface: Surface,
    pub start: Point,
    /// α, the step size of every run.
    pub lr: f64,
    pub steps: usize,
    /// λ values in L2 form, ascending, 0 (plain gradient descent) first.
    pub lambdas: Vec<f64>,
}

impl TrajectoryConfig {
    /// A header line: surface, start, α, steps and the decay values in both forms.
    pub fn describe(&self) -> String {
        let list = |f: &dyn Fn(f64) -> f64| {
            self.lambdas
                .iter()
                .map(|&l| fmt_num(f(l)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "R_emp = {} | start ({}, {}) | α = {} | {} steps | λ = {} (decoupled λ' = αλ = {})",
            self.surface.formula(),
            fmt_num(self.start[0]),
            fmt_num(self.start[1]),
            fmt_num(self.lr),
            self.steps,
            list(&|l| l),
            list(&|l| self.lr * l)
        )
    }

    /// Checks the values; every refusal is a usage error naming the flag.
    pub fn new(
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
                    fmt_num(lr * l)
                )));
            }
            ls.push(l);
        }
        ls.sort_by(f64::total_cmp);
        ls.dedup();
        if let Surface::Quadratic(q) = &surface {
            if !(q.minimum.iter().all(|v| v.is_finite()) && q.rotation_deg.is_finite()) {
                return Err(usage("--minimum and --rotation must be finite numbers"));
            }
            if !q.curvatures.iter().all(|h| h.is_finite() && *h > 0.0) {
                return Err(usage(format!(
                    "--curvatures must be two positive numbers, got {:?}: with a curvature ≤ 0 \
                     the quadratic has no minimum",
                    q.curvatures
                )));
            }
            let lmax = *ls.last().expect("holds 0");
            let rate = lr * (q.max_curvature() + lmax);
            if rate >= 2.0 {
                return Err(usage(format!(
                    "--lr {lr} is too large for this quadratic: gradient descent diverges when \
                     α·(h_max + λ) ≥ 2, and here α·({} + {}) = {}; use --lr below {}",
                    fmt_num(q.max_curvature()),
                    fmt_num(lmax),
                    fmt_num(rate),
                    fmt_num(2.0 / (q.max_curvature() + lmax))
                )));
            }
        }
        Ok(TrajectoryConfig {
            surface,
            start,
            lr,
            steps,
            lambdas: ls,
        })
    }

    /// Every run: for λ = 0 plain GD and Adam; for each λ > 0 GD + L2 λ, GD with decoupled
    /// λ' = αλ, Adam + L2 λ and AdamW with λ' = αλ (paper convention, constant schedule).
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for &lambda in &self.lambdas {
            let methods: &[Method] = if lambda == 0.0 {
                &[Method::Sgd, Method::Adam]
            } else {
                &Method::ALL
            };
            for &m in methods {
                runs.push(RunSpec::new(m, self.lr, lambda));
            }
        }
        runs
    }

    /// The positive λ values.
    pub fn positive_lambdas(&self) -> Vec<f64> {
        self.lambdas.iter().copied().filter(|&l| l > 0.0).collect()
    }
}

/// One optimiser run on the surface.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// `sgd`, `sgd+l2=λ`, `sgdw+wd=λ'`, `adam`, `adam+l2=λ`, `adamw+wd=λ'`.
    pub name: String,
    /// λ in L2 form (λ'/α for the decoupled methods).
    pub lambda: f64,
    pub optim: OptimConfig,
}

impl RunSpec {
    /// `method` with step size α and L2-form coefficient λ; the decoupled methods get
    /// λ' = αλ (paper convention), the L2 methods λ.
    pub fn new(method: Method, lr: f64, lambda: f64) -> Self {
        let decay = if method.is_decoupled() {
            lr * lambda
        } else {
            lambda
        };
        let mut optim = OptimConfig::new(method, lr, decay);
        optim.wd_scaling = WdScaling::Paper;
        let name = if lambda == 0.0 {
            method.name().to_string()
        } else if method.is_decoupled() {
            format!("{}+wd={}", method.name(), fmt_num(decay))
        } else {
            format!("{}+l2={}", method.name(), fmt_num(decay))
        };
        RunSpec {
            name,
            lambda,
            optim,
        }
    }

    /// A legend label: "GD + L2 λ = 0.1", "GD + decay λ' = 0.005 (λ = 0.1)", …
    pub fn label(&self) -> String {
        let base = match self.optim.method {
            Method::Sgd | Method::Sgdw => "GD",
            Method::Adam | Method::Adamw => "Adam",
        };
        if self.lambda == 0.0 {
            return base.to_string();
        }
        match self.optim.method {
            Method::Sgd | Method::Adam => format!("{base} + L2 λ = {}", fmt_num(self.lambda)),
            Method::Sgdw => format!(
                "GD + decay λ' = {} (λ = {})",
                fmt_num(self.optim.decay),
                fmt_num(self.lambda)
            ),
            Method::Adamw => format!(
                "AdamW λ' = {} (λ = {})",
                fmt_num(self.optim.decay),
                fmt_num(self.lambda)
            ),
        }
    }
}

/// A finished run: θ and R_emp(θ) after each step (index 0 is the start).
#[derive(Debug, Clone)]
pub struct PathRun {
    pub spec: RunSpec,
    pub points: Vec<Point>,
    pub losses: Vec<f64>,
}

impl PathRun {
    pub fn end(&self) -> Point {
        *self.points.last().expect("a path holds its start")
    }
}

/// Runs `optim` for `steps` steps from `start`: θ is a (1, 2) f64 `Var` on the CPU, its gradient
/// the analytic ∇R_emp, and the update [`WdOptimizer::step_with`].
pub fn run_path(
    surface: &Surface,
    start: Point,
    optim: &OptimConfig,
    steps: usize,
) -> anyhow::Result<Vec<Point>> {
    let device = Device::Cpu;
    let theta = Var::from_tensor(&Tensor::from_slice(&start, (1, 2), &device)?)?;
    let params = vec![(theta.clone(), ParamKind::Weight)];
    let mut opt = WdOptimizer::new(params, optim.clone(), steps as u64)?;
    let mut points = Vec::with_capacity(steps + 1);
    points.push(start);
    for step in 1..=steps {
        let p = *points.last().expect("holds the start");
        let grad = Tensor::from_slice(&surface.gradient(p), (1, 2), &device)?;
        opt.step_with(&[grad])?;
        let v = theta.as_tensor().flatten_all()?.to_vec1::<f64>()?;
        let next = [v[0], v[1]];
        if !next
            .iter()
            .all(|c| c.is_finite() && c.abs() < DIVERGED_BEYOND)
        {
            return Err(usage(format!(
                "{} diverged at step {step} (θ = ({}, {})): the step size is too large for this \
                 surface; lower --lr",
                optim.method, next[0], next[1]
            )));
        }
        points.push(next);
    }
    Ok(points)
}

/// Runs every run of `cfg`.
pub fn compute(cfg: &TrajectoryConfig) -> anyhow::Result<Vec<PathRun>> {
    cfg.runs()
        .into_iter()
        .map(|spec| {
            let points = run_path(&cfg.surface, cfg.start, &spec.optim, cfg.steps)
                .with_context(|| format!("run {}", spec.name))?;
            let losses = points.iter().map(|&p| cfg.surface.value(p)).collect();
            Ok(PathRun {
                spec,
                points,
                losses,
            })
        })
        .collect()
}

/// `paths.csv`: the header [`PATHS_HEADER`], then every point of every run.
pub fn paths_csv(runs: &[PathRun]) -> String {
    let mut s = format!("{PATHS_HEADER}\n");
    for r in runs {
        for (step, (p, loss)) in r.points.iter().zip(&r.losses).enumerate() {
            writeln!(s, "{},{step},{},{},{loss}", r.spec.name, p[0], p[1]).expect("to a String");
        }
    }
    s
}

/// Writes `paths.csv` into `dir` atomically.
pub fn write_paths_csv(dir: &Path, runs: &[PathRun]) -> anyhow::Result<PathBuf> {
    let path = dir.join("paths.csv");
    write_atomic(&path, paths_csv(runs).as_bytes())?;
    Ok(path)
}

/// One row of the printed table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub name: String,
    pub lambda: f64,
    pub end: Point,
    /// ‖θ_end‖, the distance of the end point from the origin.
    pub distance: f64,
    /// R_emp(θ_end).
    pub loss: f64,
    /// The analytic fixed point (quadratic; GD and Adam + L2, whose stationary point is the
    /// minimum of the regularised risk), or None.
    pub fixed_point: Option<Point>,
}

impl TableRow {
    /// ‖θ_end − θ*‖.
    pub fn gap(&self) -> Option<f64> {
        self.fixed_point
            .map(|f| (self.end[0] - f[0]).hypot(self.end[1] - f[1]))
    }
}

pub fn table_rows(surface: &Surface, runs: &[PathRun]) -> Vec<TableRow> {
    runs.iter()
        .map(|r| {
            let end = r.end();
            // AdamW's stationary point λ'θ = −α·m̂/(√v̂+ε) has no closed form.
            let fixed_point = if r.spec.optim.method == Method::Adamw {
                None
            } else {
                surface.fixed_point(r.spec.lambda)
            };
            TableRow {
                name: r.spec.name.clone(),
                lambda: r.spec.lambda,
                end,
                distance: end[0].hypot(end[1]),
                loss: surface.value(end),
                fixed_point,
            }
        })
        .collect()
}

/// The table as text, one line per run.
pub fn format_table(rows: &[TableRow]) -> String {
    let pt = |p: Point| format!("({:.6}, {:.6})", p[0], p[1]);
    let mut s = format!(
        "{:<18} {:>6}  {:<24} {:>9} {:>10}  {:<24} {:>9}\n",
        "run", "λ", "end point θ", "‖θ‖", "R_emp(θ)", "fixed point θ*", "‖θ−θ*‖"
    );
    for r in rows {
        writeln!(
            s,
            "{:<18} {:>6}  {:<24} {:>9.6} {:>10}  {:<24} {:>9}",
            r.name,
            fmt_num(r.lambda),
            pt(r.end),
            r.distance,
            if (1e-3..1e5).contains(&r.loss.abs()) {
                format!("{:.4}", r.loss)
            } else {
                format!("{:.2e}", r.loss)
            },
            r.fixed_point.map(pt).unwrap_or_else(|| "–".into()),
            r.gap()
                .map(|g| format!("{g:.1e}"))
                .unwrap_or_else(|| "–".into()),
        )
        .expect("to a String");
    }
    s
}

/// A note when a run with an analytic fixed point has not reached it to 1e-6.
pub fn convergence_note(rows: &[TableRow], steps: usize) -> Option<String> {
    let slow: Vec<&str> = rows
        .iter()
        .filter(|r| r.gap().is_some_and(|g| g > 1e-6))
        .map(|r| r.name.as_str())
        .collect();
    (!slow.is_empty()).then(|| {
        format!(
            "note: {} did not reach the fixed point to 1e-6 in {steps} steps (Adam hovers near \
             it with a constant α; for GD raise --steps)",
            slow.join(", ")
        )
    })
}

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

/// Grid points per axis of the contour plots.
const GRID: usize = 101;
/// Width over height of the plotting box of a [`plots::contour_panels`] panel (about
/// 436 × 400 pixels): a grid of this shape fills it, with equal scales on both axes.
const PANEL_ASPECT: f64 = 1.09;

/// R_emp sampled on a grid covering `points` (padded), for every panel of a figure.
struct Grid {
    xs: Vec<f64>,
    ys: Vec<f64>,
    z: Vec<Vec<f64>>,
}

impl Grid {
    fn covering(surface: &Surface, points: impl Iterator<Item = Point>) -> Self {
        let (mut x0, mut x1, mut y0, mut y1) = (0f64, 0f64, 0f64, 0f64);
        for p in points.filter(|p| p.iter().all(|v| v.is_finite())) {
            (x0, x1) = (x0.min(p[0]), x1.max(p[0]));
            (y0, y1) = (y0.min(p[1]), y1.max(p[1]));
        }
        let pad = 0.12 * (x1 - x0).max(y1 - y0).max(1.0);
        let (w, h) = (x1 - x0 + 2.0 * pad, y1 - y0 + 2.0 * pad);
        let (w, h) = (w.max(h * PANEL_ASPECT), h.max(w / PANEL_ASPECT));
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let axis = |c: f64, half: f64| -> Vec<f64> {
            let (lo, hi) = (c - half, c + half);
            (0..GRID)
                .map(|i| lo + (hi - lo) * i as f64 / (GRID - 1) as f64)
                .collect()
        };
        let (xs, ys) = (axis(cx, w / 2.0), axis(cy, h / 2.0));
        let z = ys
            .iter()
            .map(|&y| xs.iter().map(|&x| surface.value([x, y])).collect())
            .collect();
        Grid { xs, ys, z }
    }

    fn span(&self) -> f64 {
        let w = self.xs[self.xs.len() - 1] - self.xs[0];
        let h = self.ys[self.ys.len() - 1] - self.ys[0];
        w.max(h)
    }
}

/// The steps of `runs` worth drawing: up to the last step at which any of them is still
/// visibly away from where it ends (`tol` in data units), so that the markers every tenth of
/// the drawn path spread over the moving part and do not pile up at the end point.
fn drawn_steps(runs: &[&PathRun], tol: f64) -> usize {
    runs.iter()
        .map(|r| {
            let end = r.end();
            let moving = r
                .points
                .iter()
                .rposition(|p| (p[0] - end[0]).hypot(p[1] - end[1]) > tol)
                .map_or(0, |k| k + 1);
            moving.max(10).min(r.points.len() - 1)
        })
        .max()
        .unwrap_or(0)
}

/// One contour panel of R_emp with `runs` drawn over it, the origin and the unregularised
/// minima marked, and θ* of `fixed_point` when given (label, point).
fn contour_panel(
    cfg: &TrajectoryConfig,
    grid: &Grid,
    title: String,
    runs: &[&PathRun],
    fixed_point: Option<(String, Point)>,
) -> ContourPanel {
    let last = drawn_steps(runs, 2e-3 * grid.span());
    let paths = runs
        .iter()
        .map(|r| PathLine {
            label: r.spec.label(),
            points: r.points[..=last].iter().map(|p| (p[0], p[1])).collect(),
        })
        .collect();
    let minima = cfg.surface.minima();
    let mut markers = vec![("origin".to_string(), (0.0, 0.0))];
    for (k, m) in minima.iter().enumerate() {
        let label = match (minima.len(), k) {
            (1, _) => "minimum of R_emp",
            (_, 0) => "global minimum of R_emp",
            _ => "local minimum of R_emp",
        };
        markers.push((label.to_string(), (m[0], m[1])));
    }
    if let Some((label, p)) = fixed_point {
        markers.push((label, (p[0], p[1])));
    }
    ContourPanel {
        title,
        xs: grid.xs.clone(),
        ys: grid.ys.clone(),
        z: grid.z.clone(),
        paths,
        markers,
        levels: 14,
        log_levels: !matches!(cfg.surface, Surface::TwoBasin),
    }
}

/// θ* of λ as a marker, where the surface has a closed form.
fn fixed_point_marker(cfg: &TrajectoryConfig, lambda: f64) -> Option<(String, Point)> {
    cfg.surface.fixed_point(lambda).map(|p| {
        (
            format!("θ* = argmin R_emp + (λ/2)‖θ‖², λ = {}", fmt_num(lambda)),
            p,
        )
    })
}

/// Runs `paths.csv` and every figure into `out`; returns the runs and the files written.
pub fn write_outputs(
    cfg: &TrajectoryConfig,
    out: &Path,
) -> anyhow::Result<(Vec<PathRun>, Vec<PathBuf>)> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create --out folder {}", out.display()))?;
    let runs = compute(cfg)?;
    let mut files = vec![write_paths_csv(out, &runs)?];
    let find = |method: Method, lambda: f64| {
        runs.iter()
            .find(|r| r.spec.optim.method == method && r.spec.lambda == lambda)
            .expect("every (method, λ) of the configuration was run")
    };
    let mut all_points = runs.iter().flat_map(|r| r.points.iter().copied());
    let grid = Grid::covering(
        &cfg.surface,
        std::iter::once(cfg.start)
            .chain(cfg.surface.minima())
            .chain(&mut all_points),
    );
    let positive = cfg.positive_lambdas();
    let gd = find(Method::Sgd, 0.0);
    let lambda_title = |what: &str, l: f64| {
        format!(
            "{what} λ = {} (λ' = αλ = {})",
            fmt_num(l),
            fmt_num(cfg.lr * l)
        )
    };

    // The four panels: GD; weight decay, every λ; the smallest λ; the largest λ.
    let mut panels = vec![(
        "gd.svg",
        contour_panel(cfg, &grid, "Gradient descent on R_emp".into(), &[gd], None),
    )];
    if !positive.is_empty() {
        let mut all = vec![gd];
        all.extend(positive.iter().map(|&l| find(Method::Sgdw, l)));
        panels.push((
            "weight-decay.svg",
            contour_panel(
                cfg,
                &grid,
                "Weight decay on R_emp: each step pulled toward the origin".into(),
                &all,
                None,
            ),
        ));
        let (small, large) = (positive[0], positive[positive.len() - 1]);
        let mut singles = vec![("small-lambda.svg", "Weight decay, small", small)];
        if large > small {
            singles.push(("large-lambda.svg", "Weight decay, large", large));
        }
        for (file, what, l) in singles {
            panels.push((
                file,
                contour_panel(
                    cfg,
                    &grid,
                    lambda_title(what, l),
                    &[find(Method::Sgdw, l)],
                    fixed_point_marker(cfg, l),
                ),
            ));
        }
    }
    let setting = format!(
        "R_emp = {}, α = {}, {} steps",
        cfg.surface.formula(),
        fmt_num(cfg.lr),
        cfg.steps
    );
    for (file, panel) in &panels {
        let path = out.join(file);
        plots::contour_panels(&path, &setting, std::slice::from_ref(panel), 1)?;
        files.push(path);
    }
    let path = out.join("trajectory.svg");
    let four: Vec<ContourPanel> = panels.into_iter().map(|(_, p)| p).collect();
    plots::contour_panels(
        &path,
        &format!("How weight decay bends the path: {setting}"),
        &four,
        2,
    )?;
    files.push(path);

    // GD + L2 λ against GD with decoupled λ' = αλ: the same path.
    if !positive.is_empty() {
        let panels: Vec<ContourPanel> = positive
            .iter()
            .map(|&l| {
                let (a, b) = (find(Method::Sgd, l), find(Method::Sgdw, l));
                let gap = a
                    .points
                    .iter()
                    .zip(&b.points)
                    .map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1]))
                    .fold(0.0, f64::max);
                let title = format!(
                    "GD + L2 λ = {} vs decay λ' = αλ = {}: paths differ by ≤ {gap:.0e}",
                    fmt_num(l),
                    fmt_num(cfg.lr * l)
                );
                contour_panel(cfg, &grid, title, &[a, b], fixed_point_marker(cfg, l))
            })
            .collect();
        let path = out.join("l2-vs-decoupled.svg");
        plots::contour_panels(
            &path,
            &format!("For gradient descent, L2 λ is weight decay λ' = αλ: {setting}"),
            &panels,
            panels.len().min(2),
        )?;
        files.push(path);
    }

    // Adam + L2 against AdamW (and GD with the same decay for reference).
    let mut panels = vec![contour_panel(
        cfg,
        &grid,
        "No decay: GD and Adam".into(),
        &[gd, find(Method::Adam, 0.0)],
        None,
    )];
    for &l in &positive {
        panels.push(contour_panel(
            cfg,
            &grid,
            lambda_title("Adam + L2 vs AdamW,", l),
            &[
                find(Method::Sgdw, l),
                find(Method::Adam, l),
                find(Method::Adamw, l),
            ],
            fixed_point_marker(cfg, l),
        ));
    }
    let path = out.join("adam-vs-adamw.svg");
    plots::contour_panels(
        &path,
        &format!("For Adam, L2 is not weight decay: {setting}"),
        &panels,
        panels.len().min(2),
    )?;
    files.push(path);
    Ok((runs, files))
}

// ---------------------------------------------------------------------------
// The same pull on MNIST: ‖θ‖ over epochs
// ---------------------------------------------------------------------------

/// One line of the weight-norm plot.
#[derive(Debug, Clone, PartialEq)]
pub struct NormLine {
    pub label: String,
    pub epochs: Vec<f64>,
    pub norms: Vec<f64>,
    /// Test accuracy after the last epoch.
    pub final_test_accuracy: Option<f64>,
}

/// "sgdw λ' = 0.001", "adam λ = 0.0001".
fn decay_label(method: Method, decay: f64) -> String {
    format!("{method} {} = {}", method.decay_symbol(), fmt_num(decay))
}

/// Lines from the `metrics.csv` of run folders written by `wdlab train --out`, named after
/// the optimiser and decay in their `config.json` (or after the folder without one).
pub fn read_norm_runs(dirs: &[PathBuf]) -> anyhow::Result<Vec<NormLine>> {
    let mut lines = Vec::new();
    for dir in dirs {
        let records = read_metrics(&dir.join("metrics.csv"))?;
        anyhow::ensure!(
            !records.is_empty(),
            "{}: metrics.csv has no epochs yet",
            dir.display()
        );
        let label = std::fs::read_to_string(dir.join("config.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| {
                let optim: OptimConfig = serde_json::from_value(v.get("optim")?.clone()).ok()?;
                Some(decay_label(optim.method, optim.decay))
            })
            .unwrap_or_else(|| dir.display().to_string());
        lines.push(NormLine {
            label,
            epochs: records.iter().map(|r| r.epoch as f64).collect(),
            norms: records.iter().map(|r| r.weight_norm).collect(),
            final_test_accuracy: records.last().map(|r| r.test_accuracy),
        });
    }
    // Two runs with the same optimiser and decay (another α, say) keep their folder names.
    for i in 0..lines.len() {
        if lines.iter().filter(|l| l.label == lines[i].label).count() > 1 {
            lines[i].label = format!("{} ({})", lines[i].label, dirs[i].display());
        }
    }
    Ok(lines)
}

/// What `wdlab norms --train` trains: one run per decay value, the same in all else.
#[derive(Debug, Clone)]
pub struct NormsTraining {
    /// One optimiser per decay value (the same method and α).
    pub optims: Vec<OptimConfig>,
    pub run: RunConfig,
    pub data: DataConfig,
    /// The runs go under `out/runs/`.
    pub out: PathBuf,
    pub quiet: bool,
}

/// Trains one short run per decay value (every epoch evaluated, so ‖θ‖ is logged after each),
/// writing each under `OUT/runs/` as `wdlab train --out` would; epoch 0 is the shared start.
pub fn train_norm_runs(t: &NormsTraining) -> anyhow::Result<Vec<NormLine>> {
    let device = t.run.device.open()?;
    let data = DeviceData::new(&t.data.load()?, &device)?;
    let sizes = crate::nn::layer_sizes(data.pixels, &t.run.hidden);
    let start_norm = crate::nn::Mlp::new(&sizes, t.run.seed, &device)?.weight_norm()?;
    let mut lines = Vec::new();
    for optim in &t.optims {
        let label = decay_label(optim.method, optim.decay);
        let flag = if optim.method.is_decoupled() {
            "wd"
        } else {
            "l2"
        };
        let dir = t
            .out
            .join("runs")
            .join(format!("{}-{flag}{}", optim.method, fmt_num(optim.decay)));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let cfg = TrainConfig {
            optim: optim.clone(),
            run: t.run.clone(),
            data: t.data.clone(),
            out: Some(dir.clone()),
            save: None,
            quiet: t.quiet,
        };
        write_config_json(&dir.join("config.json"), &cfg)?;
        let mut metrics = MetricsFile::create(&dir.join("metrics.csv"))?;
        let prefix = format!("{label}: ");
        let progress = Progress {
            quiet: t.quiet,
            label: prefix.clone(),
            ..Progress::default()
        };
        let trained = train::train(optim, &t.run, &data, &progress, &mut |r| {
            if !t.quiet {
                println!("{}", r.line(&prefix, t.run.epochs));
            }
            metrics.push(r)
        })?;
        let records = trained.records;
        lines.push(NormLine {
            label,
            epochs: std::iter::once(0.0)
                .chain(records.iter().map(|r| r.epoch as f64))
                .collect(),
            norms: std::iter::once(start_norm)
                .chain(records.iter().map(|r| r.weight_norm))
                .collect(),
            final_test_accuracy: records.last().map(|r| r.test_accuracy),
        });
    }
    Ok(lines)
}

/// The title of the weight-norm figure: the training setup when the runs were trained here.
pub fn norms_title(training: Option<&NormsTraining>) -> String {
    let base = "Weight decay pulls the network's weights toward the origin";
    let Some(first) = training.and_then(|t| Some((t, t.optims.first()?))) else {
        return format!("{base} (MNIST)");
    };
    let (t, optim) = first;
    format!(
        "{base}: {}, α = {}, {} epochs on {} MNIST images",
        optim.method,
        fmt_num(optim.lr),
        t.run.epochs,
        t.data
            .train_size
            .map_or("all".to_string(), |n| n.to_string())
    )
}

/// ‖θ‖ at the first and last logged epoch, and the final test accuracy, per line.
pub fn format_norms_table(lines: &[NormLine]) -> String {
    let width = lines
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let mut s = format!(
        "{:<width$}  {:>14} {:>14} {:>9}\n",
        "run", "‖θ‖ first", "‖θ‖ last", "test acc"
    );
    for l in lines {
        let first = l.epochs.first().zip(l.norms.first());
        let last = l.epochs.last().zip(l.norms.last());
        let cell = |p: Option<(&f64, &f64)>| {
            p.map(|(e, n)| format!("{n:.2} (ep {e})"))
                .unwrap_or_default()
        };
        writeln!(
            s,
            "{:<width$}  {:>14} {:>14} {:>9}",
            l.label,
            cell(first),
            cell(last),
            l.final_test_accuracy
                .map(|a| format!("{:.2}%", 100.0 * a))
                .unwrap_or_default()
        )
        .expect("to a String");
    }
    s
}

/// `weight_norm.svg` in `out`: ‖θ‖ against epoch, one line per run, under `title`.
pub fn draw_norms(lines: &[NormLine], title: &str, out: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create --out folder {}", out.display()))?;
    let series: Vec<Series> = lines
        .iter()
        .map(|l| Series {
            label: l.label.clone(),
            x: l.epochs.clone(),
            y: l.norms.clone(),
            band: None,
        })
        .collect();
    let path = out.join("weight_norm.svg");
    plots::line_chart(
        &path,
        &Axes {
            title: title.into(),
            x_label: "epoch".into(),
            y_label: "‖θ‖₂ over all weights and biases".into(),
            log_x: false,
            log_y: false,
        },
        &series,
    )?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_cfg(lambdas: &[f64]) -> TrajectoryConfig {
        let (start, lr, steps, _) = surface_defaults(SurfaceKind::Quadratic);
        TrajectoryConfig::new(
            Surface::default_of(SurfaceKind::Quadratic),
            start,
            lr,
            steps,
            lambdas,
        )
        .unwrap()
    }

    fn run(cfg: &TrajectoryConfig, method: Method, lambda: f64) -> Vec<Point> {
        let spec = RunSpec::new(method, cfg.lr, lambda);
        run_path(&cfg.surface, cfg.start, &spec.optim, cfg.steps).unwrap()
    }

    fn dist(a: Point, b: Point) -> f64 {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }

    #[test]
    fn fixed_point_solves_the_regularised_stationarity_condition() {
        // H(θ − c) + λθ = 0, checked with the gradient, not the closed form.
        let q = Quadratic::default();
        for lambda in [0.0, 0.1, 1.0, 7.0] {
            let t = q.fixed_point(lambda);
            let g = q.gradient(t);
            assert!((g[0] + lambda * t[0]).abs() < 1e-12, "λ = {lambda}");
            assert!((g[1] + lambda * t[1]).abs() < 1e-12, "λ = {lambda}");
        }
        assert_eq!(q.fixed_point(0.0).map(|v| (v * 1e9).round()), [2e9, 1e9]);
    }

    #[test]
    fn gd_l2_and_decoupled_paths_reach_the_analytic_fixed_points() {
        let cfg = default_cfg(&[0.1, 1.0]);
        let q = match cfg.surface {
            Surface::Quadratic(q) => q,
            _ => unreachable!(),
        };
        for &lambda in &cfg.lambdas {
            let want = q.fixed_point(lambda);
            for method in [Method::Sgd, Method::Sgdw] {
                let end = *run(&cfg, method, lambda).last().unwrap();
                assert!(
                    dist(end, want) < 1e-6,
                    "{method} λ = {lambda}: reached {end:?}, fixed point {want:?}"
                );
            }
        }
    }

    #[test]
    fn the_pull_toward_the_origin_grows_with_lambda() {
        let lambdas = [0.0, 0.03, 0.1, 0.3, 1.0, 3.0, 9.0];
        let cfg = default_cfg(&lambdas);
        let ends: Vec<f64> = lambdas
            .iter()
            .map(|&l| {
                let e = *run(&cfg, Method::Sgdw, l).last().unwrap();
                e[0].hypot(e[1])
            })
            .collect();
        for w in ends.windows(2) {
            assert!(w[1] < w[0], "distances from the origin {ends:?}");
        }
    }

    #[test]
    fn gd_with_l2_lambda_and_with_decoupled_alpha_lambda_draw_the_same_path() {
        let cfg = default_cfg(&[0.1, 1.0]);
        for lambda in [0.1, 1.0] {
            let l2 = run(&cfg, Method::Sgd, lambda);
            let wd = run(&cfg, Method::Sgdw, lambda);
            let worst = l2
                .iter()
                .zip(&wd)
                .map(|(a, b)| dist(*a, *b))
                .fold(0.0, f64::max);
            assert!(
                worst < 1e-12,
                "λ = {lambda}: paths differ by up to {worst:e}"
            );
            // And the path does move: it is not a trivial agreement.
            assert!(dist(l2[0], l2[cfg.steps]) > 1.0);
        }
    }

    #[test]
    fn adam_with_l2_and_adamw_end_in_different_places() {
        let cfg = default_cfg(&[1.0]);
        let adam = *run(&cfg, Method::Adam, 1.0).last().unwrap();
        let adamw = *run(&cfg, Method::Adamw, 1.0).last().unwrap();
        assert!(
            dist(adam, adamw) > 1e-2,
            "Adam+L2 {adam:?} vs AdamW {adamw:?}"
        );
    }

    #[test]
    fn flags_that_make_no_sense_are_usage_errors() {
        let q = Surface::default_of(SurfaceKind::Quadratic);
        let code = |r: anyhow::Result<TrajectoryConfig>| crate::error::exit_code(&r.unwrap_err());
        let usage = crate::error::exit::USAGE;
        assert_eq!(
            code(TrajectoryConfig::new(q, [0.0, 0.0], 0.0, 10, &[])),
            usage
        );
        assert_eq!(
            code(TrajectoryConfig::new(q, [0.0, 0.0], -0.1, 10, &[])),
            usage
        );
        assert_eq!(
            code(TrajectoryConfig::new(q, [0.0, 0.0], 0.05, 0, &[])),
            usage
        );
        assert_eq!(
            code(TrajectoryConfig::new(q, [0.0, 0.0], 0.05, 10, &[-0.1])),
            usage
        );
        // λ' = αλ = 1.2 per step (and a non-quadratic surface, so only this check applies).
        let e = TrajectoryConfig::new(Surface::TwoBasin, [0.0, 0.0], 0.6, 10, &[2.0]).unwrap_err();
        assert!(e.to_string().contains("≥ 1"), "{e}");
        // α(h_max + λ) = 0.15 · (10 + 4) = 2.1 ≥ 2 diverges; 0.13 · 14 = 1.82 converges.
        let e = TrajectoryConfig::new(q, [0.0, 0.0], 0.15, 10, &[4.0]).unwrap_err();
        assert!(e.to_string().contains("diverges"), "{e}");
        assert!(TrajectoryConfig::new(q, [0.0, 0.0], 0.13, 10, &[4.0]).is_ok());
        let flat = Surface::Quadratic(Quadratic {
            curvatures: [0.0, 1.0],
            ..Quadratic::default()
        });
        assert_eq!(
            code(TrajectoryConfig::new(flat, [0.0, 0.0], 0.05, 10, &[])),
            usage
        );
    }

    #[test]
    fn paths_csv_has_the_documented_header_and_a_row_per_point() {
        let cfg = TrajectoryConfig::new(
            Surface::default_of(SurfaceKind::Quadratic),
            [-1.5, 2.5],
            0.05,
            3,
            &[0.1],
        )
        .unwrap();
        let runs = compute(&cfg).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_paths_csv(dir.path(), &runs).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("run,step,x,y,loss"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), runs.len() * 4);
        assert_eq!(
            rows[0],
            format!("sgd,0,-1.5,2.5,{}", cfg.surface.value([-1.5, 2.5]))
        );
        assert!(rows.iter().any(|r| r.starts_with("sgdw+wd=0.005,3,")));
    }

    #[test]
    fn analytic_gradients_match_finite_differences() {
        let surfaces = [
            Surface::default_of(SurfaceKind::Quadratic),
            Surface::TwoBasin,
            Surface::Rosenbrock,
        ];
        for s in surfaces {
            for p in [[0.3, -0.7], [-1.5, 2.5], [1.2, 0.4]] {
                let g = s.gradient(p);
                let h = 1e-6;
                for i in 0..2 {
                    let (mut a, mut b) = (p, p);
                    a[i] += h;
                    b[i] -= h;
                    let fd = (s.value(a) - s.value(b)) / (2.0 * h);
                    assert!(
                        (fd - g[i]).abs() < 1e-5 * (1.0 + g[i].abs()),
                        "{s:?} at {p:?}"
                    );
                }
            }
            for m in s.minima() {
                let g = s.gradient(m);
                assert!(g[0].hypot(g[1]) < 1e-9, "{s:?}: {m:?} is no minimum");
            }
        }
    }

    #[test]
    fn norms_are_read_from_run_folders_and_named_by_their_config() {
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = Vec::new();
        for (k, decay) in [0.0, 1e-3].into_iter().enumerate() {
            let run = dir.path().join(format!("run{k}"));
            std::fs::create_dir_all(&run).unwrap();
            let optim = OptimConfig::new(Method::Sgdw, 0.1, decay);
            let json = serde_json::json!({ "wdlab_version": "0", "optim": optim });
            std::fs::write(run.join("config.json"), json.to_string()).unwrap();
            let mut m = MetricsFile::create(&run.join("metrics.csv")).unwrap();
            for epoch in 1..=3 {
                m.push(&crate::train::EpochRecord {
                    epoch,
                    train_loss: 1.0,
                    val_accuracy: None,
                    test_loss: 1.0,
                    test_accuracy: 0.9,
                    weight_norm: 30.0 - 5.0 * k as f64 * epoch as f64,
                    seconds: 0.1,
                })
                .unwrap();
            }
            dirs.push(run);
        }
        let lines = read_norm_runs(&dirs).unwrap();
        assert_eq!(lines[0].label, "sgdw λ' = 0");
        assert_eq!(lines[1].label, "sgdw λ' = 0.001");
        assert_eq!(lines[1].epochs, vec![1.0, 2.0, 3.0]);
        assert_eq!(lines[1].norms, vec![25.0, 20.0, 15.0]);
        let svg = draw_norms(&lines, "norms", dir.path()).unwrap();
        // plotters writes the apostrophe of λ' as an XML entity.
        assert!(std::fs::read_to_string(svg)
            .unwrap()
            .contains("sgdw λ&apos; = 0.001"));
        assert!(read_norm_runs(&[dir.path().join("missing")]).is_err());
    }
}
