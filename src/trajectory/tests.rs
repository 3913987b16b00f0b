//! The physics of the paths (they reach the analytic fixed points; GD + L2 λ and GD with
//! decoupled λ' = αλ coincide, Adam + L2 and AdamW do not), the surfaces' gradients, the
//! refused flags and `paths.csv`.

use super::config::{surface_defaults, RunSpec, TrajectoryConfig};
use super::run::{compute, run_path, write_paths_csv};
use super::surface::{Point, Quadratic, Surface, SurfaceKind};
use crate::optim::Method;

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
    let spec = RunSpec::new(method, cfg.lr, lambda).unwrap();
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
