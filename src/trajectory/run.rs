//! Each run's path through the project's optimiser, and `paths.csv`.

use super::config::{RunSpec, TrajectoryConfig};
use super::surface::{Point, Surface};
use crate::error::usage;
use crate::optim::{OptimConfig, ParamKind, WdOptimizer};
use crate::util::csv;
use crate::util::fs::write_atomic;
use anyhow::Context;
use candle_core::{Device, Tensor, Var};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Header of `paths.csv`: one row per run and step (step 0 is the start point).
const PATHS_HEADER: &str = "run,step,x,y,loss";

/// A path is stopped as diverged once a coordinate leaves ±this (or is not finite).
const DIVERGED_BEYOND: f64 = 1e6;

/// A finished run: θ and R_emp(θ) after each step (index 0 is the start).
#[derive(Debug, Clone)]
pub(crate) struct PathRun {
    pub(super) spec: RunSpec,
    pub(super) points: Vec<Point>,
    pub(super) losses: Vec<f64>,
}

impl PathRun {
    pub(super) fn end(&self) -> Point {
        *self.points.last().expect("a path holds its start")
    }
}

/// Runs `optim` for `steps` steps from `start`: θ is a (1, 2) f64 `Var` on the CPU, its gradient
/// the analytic ∇R_emp, and the update [`WdOptimizer::step_with`].
pub(super) fn run_path(
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
                optim.method(),
                next[0],
                next[1]
            )));
        }
        points.push(next);
    }
    Ok(points)
}

/// Runs every run of `cfg`.
pub(super) fn compute(cfg: &TrajectoryConfig) -> anyhow::Result<Vec<PathRun>> {
    cfg.runs()?
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
fn paths_csv(runs: &[PathRun]) -> anyhow::Result<String> {
    let rows = runs.iter().flat_map(|r| {
        let steps = r.points.iter().zip(&r.losses).enumerate();
        steps.map(|(step, (p, &loss))| PathPoint {
            run: &r.spec.name,
            step,
            x: p[0],
            y: p[1],
            loss,
        })
    });
    csv::text(PATHS_HEADER, rows)
}

/// One row of `paths.csv`.
#[derive(Serialize)]
struct PathPoint<'a> {
    run: &'a str,
    step: usize,
    #[serde(serialize_with = "csv::plain")]
    x: f64,
    #[serde(serialize_with = "csv::plain")]
    y: f64,
    #[serde(serialize_with = "csv::plain")]
    loss: f64,
}

/// Writes `paths.csv` into `dir` atomically.
pub(super) fn write_paths_csv(dir: &Path, runs: &[PathRun]) -> anyhow::Result<PathBuf> {
    let path = dir.join("paths.csv");
    write_atomic(&path, paths_csv(runs)?.as_bytes())?;
    Ok(path)
}
