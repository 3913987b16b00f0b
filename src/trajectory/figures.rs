//! The figures of `wdlab trajectory`: contour panels of R_emp with the paths drawn over them,
//! and [`write_outputs`], which runs a configuration and writes `paths.csv` and every SVG.

use super::config::TrajectoryConfig;
use super::run::{compute, write_paths_csv, PathRun};
use super::surface::{Point, Surface};
use crate::optim::Method;
use crate::plot::{self, ContourPanel, PathLine};
use crate::util::fmt::decimal;
use std::path::{Path, PathBuf};

/// Grid points per axis of the contour plots.
const GRID: usize = 101;
/// Width over height of the plotting box of a [`plot::contour_panels`] panel (about
/// 436 × 400 pixels): a grid of this shape fills it, with equal scales on both axes.
const PANEL_ASPECT: f64 = 1.09;

/// Runs every run of `cfg` and writes `paths.csv` and every figure into `out`; returns the runs
/// and the files written.
pub(crate) fn write_outputs(
    cfg: &TrajectoryConfig,
    out: &Path,
) -> anyhow::Result<(Vec<PathRun>, Vec<PathBuf>)> {
    crate::util::fs::create_dir(out, "the --out folder")?;
    let runs = compute(cfg)?;
    let mut files = vec![write_paths_csv(out, &runs)?];
    let figures = Figures::new(cfg, &runs);
    files.extend(figures.write_decay_panels(out)?);
    files.extend(figures.write_l2_vs_decoupled(out)?);
    // The SGD pair has its own figure above; each other pair gets one like Adam's.
    for (l2, dec) in Method::PAIRS.into_iter().filter(|p| p.0 != Method::Sgd) {
        files.push(figures.write_pair(out, l2, dec)?);
    }
    Ok((runs, files))
}

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

/// What every figure of one configuration shares: its runs, one grid (so that every panel
/// shows the same region at the same scale), the positive λ values and the setting line that
/// the titles end with.
struct Figures<'a> {
    cfg: &'a TrajectoryConfig,
    runs: &'a [PathRun],
    grid: Grid,
    positive: Vec<f64>,
    setting: String,
}

impl<'a> Figures<'a> {
    fn new(cfg: &'a TrajectoryConfig, runs: &'a [PathRun]) -> Self {
        let points = runs.iter().flat_map(|r| r.points.iter().copied());
        let grid = Grid::covering(
            &cfg.surface,
            std::iter::once(cfg.start)
                .chain(cfg.surface.minima())
                .chain(points),
        );
        let setting = format!(
            "R_emp = {}, α = {}, {} steps",
            cfg.surface.formula(),
            decimal(cfg.lr),
            cfg.steps
        );
        Figures {
            cfg,
            runs,
            grid,
            positive: cfg.positive_lambdas(),
            setting,
        }
    }

    /// The run of `method` with L2-form λ `lambda`.
    fn find(&self, method: Method, lambda: f64) -> &'a PathRun {
        self.runs
            .iter()
            .find(|r| r.spec.optim.method() == method && r.spec.lambda == lambda)
            .expect("every (method, λ) of the configuration was run")
    }

    /// "`what` λ = 0.3 (λ' = αλ = 0.015)".
    fn lambda_title(&self, what: &str, lambda: f64) -> String {
        format!(
            "{what} λ = {} (λ' = αλ = {})",
            decimal(lambda),
            decimal(self.cfg.lr * lambda)
        )
    }

    /// θ* of λ as a marker, where the surface has a closed form.
    fn fixed_point_marker(&self, lambda: f64) -> Option<(String, Point)> {
        self.cfg.surface.fixed_point(lambda).map(|p| {
            (
                format!("θ* = argmin R_emp + (λ/2)‖θ‖², λ = {}", decimal(lambda)),
                p,
            )
        })
    }

    /// One contour panel of R_emp with `runs` drawn over it, the origin and the unregularised
    /// minima marked, and θ* of `fixed_point` when given (label, point).
    fn panel(
        &self,
        title: String,
        runs: &[&PathRun],
        fixed_point: Option<(String, Point)>,
    ) -> ContourPanel {
        let last = drawn_steps(runs, 2e-3 * self.grid.span());
        let paths = runs
            .iter()
            .map(|r| PathLine {
                label: r.spec.label(),
                points: r.points[..=last].iter().map(|p| (p[0], p[1])).collect(),
            })
            .collect();
        let minima = self.cfg.surface.minima();
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
            xs: self.grid.xs.clone(),
            ys: self.grid.ys.clone(),
            z: self.grid.z.clone(),
            paths,
            markers,
            levels: 14,
            log_levels: !matches!(self.cfg.surface, Surface::TwoBasin),
        }
    }

    /// The panels of the overview, each with its own file: GD; weight decay with every λ; the
    /// smallest λ; the largest λ. Without a positive λ only GD; with one λ no "largest".
    fn decay_panels(&self) -> Vec<(&'static str, ContourPanel)> {
        let gd = self.find(Method::Sgd, 0.0);
        let mut panels = vec![(
            "gd.svg",
            self.panel("Gradient descent on R_emp".into(), &[gd], None),
        )];
        let (Some(&small), Some(&large)) = (self.positive.first(), self.positive.last()) else {
            return panels;
        };
        let mut all = vec![gd];
        all.extend(self.positive.iter().map(|&l| self.find(Method::Sgdw, l)));
        panels.push((
            "weight-decay.svg",
            self.panel(
                "Weight decay on R_emp: each step pulled toward the origin".into(),
                &all,
                None,
            ),
        ));
        let mut singles = vec![("small-lambda.svg", "Weight decay, small", small)];
        if large > small {
            singles.push(("large-lambda.svg", "Weight decay, large", large));
        }
        for (file, what, l) in singles {
            panels.push((
                file,
                self.panel(
                    self.lambda_title(what, l),
                    &[self.find(Method::Sgdw, l)],
                    self.fixed_point_marker(l),
                ),
            ));
        }
        panels
    }

    /// Each overview panel alone (`gd.svg`, …), then all of them in `trajectory.svg`.
    fn write_decay_panels(&self, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let panels = self.decay_panels();
        let mut files = Vec::new();
        for (file, panel) in &panels {
            let path = out.join(file);
            plot::contour_panels(&path, &self.setting, std::slice::from_ref(panel), 1)?;
            files.push(path);
        }
        let path = out.join("trajectory.svg");
        let all: Vec<ContourPanel> = panels.into_iter().map(|(_, p)| p).collect();
        plot::contour_panels(
            &path,
            &format!("How weight decay bends the path: {}", self.setting),
            &all,
            2,
        )?;
        files.push(path);
        Ok(files)
    }

    /// `l2-vs-decoupled.svg`: for each positive λ, GD + L2 λ against GD with decoupled
    /// λ' = αλ, which draw the same path (nothing without a positive λ).
    fn write_l2_vs_decoupled(&self, out: &Path) -> anyhow::Result<Option<PathBuf>> {
        if self.positive.is_empty() {
            return Ok(None);
        }
        let panels: Vec<ContourPanel> = self
            .positive
            .iter()
            .map(|&l| {
                let (a, b) = (self.find(Method::Sgd, l), self.find(Method::Sgdw, l));
                let gap = a
                    .points
                    .iter()
                    .zip(&b.points)
                    .map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1]))
                    .fold(0.0, f64::max);
                let title = format!(
                    "GD + L2 λ = {} vs decay λ' = αλ = {}: paths differ by ≤ {gap:.0e}",
                    decimal(l),
                    decimal(self.cfg.lr * l)
                );
                self.panel(title, &[a, b], self.fixed_point_marker(l))
            })
            .collect();
        let path = out.join("l2-vs-decoupled.svg");
        plot::contour_panels(
            &path,
            &format!(
                "For gradient descent, L2 λ is weight decay λ' = αλ: {}",
                self.setting
            ),
            &panels,
            panels.len().min(2),
        )?;
        Ok(Some(path))
    }

    /// `adam-vs-adamw.svg` (and `lion-vs-lionw.svg`): GD and the pair's direction without
    /// decay, then for each positive λ the L2 method against the decoupled one, with GD under
    /// the same decay for reference.
    fn write_pair(&self, out: &Path, l2: Method, dec: Method) -> anyhow::Result<PathBuf> {
        let direction = l2.def().direction_name();
        let mut panels = vec![self.panel(
            format!("No decay: GD and {direction}"),
            &[self.find(Method::Sgd, 0.0), self.find(l2, 0.0)],
            None,
        )];
        for &l in &self.positive {
            panels.push(self.panel(
                self.lambda_title(&format!("{} vs {},", l2.label(), dec.label()), l),
                &[
                    self.find(Method::Sgdw, l),
                    self.find(l2, l),
                    self.find(dec, l),
                ],
                self.fixed_point_marker(l),
            ));
        }
        let path = out.join(format!("{l2}-vs-{dec}.svg"));
        plot::contour_panels(
            &path,
            &format!("For {direction}, L2 is not weight decay: {}", self.setting),
            &panels,
            panels.len().min(2),
        )?;
        Ok(path)
    }
}
