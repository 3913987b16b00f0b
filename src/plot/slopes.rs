//! Slope panels: on log-log axes, the best y at each x with the range of ties as an error
//! bar, a fitted line with its band, and reference slopes through one point. The coupling
//! figure draws one panel per method and decay convention.

use std::iter::once;
use std::path::Path;

use anyhow::{bail, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{axis_range, log, log_ticks, with_ticks, TickedAxis};
use super::style::{palette, FONT, MARGIN, MESH_BOLD, MESH_LIGHT};
use super::svg::{draw_title, fit_font, text_style, Area};

const PANEL_W: u32 = 330;
const PANEL_H: u32 = 330;
/// Above each panel's plot: its title and its note.
const PANEL_HEAD: u32 = 60;
const KEY_H: u32 = 76;
/// The grey of a point whose x failed (it did not train).
const FAILED_GREY: RGBColor = RGBColor(160, 160, 160);
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

/// How a point is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointKind {
    /// Bracketed: filled.
    Inside,
    /// At an end of what was tried: open.
    AtEnd,
    /// Its x failed (did not train): grey.
    Failed,
}

/// The best y at one x.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SlopePoint {
    pub(crate) x: f64,
    /// None: the best is 0, drawn open on the bottom edge (a log axis has no 0).
    pub(crate) y: Option<f64>,
    /// The smallest and largest positive y tied with the best: an error bar.
    pub(crate) range: Option<(f64, f64)>,
    pub(crate) kind: PointKind,
}

/// One panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SlopePanel {
    pub(crate) title: String,
    /// Up to two lines under the title (the fitted slope and what it reads as).
    pub(crate) note: String,
    pub(crate) y_label: String,
    pub(crate) points: Vec<SlopePoint>,
    /// The fitted line `(x, y, lower, upper)` with its band (bounds may be infinite: clipped).
    pub(crate) fit: Vec<(f64, f64, f64, f64)>,
    /// Reference slopes −1 and 0 are drawn through this point.
    pub(crate) through: Option<(f64, f64)>,
    /// Palette index of the panel's colour.
    pub(crate) colour: usize,
}

/// The panels in a grid `columns` wide under `title`, with a key at the bottom. Fails when no
/// panel has a point to draw.
pub(crate) fn slope_panels(
    path: &Path,
    title: &str,
    x_label: &str,
    panels: &[SlopePanel],
    columns: usize,
) -> Result<()> {
    if !panels.iter().any(|p| !p.points.is_empty()) {
        bail!("slope panels '{title}': no point to draw");
    }
    let columns = columns.clamp(1, panels.len()) as u32;
    let rows = (panels.len() as u32).div_ceil(columns);
    let (w, h) = (columns * PANEL_W, rows * (PANEL_H + PANEL_HEAD));
    let size = (w + 2 * MARGIN as u32, h + KEY_H + 70);
    super::svg::write_svg(path, size, |root| {
        let body = draw_title(root, title)?;
        let (grid, key) = body.split_vertically(h);
        let cells = grid
            .margin(0, 0, MARGIN, MARGIN)
            .split_evenly((rows as usize, columns as usize));
        for (area, p) in cells.iter().zip(panels) {
            draw_panel(area, p, x_label)?;
        }
        draw_key(&key)
    })
}

/// The y range of a panel: its points, bars, fitted line and reference point, with room
/// below for a best of 0 when there is one.
fn y_bounds(p: &SlopePanel) -> Option<(f64, f64)> {
    let ys = p
        .points
        .iter()
        .flat_map(|q| {
            q.y.into_iter()
                .chain(q.range.into_iter().flat_map(|(a, b)| [a, b]))
        })
        .chain(p.fit.iter().map(|f| f.1))
        .chain(p.through.map(|t| t.1))
        .filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = ys.fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(l, h)| (l.min(v), h.max(v))))
    })?;
    let zero = p.points.iter().any(|q| q.y.is_none());
    Some((if zero { lo / 2.0 } else { lo }, hi))
}

fn draw_panel(area: &Area, p: &SlopePanel, x_label: &str) -> Result<()> {
    let (w, _) = area.dim_in_pixel();
    let head = text_style(
        fit_font(&p.title, 16.0, f64::from(w) - 10.0),
        HPos::Center,
        VPos::Top,
    );
    area.draw_text(&p.title, &head, (w as i32 / 2, 2))?;
    for (i, line) in p.note.lines().take(2).enumerate() {
        let size = fit_font(line, 13.0, f64::from(w) - 10.0);
        let style = text_style(size, HPos::Center, VPos::Top);
        area.draw_text(line, &style, (w as i32 / 2, 24 + 16 * i as i32))?;
    }
    let plot = area.margin(PANEL_HEAD as i32, 0, 0, 0);
    let xs = p
        .points
        .iter()
        .map(|q| q.x)
        .filter(|x| x.is_finite() && *x > 0.0);
    let Some((x_lo, x_hi)) = xs.fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(l, h)| (l.min(v), h.max(v))))
    }) else {
        return Ok(());
    };
    let Some((y_lo, y_hi)) = y_bounds(p) else {
        return Ok(());
    };
    let (x, y) = (axis_range(x_lo, x_hi, true), axis_range(y_lo, y_hi, true));
    let (xt, yt) = (log_ticks(&x), log_ticks(&y));
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(62)
        .build_cartesian_2d(
            with_ticks(log(x.clone()), &xt),
            with_ticks(log(y.clone()), &yt),
        )?;
    let (xf, yf) = (
        |v: &f64| xt.format.format(*v),
        |v: &f64| yt.format.format(*v),
    );
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(p.y_label.as_str())
        .axis_desc_style((FONT, 14))
        .label_style((FONT, 12))
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .bold_line_style(MESH_BOLD)
        .light_line_style(MESH_LIGHT)
        .draw()?;
    let colour = palette(p.colour);
    draw_fit(&mut chart, p, colour, &y)?;
    if let Some(t) = p.through {
        draw_references(&mut chart, t, (&x, &y))?;
    }
    draw_points(&mut chart, p, colour, y.start)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<TickedAxis<LogCoord<f64>>, TickedAxis<LogCoord<f64>>>,
>;

/// The fitted line over its band, the band clipped to the y range.
fn draw_fit(
    chart: &mut Chart,
    p: &SlopePanel,
    colour: RGBColor,
    y: &std::ops::Range<f64>,
) -> Result<()> {
    if p.fit.is_empty() {
        return Ok(());
    }
    let clip = |v: f64| v.clamp(y.start, y.end);
    let outline: Vec<(f64, f64)> = p
        .fit
        .iter()
        .map(|f| (f.0, clip(f.3)))
        .chain(p.fit.iter().rev().map(|f| (f.0, clip(f.2))))
        .collect();
    chart.draw_series(once(Polygon::new(outline, colour.mix(0.2).filled())))?;
    let line: Vec<(f64, f64)> = p.fit.iter().map(|f| (f.0, clip(f.1))).collect();
    chart.draw_series(once(PathElement::new(line, colour.stroke_width(2))))?;
    Ok(())
}

/// Lines of slope −1 (dashed) and 0 (dotted) through `t`, clipped to the axes in log space.
fn draw_references(
    chart: &mut Chart,
    t: (f64, f64),
    (x, y): (&std::ops::Range<f64>, &std::ops::Range<f64>),
) -> Result<()> {
    let (lx, ly) = (t.0.log10(), t.1.log10());
    let (x0, x1) = (x.start.log10(), x.end.log10());
    let (y0, y1) = (y.start.log10(), y.end.log10());
    // Slope −1: log y = ly − (log x − lx), inside both ranges.
    let from = x0.max(lx + ly - y1);
    let to = x1.min(lx + ly - y0);
    let p = |lxv: f64, s: f64| (10f64.powf(lxv), 10f64.powf(ly + s * (lxv - lx)));
    if from < to {
        let pts = vec![p(from, -1.0), p(to, -1.0)];
        chart.draw_series(once(DashedPathElement::new(
            pts,
            7,
            5,
            REFERENCE.stroke_width(1),
        )))?;
    }
    let flat = vec![p(x0, 0.0), p(x1, 0.0)];
    chart.draw_series(once(DashedPathElement::new(
        flat,
        2,
        4,
        REFERENCE.stroke_width(1),
    )))?;
    Ok(())
}

/// Each x's best with its tie bar: filled inside, open at an end, grey where x failed; a
/// best of 0 open on the bottom edge.
fn draw_points(chart: &mut Chart, p: &SlopePanel, colour: RGBColor, bottom: f64) -> Result<()> {
    for q in &p.points {
        let c = if q.kind == PointKind::Failed {
            FAILED_GREY
        } else {
            colour
        };
        if let Some((lo, hi)) = q.range {
            chart.draw_series(once(PathElement::new(
                vec![(q.x, lo), (q.x, hi)],
                c.stroke_width(2),
            )))?;
            for v in [lo, hi] {
                let cap = EmptyElement::at((q.x, v))
                    + PathElement::new(vec![(-4, 0), (4, 0)], c.stroke_width(2));
                chart.draw_series(once(cap))?;
            }
        }
        let at = (q.x, q.y.unwrap_or(bottom));
        let open = q.y.is_none() || q.kind == PointKind::AtEnd;
        let marker = if open {
            EmptyElement::at(at)
                + Circle::new((0, 0), 5, WHITE.filled())
                + Circle::new((0, 0), 5, c.stroke_width(2))
        } else {
            EmptyElement::at(at)
                + Circle::new((0, 0), 5, c.filled())
                + Circle::new((0, 0), 5, c.stroke_width(1))
        };
        chart.draw_series(once(marker))?;
    }
    Ok(())
}

/// What the marks mean, once for every panel.
fn draw_key(area: &Area) -> Result<()> {
    let style = text_style(13.0, HPos::Left, VPos::Center);
    let c = palette(0);
    let rows: [(&str, i32); 3] = [
        ("best decay at α; bar: the decays tied with it (within the seed noise)", 0),
        ("open: best at an end of the decays tried (on the bottom edge: no decay); grey: α failed to train", 1),
        ("line and band: the fitted valley floor and its 95 % band; dashed: slope −1, dotted: slope 0, through the chosen cell", 2),
    ];
    for (text, row) in rows {
        let y = 14 + 22 * row;
        let x = MARGIN;
        match row {
            0 => {
                area.draw(&PathElement::new(
                    vec![(x + 10, y - 8), (x + 10, y + 8)],
                    c.stroke_width(2),
                ))?;
                area.draw(&Circle::new((x + 10, y), 5, c.filled()))?;
            }
            1 => {
                area.draw(&Circle::new((x + 4, y), 5, c.stroke_width(2)))?;
                area.draw(&Circle::new((x + 18, y), 5, FAILED_GREY.filled()))?;
            }
            _ => {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 24, y + 6)],
                    c.mix(0.2).filled(),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    c.stroke_width(2),
                ))?;
            }
        }
        area.draw_text(text, &style, (x + 32, y))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{take_svg, temp_svg, texts};

    fn panel(colour: usize, with_fit: bool) -> SlopePanel {
        let xs = [1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2];
        let points = xs
            .iter()
            .enumerate()
            .map(|(i, &x)| SlopePoint {
                x,
                y: (i != 0).then(|| 1e-4 * 2f64.powi(i as i32)),
                range: (i == 2).then_some((2e-4, 8e-4)),
                kind: match i {
                    4 => PointKind::Failed,
                    3 => PointKind::AtEnd,
                    _ => PointKind::Inside,
                },
            })
            .collect();
        let fit = if with_fit {
            xs[1..4]
                .iter()
                .map(|&x| (x, 0.1 * x, 0.05 * x, f64::INFINITY))
                .collect()
        } else {
            Vec::new()
        };
        SlopePanel {
            title: format!("method {colour}"),
            note: "valley slope +1.00 [+0.8, +1.2]: coupled".into(),
            y_label: "best λ".into(),
            points,
            fit,
            through: Some((4e-3, 4e-4)),
            colour,
        }
    }

    #[test]
    fn one_band_per_fitted_panel_and_one_marker_per_point() {
        let (_dir, path) = temp_svg("slopes");
        let panels = [panel(0, true), panel(1, false), panel(2, true)];
        slope_panels(&path, "Coupling", "α", &panels, 3).unwrap();
        let svg = take_svg(&path, "Coupling");
        assert_eq!(
            svg.matches("<polygon").count(),
            2,
            "a band per fitted panel"
        );
        let t = texts(&svg);
        assert!(t.iter().any(|s| s.contains("coupled")));
        // Two circles (fill and edge) per point, five points a panel, and three in the key.
        let markers = svg.matches("r=\"5\"").count();
        assert_eq!(markers, 2 * 3 * 5 + 3, "one marker per α");
    }

    #[test]
    fn nothing_to_draw_is_an_error() {
        let (_dir, path) = temp_svg("slopes-none");
        let empty = SlopePanel::default();
        assert!(slope_panels(&path, "None", "α", &[empty], 1).is_err());
        assert!(!path.exists());
    }
}
