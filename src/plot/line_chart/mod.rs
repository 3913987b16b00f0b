//! Line charts: curves with optional uncertainty bands and a legend beside the plot.

use std::iter::once;
use std::ops::Range;
use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{axis_range, linear, linear_ticks, log, log_ticks, with_ticks, Ticks};
use super::drawable::{drawable_value, runs};
use super::style::{palette, FONT, MESH_BOLD, MESH_LIGHT};
use super::svg::{draw_title, text_style, text_width, write_svg, Area};
use super::{Axes, Series};
use crate::util::fmt::decimal;

const LINE_PLOT_W: u32 = 820;
const LINE_PLOT_H: u32 = 560;
const LEGEND_FONT: f64 = 15.0;
/// Height of the zoomed panel under the main one, and the main panel's share given up to
/// the caption between them.
const ZOOM_PLOT_H: u32 = 380;
const TITLE_SPACE: u32 = 64;
/// Two curves closer than this fraction of the y range everywhere coincide on screen.
const COINCIDE_PER_RANGE: f64 = 400.0;
/// The fewest x values the last third must hold for the zoomed panel to be drawn.
const MIN_TAIL_POINTS: usize = 3;
/// Curves up to this many points get a dot on each point, which shows where
/// the measurements are; on longer curves the dots would merge into a smear.
const MAX_DOTTED_POINTS: usize = 60;

/// A [`Series`] reduced to the finite pieces that can be drawn.
struct DrawableSeries {
    label: String,
    /// Maximal runs of consecutive drawable points; a gap breaks the line.
    runs: Vec<Vec<(f64, f64)>>,
    /// Runs of `(x, lower, upper)` with all three drawable.
    bands: Vec<Vec<(f64, f64, f64)>>,
    /// The earlier series this one coincides with, if any: it is then drawn dashed over it,
    /// so that both stay visible, and its legend says so.
    coincides_with: Option<usize>,
}

impl DrawableSeries {
    fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.bands.is_empty()
    }
}

/// Whether a chart joins each series' points by lines or only marks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marks {
    Lines,
    Points,
}

/// Line chart with legend, labelled axes, optional log scales, bands drawn semi-transparent under lines.
///
/// Fails (rather than drawing an empty frame) when no series has a single
/// drawable point.
pub(crate) fn line_chart(path: &Path, axes: &Axes, series: &[Series]) -> Result<()> {
    chart(path, axes, series, Marks::Lines, &Overlay::default())
}

/// What a scatter chart draws besides the points: a fitted curve per series and x windows
/// shaded behind everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Overlay {
    /// `fits[i]`: the curve fitted to series `i` (empty: none), drawn in its colour.
    pub(crate) fits: Vec<Vec<(f64, f64)>>,
    /// `(series index, x from, x to)`: a span shaded in that series' colour.
    pub(crate) windows: Vec<(usize, f64, f64)>,
}

/// Scatter chart: each series' points marked, not joined (the order of the points does not
/// matter), every other series hollow so that coinciding points stay visible; `overlay` adds
/// fitted curves and shaded windows; otherwise as [`line_chart`].
pub(crate) fn scatter_chart(
    path: &Path,
    axes: &Axes,
    series: &[Series],
    overlay: &Overlay,
) -> Result<()> {
    chart(path, axes, series, Marks::Points, overlay)
}

fn chart(
    path: &Path,
    axes: &Axes,
    series: &[Series],
    marks: Marks,
    overlay: &Overlay,
) -> Result<()> {
    let mut drawable: Vec<DrawableSeries> = series
        .iter()
        .map(|s| drawable_series(s, axes.log_x, axes.log_y))
        .collect();
    let (x_lo, x_hi, y_lo, y_hi) = data_bounds(&drawable, f64::NEG_INFINITY).ok_or_else(|| {
        let why = if axes.log_x || axes.log_y {
            " (log axes also drop values <= 0)"
        } else {
            ""
        };
        anyhow!("line chart '{}': no finite points to draw{why}", axes.title)
    })?;
    if marks == Marks::Lines {
        mark_coinciding(&mut drawable, (y_hi - y_lo) / COINCIDE_PER_RANGE);
    }
    let main = Ranges::new(axes, (x_lo, x_hi), (y_lo, y_hi));
    // The last third of the x range, with its own y range: where the final differences are.
    let tail = axes
        .zoom_tail
        .then(|| {
            let cut = x_lo + (x_hi - x_lo) * 2.0 / 3.0;
            // A tail of one or two evaluations has no course to show: no second panel.
            let mut tail_xs: Vec<f64> = drawable
                .iter()
                .flat_map(|s| s.runs.iter().flatten())
                .map(|p| p.0)
                .filter(|&x| x >= cut)
                .collect();
            tail_xs.sort_by(f64::total_cmp);
            tail_xs.dedup();
            if tail_xs.len() < MIN_TAIL_POINTS {
                return None;
            }
            let (_, _, lo, hi) = data_bounds(&drawable, cut)?;
            Some(Ranges::new(axes, (cut, x_hi), (lo, hi)))
        })
        .flatten();
    let legend_w = line_legend_width(&drawable);
    let height = if tail.is_some() {
        LINE_PLOT_H + ZOOM_PLOT_H
    } else {
        LINE_PLOT_H
    };
    write_svg(path, (LINE_PLOT_W + legend_w, height), |root| {
        let body = draw_title(root, &axes.title)?;
        let (plots, legend) = body.split_horizontally(LINE_PLOT_W);
        let d = (&drawable[..], marks, overlay);
        match &tail {
            Some(t) => {
                let (upper, lower) = plots.split_vertically(LINE_PLOT_H - TITLE_SPACE);
                draw_ranged(&upper, axes, d, &main)?;
                let tail_series = from_x(&drawable, t.x.start);
                let first = data_bounds(&tail_series, f64::NEG_INFINITY).map_or(x_hi, |b| b.0);
                let caption = format!(
                    "last third of training ({} {}–{}), own y range",
                    axes.x_label,
                    decimal(first),
                    decimal(x_hi)
                );
                let style = text_style(15.0, HPos::Center, VPos::Top);
                lower.draw_text(&caption, &style, (LINE_PLOT_W as i32 / 2, 0))?;
                let d = (&tail_series[..], marks, overlay);
                draw_ranged(&lower.margin(20, 0, 0, 0), axes, d, t)?;
            }
            None => draw_ranged(&plots, axes, d, &main)?,
        }
        draw_line_legend(&legend, &drawable, marks)
    })
}

/// The series, how they are marked, and the overlay.
type Drawn<'a> = (&'a [DrawableSeries], Marks, &'a Overlay);

/// A chart's padded axis ranges and their ticks.
struct Ranges {
    x: Range<f64>,
    y: Range<f64>,
    x_ticks: Ticks,
    y_ticks: Ticks,
}

impl Ranges {
    fn new(axes: &Axes, (x_lo, x_hi): (f64, f64), (y_lo, y_hi): (f64, f64)) -> Self {
        let x = axis_range(x_lo, x_hi, axes.log_x);
        let y = axis_range(y_lo, y_hi, axes.log_y);
        let x_ticks = if axes.log_x {
            log_ticks(&x)
        } else {
            linear_ticks(&x, 10)
        };
        let y_ticks = if axes.log_y {
            log_ticks(&y)
        } else {
            linear_ticks(&y, 8)
        };
        Ranges {
            x,
            y,
            x_ticks,
            y_ticks,
        }
    }
}

/// One plot of the series on `r`, in the axes' scales.
fn draw_ranged(area: &Area, axes: &Axes, d: Drawn, r: &Ranges) -> Result<()> {
    let ticks = (&r.x_ticks, &r.y_ticks);
    let (x, y) = (r.x.clone(), r.y.clone());
    match (axes.log_x, axes.log_y) {
        (false, false) => draw_line_plot(area, axes, d, (linear(x), linear(y)), ticks),
        (true, false) => draw_line_plot(area, axes, d, (log(x), linear(y)), ticks),
        (false, true) => draw_line_plot(area, axes, d, (linear(x), log(y)), ticks),
        (true, true) => draw_line_plot(area, axes, d, (log(x), log(y)), ticks),
    }
}

/// The series cut to x ≥ `cut` (plotters does not clip a line to its plot).
fn from_x(series: &[DrawableSeries], cut: f64) -> Vec<DrawableSeries> {
    let keep = |run: &Vec<(f64, f64)>| run.iter().copied().filter(|p| p.0 >= cut).collect();
    series
        .iter()
        .map(|s| DrawableSeries {
            label: s.label.clone(),
            runs: s
                .runs
                .iter()
                .map(keep)
                .filter(|r: &Vec<_>| !r.is_empty())
                .collect(),
            bands: s
                .bands
                .iter()
                .map(|b| b.iter().copied().filter(|p| p.0 >= cut).collect())
                .filter(|b: &Vec<_>| !b.is_empty())
                .collect(),
            coincides_with: s.coincides_with,
        })
        .collect()
}

/// Marks each series that coincides with an earlier one: the same x values and every y within
/// `tol` of it (closer than a pixel or so, where the later curve would hide the earlier).
fn mark_coinciding(series: &mut [DrawableSeries], tol: f64) {
    for i in 1..series.len() {
        series[i].coincides_with = (0..i).find(|&j| {
            let (a, b) = (&series[i].runs, &series[j].runs);
            !a.is_empty()
                && a.len() == b.len()
                && a.iter().zip(b).all(|(ra, rb)| {
                    ra.len() == rb.len()
                        && ra
                            .iter()
                            .zip(rb)
                            .all(|(p, q)| p.0 == q.0 && (p.1 - q.1).abs() <= tol)
                })
        });
    }
}

fn drawable_series(s: &Series, log_x: bool, log_y: bool) -> DrawableSeries {
    let points =
        s.x.iter().zip(&s.y).map(|(&x, &y)| {
            (drawable_value(x, log_x) && drawable_value(y, log_y)).then_some((x, y))
        });
    let bands = match &s.band {
        Some((lo, hi)) => runs(s.x.iter().zip(lo).zip(hi).map(|((&x, &l), &h)| {
            let ok =
                drawable_value(x, log_x) && drawable_value(l, log_y) && drawable_value(h, log_y);
            ok.then_some((x, l, h))
        })),
        None => Vec::new(),
    };
    DrawableSeries {
        label: s.label.clone(),
        runs: runs(points),
        bands,
        coincides_with: None,
    }
}

/// `(x_min, x_max, y_min, y_max)` over all drawable points and bands at x ≥ `from`.
fn data_bounds(series: &[DrawableSeries], from: f64) -> Option<(f64, f64, f64, f64)> {
    let points = series.iter().flat_map(|s| {
        let line = s.runs.iter().flatten().copied();
        let band = s
            .bands
            .iter()
            .flatten()
            .flat_map(|&(x, l, h)| [(x, l), (x, h)]);
        line.chain(band)
    });
    points.filter(|p| p.0 >= from).fold(None, |acc, (x, y)| {
        Some(match acc {
            None => (x, x, y, y),
            Some((a, b, c, d)) => (a.min(x), b.max(x), c.min(y), d.max(y)),
        })
    })
}

fn draw_line_plot<X, Y>(
    area: &Area,
    axes: &Axes,
    (series, marks, overlay): Drawn,
    (x, y): (X, Y),
    (x_ticks, y_ticks): (&Ticks, &Ticks),
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(with_ticks(x, x_ticks), with_ticks(y, y_ticks))?;
    let x_fmt = |v: &f64| x_ticks.format.format(*v);
    let y_fmt = |v: &f64| y_ticks.format.format(*v);
    chart
        .configure_mesh()
        .x_desc(axes.x_label.as_str())
        .y_desc(axes.y_label.as_str())
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 14))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(MESH_BOLD)
        .light_line_style(MESH_LIGHT)
        .draw()?;
    let y_span = chart.plotting_area().get_y_range();
    for &(i, lo, hi) in &overlay.windows {
        let span = [(lo, y_span.start), (hi, y_span.end)];
        chart.draw_series(once(Rectangle::new(span, palette(i).mix(0.12).filled())))?;
    }
    for (i, s) in series.iter().enumerate() {
        let fill = palette(i).mix(0.18).filled();
        for band in &s.bands {
            let outline = band
                .iter()
                .map(|&(x, _, h)| (x, h))
                .chain(band.iter().rev().map(|&(x, l, _)| (x, l)));
            chart.draw_series(once(Polygon::new(outline.collect::<Vec<_>>(), fill)))?;
        }
    }
    for (i, s) in series.iter().enumerate() {
        let colour = palette(i);
        for run in &s.runs {
            if marks == Marks::Points {
                chart.draw_series(run.iter().map(|&p| point_mark(p, i, colour)))?;
                continue;
            }
            if s.coincides_with.is_some() {
                let dashes = DashedPathElement::new(run.clone(), 8, 6, colour.stroke_width(3));
                chart.draw_series(once(dashes))?;
                // A lone point has no dashes to show: a ring round the point it sits on.
                if let [p] = run[..] {
                    chart.draw_series(once(Circle::new(p, 5, colour.stroke_width(2))))?;
                }
                continue;
            }
            chart.draw_series(once(PathElement::new(run.clone(), colour.stroke_width(2))))?;
            if run.len() <= MAX_DOTTED_POINTS {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
            }
        }
    }
    for (i, fit) in overlay.fits.iter().enumerate().filter(|f| f.1.len() > 1) {
        let halo = PathElement::new(fit.clone(), WHITE.stroke_width(5));
        chart.draw_series(once(halo))?;
        let line = PathElement::new(fit.clone(), palette(i).stroke_width(3));
        chart.draw_series(once(line))?;
    }
    Ok(())
}

/// A scatter point of series `i`: filled for even `i`, a hollow ring for odd, so that a
/// point on top of another's leaves both visible.
fn point_mark<C>(at: C, i: usize, colour: RGBColor) -> Circle<C, i32> {
    if i.is_multiple_of(2) {
        Circle::new(at, 4, colour.filled())
    } else {
        Circle::new(at, 6, colour.stroke_width(2))
    }
}

fn line_legend_width(series: &[DrawableSeries]) -> u32 {
    let widest = series
        .iter()
        .map(|s| text_width(&line_legend_text(s, series), LEGEND_FONT))
        .fold(0.0, f64::max);
    (widest + 70.0).ceil() as u32
}

/// Legend text; a series with nothing drawable says so instead of silently missing from the
/// plot, and one drawn dashed over another says which.
fn line_legend_text(s: &DrawableSeries, all: &[DrawableSeries]) -> String {
    if s.is_empty() {
        format!("{} (no finite data)", s.label)
    } else if let Some(j) = s.coincides_with {
        format!("{} (dashed: coincides with {})", s.label, all[j].label)
    } else {
        s.label.clone()
    }
}

/// Legend beside (not over) the plot, so it can never hide a curve; rows
/// close up when there are too many series for the usual spacing.
fn draw_line_legend(area: &Area, series: &[DrawableSeries], marks: Marks) -> Result<()> {
    let (_, h) = area.dim_in_pixel();
    let row_h = 28f64.min(f64::from(h.saturating_sub(60)) / series.len().max(1) as f64);
    for (i, s) in series.iter().enumerate() {
        let colour = palette(i);
        let y = 40 + (row_h * i as f64) as i32;
        if !s.bands.is_empty() {
            area.draw(&Rectangle::new(
                [(4, y - 8), (36, y + 8)],
                colour.mix(0.18).filled(),
            ))?;
        }
        if marks == Marks::Lines && s.coincides_with.is_some() {
            let dashes =
                DashedPathElement::new(vec![(4, y), (36, y)], 8, 6, colour.stroke_width(3));
            area.draw(&dashes)?;
        } else if marks == Marks::Lines {
            area.draw(&PathElement::new(
                vec![(4, y), (36, y)],
                colour.stroke_width(2),
            ))?;
        }
        if marks == Marks::Points {
            area.draw(&point_mark((20, y), i, colour))?;
        } else {
            area.draw(&Circle::new((20, y), 3, colour.filled()))?;
        }
        let style = text_style(LEGEND_FONT, HPos::Left, VPos::Center);
        area.draw_text(&line_legend_text(s, series), &style, (44, y))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
