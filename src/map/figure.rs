//! map.svg: the slope of the best decay against the axis in both conventions with the two
//! limits as reference lines, the best total decay F at the middle α, and on the data-size
//! axis the best λ' against N with a line ∝ 1/N.

use super::axis::Axis;
use super::plan::MapSpec;
use super::point::{Limit, MethodPoint, Point};
use crate::analysis::Estimate;
use crate::optim::Method;
use crate::plot::{map_panels, MapAxis, MapMark, MapPanel, MapSeries, RefLine};
use std::path::Path;

/// Draws the map of `points` into `path`; fails when no point has a mark to draw.
pub(super) fn draw_map(path: &Path, spec: &MapSpec, points: &[Point]) -> anyhow::Result<()> {
    map_panels(path, &title(spec), &x_axis(spec), &panels(spec, points))
}

pub(super) fn title(spec: &MapSpec) -> String {
    format!(
        "Where the coupling appears: the best decay's slope against α, over {}",
        spec.axis.axis.name()
    )
}

fn x_axis(spec: &MapSpec) -> MapAxis {
    MapAxis {
        label: spec.axis.axis.label().into(),
        log: spec.axis.axis.is_log(),
        ticks: spec.axis.values.clone(),
    }
}

fn colour(m: Method) -> usize {
    Method::ALL.iter().position(|&x| x == m).unwrap_or(0)
}

/// Whether a reading tells the limits apart (a filled mark).
fn settled(l: Limit) -> bool {
    matches!(
        l,
        Limit::Regulariser | Limit::Timescale | Limit::Between | Limit::Beyond
    )
}

/// The middle fitted α's best F: the figure's one value per point and method.
pub(super) fn middle_f(m: &MethodPoint) -> Option<(f64, Estimate)> {
    m.best_f.get(m.best_f.len() / 2).copied()
}

fn series(
    spec: &MapSpec,
    points: &[Point],
    mark: impl Fn(&Point, &MethodPoint) -> Option<MapMark>,
) -> Vec<MapSeries> {
    spec.methods
        .iter()
        .map(|&m| MapSeries {
            label: m.label().into(),
            colour: colour(m),
            marks: points
                .iter()
                .filter_map(|p| {
                    let mp = p.methods.iter().find(|x| x.method == m)?;
                    mark(p, mp)
                })
                .collect(),
        })
        .collect()
}

fn panels(spec: &MapSpec, points: &[Point]) -> Vec<MapPanel> {
    let (x0, x1) = (
        spec.axis.values[0],
        *spec.axis.values.last().expect("an axis has values"),
    );
    let flat = |y: f64, label: &str| RefLine {
        from: (x0, y),
        to: (x1, y),
        label: label.into(),
    };
    let slope = |shift: f64| {
        move |p: &Point, m: &MethodPoint| {
            let e = m.slope?;
            Some(MapMark {
                x: p.value,
                y: e.point + shift,
                bar: m.union.map(|(lo, hi)| (lo + shift, hi + shift)),
                settled: settled(m.limit),
            })
        }
    };
    let mut out = vec![
        MapPanel {
            title: "slope of the best λ (L2 convention)".into(),
            y_label: "d log λ / d log α".into(),
            log_y: false,
            y_range: Some((-2.5, 1.5)),
            series: series(spec, points, slope(0.0)),
            refs: vec![flat(0.0, "regulariser: 0"), flat(-1.0, "timescale: −1")],
        },
        MapPanel {
            title: "slope of the best λ' = αλ (decoupled)".into(),
            y_label: "d log λ' / d log α".into(),
            log_y: false,
            y_range: Some((-1.5, 2.5)),
            series: series(spec, points, slope(1.0)),
            refs: vec![flat(1.0, "regulariser: +1"), flat(0.0, "timescale: 0")],
        },
        MapPanel {
            title: "best total decay F = Σ η_t·α·λ, middle α".into(),
            y_label: "e-folds".into(),
            log_y: true,
            y_range: None,
            series: series(spec, points, |p, m| {
                let (_, e) = middle_f(m)?;
                Some(MapMark {
                    x: p.value,
                    y: e.point,
                    bar: e.interval,
                    settled: settled(m.limit),
                })
            }),
            refs: vec![],
        },
    ];
    if spec.axis.axis == Axis::TrainSize {
        out.push(size_panel(spec, points));
    }
    out
}

/// The best λ' = αλ at the middle α against N, with a line ∝ 1/N through the first point.
fn size_panel(spec: &MapSpec, points: &[Point]) -> MapPanel {
    let lambda_prime = |p: &Point, m: &MethodPoint| -> Option<MapMark> {
        // F = Σ η_t · λ', so the fitted floor's λ' is its F over the point's Σ η_t.
        let (_, e) = middle_f(m)?;
        let to = |f: f64| f / p.eta_sum;
        Some(MapMark {
            x: p.value,
            y: to(e.point),
            bar: e.interval.map(|(lo, hi)| (to(lo), to(hi))),
            settled: settled(m.limit),
        })
    };
    let series = series(spec, points, lambda_prime);
    let refs = series
        .iter()
        .filter_map(|s| s.marks.first())
        .take(1)
        .map(|m| {
            let x1 = *spec.axis.values.last().expect("values");
            RefLine {
                from: (m.x, m.y),
                to: (x1, m.y * m.x / x1),
                label: "∝ 1/N".into(),
            }
        })
        .collect();
    MapPanel {
        title: "best per-step decay λ' = αλ (Σ η_t·λ' = F), middle α".into(),
        y_label: "λ'".into(),
        log_y: true,
        y_range: None,
        series,
        refs,
    }
}
