//! Map panels: a statistic against a regime axis (linear or log), one series per method with
//! 95 % interval bars, and horizontal or sloped reference lines for the limits a theory
//! predicts. The map figure draws the slope of the best decay in both conventions, the best
//! total decay F, and (on the data-size axis) the best decay against N.

use std::iter::once;
use std::path::Path;

use anyhow::{bail, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{palette, FONT, MARGIN, MESH_BOLD};
use super::svg::{draw_title, fit_font, text_style, Area};

const PANEL_W: u32 = 380;
const PANEL_H: u32 = 360;
const PANEL_HEAD: u32 = 44;
const KEY_H: u32 = 30;
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

/// One estimate: drawn filled when `settled`, open otherwise; its bar is clipped to the panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapMark {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) bar: Option<(f64, f64)>,
    pub(crate) settled: bool,
}

/// One method's marks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapSeries {
    pub(crate) label: String,
    pub(crate) colour: usize,
    pub(crate) marks: Vec<MapMark>,
}

/// A reference line from (x0, y0) to (x1, y1) in data units, with its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RefLine {
    pub(crate) from: (f64, f64),
    pub(crate) to: (f64, f64),
    pub(crate) label: String,
}

/// One panel: y linear within `y_range`, or log when `log_y`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapPanel {
    pub(crate) title: String,
    pub(crate) y_label: String,
    pub(crate) log_y: bool,
    /// Fixed y range (data units); None: from the marks.
    pub(crate) y_range: Option<(f64, f64)>,
    pub(crate) series: Vec<MapSeries>,
    pub(crate) refs: Vec<RefLine>,
}

/// The x axis every panel shares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapAxis {
    pub(crate) label: String,
    pub(crate) log: bool,
    /// The values marked under the axis (the map's points).
    pub(crate) ticks: Vec<f64>,
}

/// The panels side by side under `title`; fails when no panel has a mark.
pub(crate) fn map_panels(path: &Path, title: &str, x: &MapAxis, panels: &[MapPanel]) -> Result<()> {
    if !panels
        .iter()
        .any(|p| p.series.iter().any(|s| !s.marks.is_empty()))
    {
        bail!("map figure '{title}': no point to draw");
    }
    let w = panels.len() as u32 * PANEL_W;
    let size = (w + 2 * MARGIN as u32, PANEL_H + PANEL_HEAD + KEY_H + 80);
    super::svg::write_svg(path, size, |root| {
        let body = draw_title(root, title)?;
        let (grid, key) = body.split_vertically(PANEL_H + PANEL_HEAD);
        let cells = grid
            .margin(0, 0, MARGIN, MARGIN)
            .split_evenly((1, panels.len()));
        for (area, p) in cells.iter().zip(panels) {
            draw_panel(area, p, x)?;
        }
        draw_key(&key, panels)
    })
}

/// Data → drawing coordinates (log10 on a log axis).
fn tr(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

fn bounds(vals: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    vals.filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(l, h)| (l.min(v), h.max(v))))
        })
}

/// A panel's chart: linear drawing coordinates on both axes (log10 already taken by [`tr`]).
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One panel: its title, then mesh, x ticks, reference lines and marks; only the title when
/// the ticks or the marks give no range.
fn draw_panel(area: &Area, p: &MapPanel, x: &MapAxis) -> Result<()> {
    let (w, _) = area.dim_in_pixel();
    let head = text_style(
        fit_font(&p.title, 15.0, f64::from(w) - 10.0),
        HPos::Center,
        VPos::Top,
    );
    area.draw_text(&p.title, &head, (w as i32 / 2, 4))?;
    let plot = area.margin(PANEL_HEAD as i32, 0, 0, 0);
    let Some((x_lo, x_hi)) = bounds(x.ticks.iter().map(|&v| tr(v, x.log))) else {
        return Ok(());
    };
    let pad = ((x_hi - x_lo) * 0.08).max(0.05);
    let Some(y) = y_span(p) else {
        return Ok(());
    };
    let (x0, x1) = (x_lo - pad, x_hi + pad);
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(44)
        .y_label_area_size(66)
        .build_cartesian_2d(x0..x1, y.0..y.1)?;
    draw_mesh(&mut chart, p, x)?;
    draw_ticks(&mut chart, &plot, x, y)?;
    draw_refs(&mut chart, &plot, p, x.log, y)?;
    draw_marks(&mut chart, p, x.log, x1 - x0, y)
}

/// The panel's y range in drawing coordinates: the fixed one, else the marks' (bars included
/// on a linear axis) padded; None when no mark gives one.
fn y_span(p: &MapPanel) -> Option<(f64, f64)> {
    let ys = p.series.iter().flat_map(|s| {
        s.marks
            .iter()
            .flat_map(|m| once(m.y).chain(m.bar.into_iter().flat_map(|(a, b)| [a, b])))
    });
    // On a log axis the range follows the marks (a bar may reach 0 or ∞: it is clipped), at
    // least a decade wide.
    let ys: Vec<f64> = if p.log_y {
        p.series
            .iter()
            .flat_map(|s| s.marks.iter().map(|m| m.y))
            .filter(|v| *v > 0.0)
            .map(f64::log10)
            .flat_map(|v| [v - 0.5, v + 0.5])
            .collect()
    } else {
        ys.map(|v| tr(v, false)).collect()
    };
    match p.y_range {
        Some((a, b)) => Some((tr(a, p.log_y), tr(b, p.log_y))),
        None => {
            let (a, b) = bounds(ys.into_iter())?;
            let pad = ((b - a) * 0.1).max(0.1);
            Some((a - pad, b + pad))
        }
    }
}

/// The mesh (y lines only), the axis names, and the y labels (values on a log axis).
fn draw_mesh(chart: &mut Chart, p: &MapPanel, x: &MapAxis) -> Result<()> {
    let log_y = p.log_y;
    let yf = move |v: &f64| {
        if log_y {
            significant(10f64.powf(*v))
        } else {
            format!("{v:+.1}")
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(p.y_label.as_str())
        .x_desc(x.label.as_str())
        .axis_desc_style((FONT, 13))
        .label_style((FONT, 11))
        .y_label_formatter(&yf)
        .bold_line_style(MESH_BOLD)
        .light_line_style(WHITE)
        .draw()?;
    Ok(())
}

/// A label under the axis and a vertical mesh line at each of the map's points.
fn draw_ticks(chart: &mut Chart, plot: &Area, x: &MapAxis, (y_lo, y_hi): (f64, f64)) -> Result<()> {
    let tick_style = text_style(11.0, HPos::Center, VPos::Top);
    for &t in &x.ticks {
        let (px, py) = chart.backend_coord(&(tr(t, x.log), y_lo));
        plot.draw_text(
            &short_tick(t),
            &tick_style,
            (
                px - plot.get_base_pixel().0,
                py - plot.get_base_pixel().1 + 4,
            ),
        )?;
        chart.draw_series(once(PathElement::new(
            vec![(tr(t, x.log), y_lo), (tr(t, x.log), y_hi)],
            MESH_BOLD.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// Each reference line dashed, clipped to the y range, labelled at its end.
fn draw_refs(
    chart: &mut Chart,
    plot: &Area,
    p: &MapPanel,
    x_log: bool,
    (y_lo, y_hi): (f64, f64),
) -> Result<()> {
    for r in &p.refs {
        let a = (tr(r.from.0, x_log), tr(r.from.1, p.log_y).clamp(y_lo, y_hi));
        let b = (tr(r.to.0, x_log), tr(r.to.1, p.log_y).clamp(y_lo, y_hi));
        chart.draw_series(once(DashedPathElement::new(
            vec![a, b],
            6,
            4,
            REFERENCE.stroke_width(1),
        )))?;
        let at = chart.backend_coord(&b);
        let base = plot.get_base_pixel();
        let style = text_style(11.0, HPos::Right, VPos::Bottom).color(&REFERENCE);
        plot.draw_text(&r.label, &style, (at.0 - base.0 - 2, at.1 - base.1 - 2))?;
    }
    Ok(())
}

/// Each series' marks and bars, shifted sideways by series across `x_width` (the x range).
fn draw_marks(
    chart: &mut Chart,
    p: &MapPanel,
    x_log: bool,
    x_width: f64,
    y: (f64, f64),
) -> Result<()> {
    let n = p.series.len().max(1) as f64;
    for (i, s) in p.series.iter().enumerate() {
        // Series side by side around each point, so bars do not hide each other.
        let dx = (i as f64 - (n - 1.0) / 2.0) * x_width * 0.015;
        let c = palette(s.colour);
        for m in &s.marks {
            draw_mark(chart, m, tr(m.x, x_log) + dx, c, p.log_y, y)?;
        }
    }
    Ok(())
}

/// One mark at drawing x `px`: its bar clipped to the y range, then the circle (filled when
/// settled); no circle for a value ≤ 0 on a log axis.
fn draw_mark(
    chart: &mut Chart,
    m: &MapMark,
    px: f64,
    c: RGBColor,
    log_y: bool,
    (y_lo, y_hi): (f64, f64),
) -> Result<()> {
    if let Some((lo, hi)) = m.bar {
        let clip = |v: f64| {
            if log_y && v <= 0.0 {
                y_lo
            } else {
                tr(v, log_y).clamp(y_lo, y_hi)
            }
        };
        // An unsettled mark's bar (often reaching ±∞) is drawn light, so the settled
        // ones stand out.
        let style = if m.settled {
            c.stroke_width(2)
        } else {
            c.mix(0.45).stroke_width(1)
        };
        chart.draw_series(once(PathElement::new(
            vec![(px, clip(lo)), (px, clip(hi))],
            style,
        )))?;
    }
    if log_y && m.y <= 0.0 {
        return Ok(());
    }
    let at = (px, tr(m.y, log_y).clamp(y_lo, y_hi));
    let fill = if m.settled {
        c.filled()
    } else {
        WHITE.filled()
    };
    let mark = EmptyElement::at(at)
        + Circle::new((0, 0), 5, fill)
        + Circle::new((0, 0), 5, c.stroke_width(2));
    chart.draw_series(once(mark))?;
    Ok(())
}

/// Two significant digits: `0.031`, `2.4`, `150`.
fn significant(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        let digits = (1 - v.log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    }
}

fn short_tick(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        format!("{v}")
    } else {
        crate::util::fmt::decimal(v)
    }
}

/// One key line: each method's colour, and what a filled and an open mark mean.
fn draw_key(area: &Area, panels: &[MapPanel]) -> Result<()> {
    let style = text_style(13.0, HPos::Left, VPos::Center);
    let mut x = MARGIN;
    let y = 14;
    let mut seen: Vec<(String, usize)> = Vec::new();
    for s in panels.iter().flat_map(|p| &p.series) {
        if !seen.iter().any(|(l, _)| *l == s.label) {
            seen.push((s.label.clone(), s.colour));
        }
    }
    for (label, colour) in seen {
        area.draw(&Circle::new((x + 6, y), 5, palette(colour).filled()))?;
        area.draw_text(&label, &style, (x + 16, y))?;
        x += 30 + (label.chars().count() as i32) * 8;
    }
    let text = "filled: the intervals tell the limits apart; open: not settled or no valley; bars: 95 % intervals (every analyst's choice)";
    area.draw_text(text, &style, (x + 10, y))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{take_svg, temp_svg, texts};

    #[test]
    fn draws_marks_references_and_ticks() {
        let (_dir, path) = temp_svg("map-panels");
        let panel = MapPanel {
            title: "slope of the best λ".into(),
            y_label: "slope".into(),
            log_y: false,
            y_range: Some((-2.0, 1.0)),
            series: vec![MapSeries {
                label: "SGD + L2".into(),
                colour: 0,
                marks: vec![
                    MapMark {
                        x: 50.0,
                        y: -0.1,
                        bar: Some((-0.5, 0.3)),
                        settled: false,
                    },
                    MapMark {
                        x: 400.0,
                        y: -0.9,
                        bar: Some((-1.3, -0.6)),
                        settled: true,
                    },
                ],
            }],
            refs: vec![RefLine {
                from: (50.0, -1.0),
                to: (400.0, -1.0),
                label: "timescale".into(),
            }],
        };
        let axis = MapAxis {
            label: "epochs".into(),
            log: true,
            ticks: vec![50.0, 100.0, 400.0],
        };
        map_panels(&path, "Map", &axis, &[panel]).unwrap();
        let svg = take_svg(&path, "Map");
        let t = texts(&svg);
        for want in ["400", "50", "timescale", "SGD + L2", "slope of the best λ"] {
            assert!(t.iter().any(|s| s == want), "{want} missing in {t:?}");
        }
    }

    #[test]
    fn refuses_a_figure_without_marks() {
        let (_dir, path) = temp_svg("map-empty");
        let axis = MapAxis {
            label: "epochs".into(),
            log: true,
            ticks: vec![50.0],
        };
        let p = MapPanel {
            title: "t".into(),
            y_label: "y".into(),
            log_y: false,
            y_range: None,
            series: vec![],
            refs: vec![],
        };
        let err = map_panels(&path, "Map", &axis, &[p])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no point to draw"), "{err}");
    }
}
