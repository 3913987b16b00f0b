//! Contour panels: iso-lines of a sampled 2-D function over a background banded by level,
//! with optimisation paths and labelled points drawn on top, at equal axis scales.

use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{linear, linear_ticks, with_ticks};
use super::contour_legend::{draw_contour_legend, legend_height};
use super::drawable::runs;
use super::marching_squares::iso_lines;
use super::markers::draw_marker;
use super::style::{lighten, path_colour, viridis, FONT, ISO_LINE, MARGIN, TITLE_H};
use super::svg::{draw_title, fit_font, text_style, write_svg, Area};
use super::ContourPanel;

const CONTOUR_PANEL_W: u32 = 520;
const CONTOUR_CHART_H: u32 = 470;
const CONTOUR_TITLE_H: u32 = 34;
/// Legends start under the plot's left edge, past the y tick labels.
const CONTOUR_LEGEND_LEFT: f64 = 74.0;
const CONTOUR_LEGEND_WIDTH: f64 = CONTOUR_PANEL_W as f64 - CONTOUR_LEGEND_LEFT - 10.0;
const MARKER_SIZE: i32 = 7;

/// A [`ContourPanel`] after validation, with its iso-lines computed.
struct PreparedContour<'a> {
    panel: &'a ContourPanel,
    levels: Vec<f64>,
    lines: Vec<Vec<(f64, f64)>>,
    bbox: (f64, f64, f64, f64),
}

/// Panels in a grid with `columns` columns (clamped to 1..=panels); each panel: iso-lines of z, a light background banded by level, the paths as coloured lines with a small marker about every len/10 steps and at start (open circle) and end (filled circle), the markers as distinct symbols with a legend, equal axis scales, axis labels θ₁, θ₂.
///
/// Fails on an empty panel list, a malformed grid, or a `z` without two
/// distinct finite values (no iso-line can be drawn).
pub(crate) fn contour_panels(
    path: &Path,
    title: &str,
    panels: &[ContourPanel],
    columns: usize,
) -> Result<()> {
    if panels.is_empty() {
        bail!("contour figure '{title}': no panels to draw");
    }
    let prepared: Vec<PreparedContour> =
        panels.iter().map(prepare_contour).collect::<Result<_>>()?;
    let columns = columns.clamp(1, panels.len());
    let rows = panels.len().div_ceil(columns);
    let legend_h = legend_height(panels, CONTOUR_LEGEND_WIDTH);
    let panel_h = CONTOUR_TITLE_H + CONTOUR_CHART_H + legend_h;
    let width = 2 * MARGIN as u32 + CONTOUR_PANEL_W * columns as u32;
    let height = 2 * MARGIN as u32 + TITLE_H as u32 + panel_h * rows as u32;
    write_svg(path, (width, height), |root| {
        let body = draw_title(root, title)?.margin(0, MARGIN, MARGIN, MARGIN);
        for (area, p) in body.split_evenly((rows, columns)).iter().zip(&prepared) {
            draw_contour_panel(area, p)?;
        }
        Ok(())
    })
}

/// One panel: its title, the chart, and the legend under the chart.
fn draw_contour_panel(area: &Area, p: &PreparedContour) -> Result<()> {
    let (title_area, rest) = area.split_vertically(CONTOUR_TITLE_H);
    let (chart_area, legend_area) = rest.split_vertically(CONTOUR_CHART_H);
    let size = fit_font(&p.panel.title, 18.0, f64::from(CONTOUR_PANEL_W) - 20.0);
    let style = text_style(size, HPos::Center, VPos::Center);
    let (w, h) = title_area.dim_in_pixel();
    title_area.draw_text(&p.panel.title, &style, (w as i32 / 2, h as i32 / 2))?;
    draw_contour_chart(&chart_area, p)?;
    draw_contour_legend(
        &legend_area,
        p.panel,
        CONTOUR_LEGEND_LEFT,
        CONTOUR_LEGEND_WIDTH,
    )
}

fn prepare_contour(p: &ContourPanel) -> Result<PreparedContour<'_>> {
    check_grid(p)?;
    let (z_min, z_max) =
        p.z.iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
    if z_min >= z_max {
        let what = if z_min.is_finite() {
            format!("is constant ({z_min})")
        } else {
            "has no finite value".to_string()
        };
        bail!(
            "contour panel '{}': z {what}, so there are no iso-lines to draw",
            p.title
        );
    }
    let levels = iso_levels(z_min, z_max, p.levels, p.log_levels);
    let lines = levels
        .iter()
        .flat_map(|&l| iso_lines(&p.xs, &p.ys, &p.z, l))
        .collect();
    Ok(PreparedContour {
        panel: p,
        levels,
        lines,
        bbox: contour_bbox(p),
    })
}

fn check_grid(p: &ContourPanel) -> Result<()> {
    let increasing =
        |v: &[f64]| v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] < w[1]);
    if p.xs.len() < 2 || p.ys.len() < 2 {
        bail!("contour panel '{}': needs at least 2 xs and 2 ys", p.title);
    }
    if !increasing(&p.xs) || !increasing(&p.ys) {
        bail!(
            "contour panel '{}': xs and ys must be finite and strictly increasing",
            p.title
        );
    }
    let (rows, cols) = (p.ys.len(), p.xs.len());
    if p.z.len() != rows || p.z.iter().any(|r| r.len() != cols) {
        bail!(
            "contour panel '{}': z must have {rows} rows (ys) of {cols} values (xs)",
            p.title
        );
    }
    Ok(())
}

/// `n` iso-levels strictly between `min` and `max`. Linear spacing suits a
/// bowl seen as a whole; geometric spacing of the height above the minimum
/// (over three decades) resolves the floor of a narrow valley, where linear
/// levels would all crowd the rim.
fn iso_levels(min: f64, max: f64, n: usize, geometric: bool) -> Vec<f64> {
    let span = max - min;
    (1..=n)
        .map(|k| {
            let f = k as f64 / (n + 1) as f64;
            if geometric {
                min + span * 10f64.powf(-3.0 * (1.0 - f))
            } else {
                min + span * f
            }
        })
        .collect()
}

/// `(x_min, x_max, y_min, y_max)` of the grid, the finite path points and the markers.
fn contour_bbox(p: &ContourPanel) -> (f64, f64, f64, f64) {
    let grid = [
        (p.xs[0], p.ys[0]),
        (p.xs[p.xs.len() - 1], p.ys[p.ys.len() - 1]),
    ];
    let paths = p.paths.iter().flat_map(|l| l.points.iter().copied());
    let markers = p.markers.iter().map(|(_, pt)| *pt);
    grid.into_iter()
        .chain(paths)
        .chain(markers)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |b, (x, y)| (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y)),
        )
}

/// Ranges that contain `bbox` (padded 4 %) and give x and y the same data
/// units per pixel in a `w × h` plot, so that a round bowl looks round and
/// any anisotropy seen is the loss's, not the drawing's.
fn equal_scale_ranges(
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    (w, h): (u32, u32),
) -> (Range<f64>, Range<f64>) {
    let (w, h) = (f64::from(w.max(1)), f64::from(h.max(1)));
    let dx = (x1 - x0).max(f64::MIN_POSITIVE) * 1.08;
    let dy = (y1 - y0).max(f64::MIN_POSITIVE) * 1.08;
    let per_px = (dx / w).max(dy / h);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (hw, hh) = (per_px * w / 2.0, per_px * h / 2.0);
    (cx - hw..cx + hw, cy - hh..cy + hh)
}

fn contour_chart_builder<'a, 'b>(area: &'a Area<'b>) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(64);
    builder
}

/// Pixel size of the plotting rectangle that a contour chart leaves inside
/// `area`, measured with a throw-away chart (building one draws nothing) so
/// that the equal-scale ranges fit exactly the box plotters draws into.
fn plot_box(area: &Area) -> Result<(u32, u32)> {
    let probe = contour_chart_builder(area).build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    Ok(probe.plotting_area().dim_in_pixel())
}

fn draw_contour_chart(area: &Area, p: &PreparedContour) -> Result<()> {
    let (x, y) = equal_scale_ranges(p.bbox, plot_box(area)?);
    let (x_ticks, y_ticks) = (linear_ticks(&x, 7), linear_ticks(&y, 7));
    let coords = (
        with_ticks(linear(x), &x_ticks),
        with_ticks(linear(y), &y_ticks),
    );
    let mut chart = contour_chart_builder(area).build_cartesian_2d(coords.0, coords.1)?;
    let x_fmt = |v: &f64| x_ticks.format.format(*v);
    let y_fmt = |v: &f64| y_ticks.format.format(*v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("θ₁")
        .y_desc("θ₂")
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 13))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    chart.draw_series(level_background(p.panel, &p.levels))?;
    chart.draw_series(
        p.lines
            .iter()
            .map(|l| PathElement::new(l.clone(), ISO_LINE.mix(0.55).stroke_width(1))),
    )?;
    let plot = chart.plotting_area();
    for (k, line) in p.panel.paths.iter().enumerate() {
        draw_path(plot, &line.points, path_colour(k))?;
    }
    for (k, (_, at)) in p.panel.markers.iter().enumerate() {
        if at.0.is_finite() && at.1.is_finite() {
            draw_marker(plot, *at, k, MARKER_SIZE)?;
        }
    }
    Ok(())
}

/// Light fill of each grid cell by the level band its mean falls in, merged
/// along rows into runs so the SVG stays small; reads like filled contours.
/// Without levels there are no bands, and no background.
fn level_background(p: &ContourPanel, levels: &[f64]) -> Vec<Rectangle<(f64, f64)>> {
    if levels.is_empty() {
        return Vec::new();
    }
    let band_of = |j: usize, i: usize| {
        let corners = [p.z[j][i], p.z[j][i + 1], p.z[j + 1][i], p.z[j + 1][i + 1]];
        corners
            .iter()
            .all(|v| v.is_finite())
            .then(|| levels.partition_point(|&l| l <= corners.iter().sum::<f64>() / 4.0))
    };
    let colour = |band: usize| lighten(viridis(band as f64 / levels.len() as f64), 0.6);
    let mut out = Vec::new();
    for j in 0..p.ys.len() - 1 {
        let mut i = 0;
        while i < p.xs.len() - 1 {
            let band = band_of(j, i);
            let mut end = i + 1;
            while end < p.xs.len() - 1 && band_of(j, end) == band {
                end += 1;
            }
            if let Some(b) = band {
                let corners = [(p.xs[i], p.ys[j]), (p.xs[end], p.ys[j + 1])];
                out.push(Rectangle::new(corners, colour(b).filled()));
            }
            i = end;
        }
    }
    out
}

fn draw_path<CT: CoordTranslate<From = (f64, f64)>>(
    plot: &DrawingArea<SVGBackend, CT>,
    points: &[(f64, f64)],
    colour: RGBColor,
) -> Result<()> {
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    for run in runs(points.iter().map(|p| finite(p).then_some(*p))) {
        plot.draw(&PathElement::new(run, colour.stroke_width(2)))?;
    }
    let visible: Vec<(f64, f64)> = points.iter().copied().filter(finite).collect();
    let step = (visible.len() / 10).max(1);
    for &p in visible.iter().step_by(step) {
        plot.draw(&Circle::new(p, 3, colour.filled()))?;
    }
    if let (Some(&first), Some(&last)) = (visible.first(), visible.last()) {
        plot.draw(&Circle::new(first, 5, WHITE.filled()))?;
        plot.draw(&Circle::new(first, 5, colour.stroke_width(2)))?;
        plot.draw(&Circle::new(last, 5, colour.filled()))?;
        plot.draw(&Circle::new(last, 5, WHITE.stroke_width(1)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{take_svg, temp_svg};
    use crate::plot::PathLine;

    /// `(θ - (2, 1))ᵀ H (θ - (2, 1))` for a rotated, ill-conditioned H.
    fn bowl_panel(title: &str, n: usize) -> ContourPanel {
        let xs: Vec<f64> = (0..n)
            .map(|i| -1.0 + 4.0 * i as f64 / (n - 1) as f64)
            .collect();
        let ys = xs.clone();
        let f = |x: f64, y: f64| {
            let (u, v) = (
                0.8 * (x - 2.0) + 0.6 * (y - 1.0),
                -0.6 * (x - 2.0) + 0.8 * (y - 1.0),
            );
            4.0 * u * u + 0.3 * v * v
        };
        let z = ys
            .iter()
            .map(|&y| xs.iter().map(|&x| f(x, y)).collect())
            .collect();
        let spiral = (0..40)
            .map(|k| {
                let t = k as f64 * 0.3;
                let r = 2.0 * (-0.08 * t).exp();
                (1.5 + r * t.cos(), 0.8 + r * t.sin())
            })
            .collect();
        ContourPanel {
            title: title.into(),
            xs,
            ys,
            z,
            paths: vec![
                PathLine {
                    label: "spiral".into(),
                    points: spiral,
                },
                PathLine {
                    label: "gappy".into(),
                    points: vec![(0.0, 0.0), (f64::NAN, 1.0), (0.5, 0.5)],
                },
                PathLine {
                    label: "lone".into(),
                    points: vec![(1.0, 1.0)],
                },
                PathLine {
                    label: "empty".into(),
                    points: vec![],
                },
            ],
            markers: vec![
                ("origin".into(), (0.0, 0.0)),
                ("minimum of R_emp".into(), (2.0, 1.0)),
            ],
            levels: 10,
            log_levels: true,
        }
    }

    #[test]
    fn contour_panels_draw_lines_paths_markers_and_legend() {
        let (_dir, path) = temp_svg("contour");
        let mut panels: Vec<ContourPanel> = (0..3)
            .map(|i| bowl_panel(&format!("λ = {i}"), 31))
            .collect();
        panels[1].log_levels = false;
        panels[2].levels = 0;
        panels[2].z[4][4] = f64::NAN;
        contour_panels(&path, "Loss landscape", &panels, 2).unwrap();
        let svg = take_svg(&path, "Loss landscape");
        for text in [
            "θ₁",
            "θ₂",
            "minimum of R_emp",
            "spiral",
            "start / end",
            "λ = 2",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        contour_panels(&path, "No columns", &panels[..1], 0).unwrap();
        take_svg(&path, "No columns");
    }

    #[test]
    fn contour_panels_reject_flat_or_malformed_grids() {
        let (_dir, path) = temp_svg("contour-bad");
        let mut flat = bowl_panel("flat", 5);
        flat.z = vec![vec![1.0; 5]; 5];
        let err = contour_panels(&path, "T", &[flat], 1).unwrap_err();
        assert!(err.to_string().contains("constant"), "{err}");
        let mut unsorted = bowl_panel("unsorted", 5);
        unsorted.xs.swap(0, 1);
        assert!(contour_panels(&path, "T", &[unsorted], 1).is_err());
        let mut short = bowl_panel("short", 5);
        short.z.pop();
        assert!(contour_panels(&path, "T", &[short], 1).is_err());
        assert!(contour_panels(&path, "T", &[], 1).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn equal_scale_ranges_give_square_pixels() {
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (520, 470)).into_drawing_area();
        let bbox = (-1.0, 3.0, 0.5, 1.5);
        let (x, y) = equal_scale_ranges(bbox, plot_box(&root).unwrap());
        assert!(x.start <= bbox.0 && x.end >= bbox.1 && y.start <= bbox.2 && y.end >= bbox.3);
        let chart = contour_chart_builder(&root)
            .build_cartesian_2d(x, y)
            .unwrap();
        let origin = chart.backend_coord(&(0.0, 1.0));
        let right = chart.backend_coord(&(1.0, 1.0));
        let up = chart.backend_coord(&(0.0, 2.0));
        let (px_x, px_y) = (f64::from(right.0 - origin.0), f64::from(origin.1 - up.1));
        assert!(
            (px_x / px_y - 1.0).abs() < 0.01,
            "{px_x} px vs {px_y} px per unit"
        );
    }

    #[test]
    fn iso_levels_are_spaced_linearly_or_geometrically() {
        assert_eq!(iso_levels(0.0, 10.0, 4, false), vec![2.0, 4.0, 6.0, 8.0]);
        let geo = iso_levels(1.0, 1001.0, 3, true);
        assert!(
            geo.windows(2).all(|w| w[1] - 1.0 > 3.0 * (w[0] - 1.0)),
            "{geo:?}"
        );
    }
}
