//! SVG figures for wdlab: line charts with uncertainty bands, side-by-side
//! heat maps on one shared colour scale (like Loshchilov & Hutter 2019,
//! Fig. 2), and contour plots of 2-D loss surfaces with optimisation paths.
//!
//! Only plotters' SVG backend is used. Text becomes `<text>` elements that the
//! viewer renders, so no font files are needed here; layout therefore relies
//! on an estimate of text width (`text_width`).
//!
//! Every figure is rendered into memory and written atomically
//! ([`crate::util::fs::write_atomic`]), so a crash never leaves half a figure behind.

use std::collections::HashMap;
use std::fs;
use std::iter::once;
use std::ops::Range;
use std::path::Path;

use crate::util::fmt::trim_zeros;
use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One line on a chart; `band` = optional (lower, upper) shaded around it (e.g. mean ± sd over seeds).
///
/// Points are paired by index (extra entries of the longer vector are
/// ignored); a point with a non-finite coordinate (or one ≤ 0 on a log axis)
/// is skipped and breaks the line there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// `(lower, upper)` at the same x, shaded in the line's colour.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

/// Title, axis labels and axis scales of a [`line_chart`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Axes {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub log_y: bool,
}

/// One heat-map panel: cells on categorical axes (labels, because decay 0
/// must be shown and a log axis cannot). `z[yi][xi]`; `None` (or a
/// non-finite value) = missing or diverged, drawn hatched grey. `best` =
/// `(yi, xi)` of the cell to ring. `y_labels[0]` is the bottom row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatPanel {
    pub title: String,
    /// One label per column, left to right.
    pub x_labels: Vec<String>,
    /// One label per row, bottom to top.
    pub y_labels: Vec<String>,
    /// `z[yi][xi]`: exactly `y_labels.len()` rows of `x_labels.len()` values.
    pub z: Vec<Vec<Option<f64>>>,
    /// `(yi, xi)` of the cell to ring; ignored if out of range or missing.
    pub best: Option<(usize, usize)>,
}

/// An optimisation path drawn over a [`ContourPanel`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathLine {
    /// Legend text.
    pub label: String,
    /// `(θ₁, θ₂)` per step; non-finite points are skipped and break the line.
    pub points: Vec<(f64, f64)>,
}

/// A 2-D function sampled on a grid (`xs`, `ys` strictly increasing,
/// `z[yi][xi]`) plus optimisation paths and labelled points drawn over it.
/// `levels` iso-lines are drawn, spaced linearly between the minimum and
/// maximum of `z`, or geometrically above the minimum when `log_levels`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContourPanel {
    pub title: String,
    /// Grid abscissae (θ₁), at least two, finite and strictly increasing.
    pub xs: Vec<f64>,
    /// Grid ordinates (θ₂), at least two, finite and strictly increasing.
    pub ys: Vec<f64>,
    /// `z[yi][xi]`: `ys.len()` rows of `xs.len()` values; non-finite cells are left blank.
    pub z: Vec<Vec<f64>>,
    pub paths: Vec<PathLine>,
    /// Labelled points, e.g. `("origin", (0.0, 0.0))`, each with its own symbol.
    pub markers: Vec<(String, (f64, f64))>,
    /// Number of iso-lines; 0 draws none (and no background).
    pub levels: usize,
    /// Space the iso-lines geometrically above the minimum instead of linearly.
    pub log_levels: bool,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const FONT: &str = "sans-serif";
const TITLE_SIZE: f64 = 24.0;
/// Height of the strip holding the figure title, below the top margin.
const TITLE_H: i32 = 44;
const MARGIN: i32 = 20;

/// Okabe–Ito colours: distinguishable by colour-blind readers and on grey print.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// Viridis at eleven evenly spaced stops; interpolating between them is
/// indistinguishable from the full table at figure scale, and viridis stays
/// perceptually uniform and readable in grey.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (68, 1, 84),
    (72, 37, 118),
    (65, 68, 135),
    (53, 96, 141),
    (42, 120, 142),
    (33, 144, 140),
    (34, 168, 132),
    (67, 191, 113),
    (122, 209, 81),
    (187, 223, 39),
    (253, 231, 37),
];

const MISSING_FILL: RGBColor = RGBColor(222, 222, 222);
const MISSING_HATCH: RGBColor = RGBColor(150, 150, 150);
const BEST_RING: RGBColor = RGBColor(228, 26, 28);
const ISO_LINE: RGBColor = RGBColor(40, 40, 40);

// ---------------------------------------------------------------------------
// Line charts
// ---------------------------------------------------------------------------

const LINE_PLOT_W: u32 = 820;
const LINE_PLOT_H: u32 = 560;
const LEGEND_FONT: f64 = 15.0;
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
}

impl DrawableSeries {
    fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.bands.is_empty()
    }
}

/// Line chart with legend, labelled axes, optional log scales, bands drawn semi-transparent under lines.
///
/// Fails (rather than drawing an empty frame) when no series has a single
/// drawable point.
pub fn line_chart(path: &Path, axes: &Axes, series: &[Series]) -> Result<()> {
    let drawable: Vec<DrawableSeries> = series
        .iter()
        .map(|s| drawable_series(s, axes.log_x, axes.log_y))
        .collect();
    let (x_lo, x_hi, y_lo, y_hi) = data_bounds(&drawable).ok_or_else(|| {
        let why = if axes.log_x || axes.log_y {
            " (log axes also drop values <= 0)"
        } else {
            ""
        };
        anyhow!("line chart '{}': no finite points to draw{why}", axes.title)
    })?;
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
    let legend_w = line_legend_width(&drawable);
    write_svg(path, (LINE_PLOT_W + legend_w, LINE_PLOT_H), |root| {
        let body = draw_title(root, &axes.title)?;
        let (plot, legend) = body.split_horizontally(LINE_PLOT_W);
        let ticks = (&x_ticks, &y_ticks);
        match (axes.log_x, axes.log_y) {
            (false, false) => draw_line_plot(&plot, axes, &drawable, (linear(x), linear(y)), ticks),
            (true, false) => draw_line_plot(&plot, axes, &drawable, (log(x), linear(y)), ticks),
            (false, true) => draw_line_plot(&plot, axes, &drawable, (linear(x), log(y)), ticks),
            (true, true) => draw_line_plot(&plot, axes, &drawable, (log(x), log(y)), ticks),
        }?;
        draw_line_legend(&legend, &drawable)
    })
}

/// Whether `v` can be placed on an axis of the given scale.
fn drawable_value(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
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
    }
}

/// Splits a sequence at its `None`s into maximal runs of `Some` values.
fn runs<T>(items: impl Iterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match item {
            Some(v) => current.push(v),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `(x_min, x_max, y_min, y_max)` over all drawable points and bands.
fn data_bounds(series: &[DrawableSeries]) -> Option<(f64, f64, f64, f64)> {
    let points = series.iter().flat_map(|s| {
        let line = s.runs.iter().flatten().copied();
        let band = s
            .bands
            .iter()
            .flatten()
            .flat_map(|&(x, l, h)| [(x, l), (x, h)]);
        line.chain(band)
    });
    points.fold(None, |acc, (x, y)| {
        Some(match acc {
            None => (x, x, y, y),
            Some((a, b, c, d)) => (a.min(x), b.max(x), c.min(y), d.max(y)),
        })
    })
}

/// Data range padded by 5 % on each side (in log space on a log axis), with
/// a window around a lone value so that a single point still gets an axis.
fn axis_range(lo: f64, hi: f64, log: bool) -> Range<f64> {
    if log {
        let (l, h) = pad(lo.log10(), hi.log10());
        10f64.powf(l)..10f64.powf(h)
    } else {
        let (l, h) = pad(lo, hi);
        l..h
    }
}

fn pad(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        let d = 0.05 * (hi - lo);
        (lo - d, hi + d)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - d, hi + d)
    }
}

fn linear(r: Range<f64>) -> RangedCoordf64 {
    r.into()
}

fn log(r: Range<f64>) -> LogCoord<f64> {
    r.log_scale().into()
}

/// Tick positions of one axis and how to print them. Computed here rather
/// than by plotters so that labels share one number format ("0.950",
/// "0.955", not "0.95", "0.955") and a log axis narrower than a decade still
/// gets labels (plotters' own log ticks leave it bare).
struct Ticks {
    bold: Vec<f64>,
    light: Vec<f64>,
    format: TickFormat,
}

enum TickFormat {
    /// Fixed number of decimals, for evenly spaced ticks.
    Fixed(usize),
    /// Shortest decimal form, for decades of moderate size ("0.01", "10").
    Plain,
    /// Scientific, for decades far from 1 ("1e-5").
    Scientific,
}

impl TickFormat {
    fn format(&self, v: f64) -> String {
        match self {
            TickFormat::Fixed(decimals) => format!("{v:.decimals$}"),
            TickFormat::Plain => trim_zeros(&format!("{v:.6}")).to_string(),
            TickFormat::Scientific => {
                let s = format!("{v:.2e}");
                match s.split_once('e') {
                    Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
                    None => s,
                }
            }
        }
    }
}

fn linear_ticks(r: &Range<f64>, target: usize) -> Ticks {
    let bold = nice_ticks(r.start, r.end, target);
    Ticks {
        format: TickFormat::Fixed(tick_decimals(&bold)),
        light: bold.clone(),
        bold,
    }
}

/// Log-axis ticks at 1, 2, 5 × 10^k (only 10^k beyond three decades) with
/// minor lines at every integer multiple; evenly spaced ticks when the range
/// holds fewer than two of those.
fn log_ticks(r: &Range<f64>) -> Ticks {
    let (lo, hi) = (r.start, r.end);
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades > 3.0 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let bold = decade_ticks(lo, hi, mantissas);
    if bold.len() < 2 {
        return linear_ticks(r, 5);
    }
    let light = if decades <= 6.0 {
        decade_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        bold.clone()
    };
    let far_from_one = bold.iter().any(|v| !(1e-3..1e4).contains(v));
    let format = if far_from_one {
        TickFormat::Scientific
    } else {
        TickFormat::Plain
    };
    Ticks {
        bold,
        light,
        format,
    }
}

/// Values `m × 10^k` inside `[lo, hi]` for each mantissa `m`, ascending.
fn decade_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    (first..=last)
        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// An axis with its ticks where [`Ticks`] puts them. Plotters' `WithKeyPoints`
/// would do, but its linear flavour cannot take a label formatter.
struct TickedAxis<R> {
    inner: R,
    bold: Vec<f64>,
    light: Vec<f64>,
}

fn with_ticks<R: Ranged<ValueType = f64>>(inner: R, ticks: &Ticks) -> TickedAxis<R> {
    TickedAxis {
        inner,
        bold: ticks.bold.clone(),
        light: ticks.light.clone(),
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for TickedAxis<R> {
    /// Only there to satisfy the mesh: labels always come from [`TickFormat`].
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        self.inner.axis_pixel_range(limit)
    }
}

fn draw_line_plot<X, Y>(
    area: &Area,
    axes: &Axes,
    series: &[DrawableSeries],
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
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()?;
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
            chart.draw_series(once(PathElement::new(run.clone(), colour.stroke_width(2))))?;
            if run.len() <= MAX_DOTTED_POINTS {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
            }
        }
    }
    Ok(())
}

fn line_legend_width(series: &[DrawableSeries]) -> u32 {
    let widest = series
        .iter()
        .map(|s| text_width(&line_legend_text(s), LEGEND_FONT))
        .fold(0.0, f64::max);
    (widest + 70.0).ceil() as u32
}

/// Legend text; a series with nothing drawable says so instead of silently
/// missing from the plot.
fn line_legend_text(s: &DrawableSeries) -> String {
    if s.is_empty() {
        format!("{} (no finite data)", s.label)
    } else {
        s.label.clone()
    }
}

/// Legend beside (not over) the plot, so it can never hide a curve; rows
/// close up when there are too many series for the usual spacing.
fn draw_line_legend(area: &Area, series: &[DrawableSeries]) -> Result<()> {
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
        area.draw(&PathElement::new(
            vec![(4, y), (36, y)],
            colour.stroke_width(2),
        ))?;
        area.draw(&Circle::new((20, y), 3, colour.filled()))?;
        let style = text_style(LEGEND_FONT, HPos::Left, VPos::Center);
        area.draw_text(&line_legend_text(s), &style, (44, y))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Heat maps
// ---------------------------------------------------------------------------

const HEAT_TICK_FONT: f64 = 13.0;
const HEAT_VALUE_FONT: f64 = 12.0;
const HEAT_PANEL_TITLE_H: i32 = 30;
const HEAT_PANEL_GAP: i32 = 30;
const AXIS_TITLE_W: i32 = 28;
const COLOUR_BAR_W: i32 = 18;
const NOTE_H: i32 = 34;

/// A linear map from values to viridis shared by all panels of a figure.
struct ColourScale {
    lo: f64,
    hi: f64,
}

impl ColourScale {
    /// Spans the finite values; a constant field gets a window around its
    /// value so it is still drawn (in one colour).
    fn spanning(values: impl Iterator<Item = f64>) -> Option<Self> {
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(l, h)| (l.min(v), h.max(v))))
            })?;
        let (lo, hi) = if hi > lo { (lo, hi) } else { pad(lo, hi) };
        Some(ColourScale { lo, hi })
    }

    fn fraction(&self, v: f64) -> f64 {
        (v - self.lo) / (self.hi - self.lo)
    }

    fn colour(&self, v: f64) -> RGBColor {
        viridis(self.fraction(v))
    }
}

/// Pixel layout shared by all heat-map panels; computed before drawing so the
/// canvas can be sized to its content.
struct HeatLayout {
    cell: i32,
    grid_top: i32,
    /// Left edge of each panel's grid.
    grid_left: Vec<i32>,
    /// Width of each panel's title slot: its tick labels and grid, widened
    /// (into the gap) for a title that would not fit at 13 px.
    title_w: Vec<i32>,
    x_ticks_rotated: bool,
    x_ticks_h: i32,
    show_values: bool,
    bar_left: i32,
    bar_tick_w: i32,
    max_rows: usize,
    width: i32,
    height: i32,
}

impl HeatLayout {
    fn new(panels: &[HeatPanel], values: &[String], bar_labels: &[String]) -> Self {
        let max_cols = panels.iter().map(|p| p.x_labels.len()).max().unwrap_or(1);
        let max_rows = panels.iter().map(|p| p.y_labels.len()).max().unwrap_or(1);
        let cell = (300 / max_cols.max(max_rows) as i32).clamp(14, 60);
        let widest_value = values
            .iter()
            .map(|v| text_width(v, HEAT_VALUE_FONT))
            .fold(0.0, f64::max);
        let show_values = cell >= 20 && widest_value <= f64::from(cell - 6);
        let widest_x_tick = panels
            .iter()
            .flat_map(|p| &p.x_labels)
            .map(|l| text_width(l, HEAT_TICK_FONT))
            .fold(0.0, f64::max);
        let x_ticks_rotated = widest_x_tick > f64::from(cell - 4);
        let x_ticks_h = if x_ticks_rotated {
            widest_x_tick.ceil() as i32 + 12
        } else {
            24
        };
        let mut grid_left = Vec::with_capacity(panels.len());
        let mut title_w = Vec::with_capacity(panels.len());
        let mut x = MARGIN + AXIS_TITLE_W;
        for p in panels {
            let body_w = y_tick_width(p) + cell * p.x_labels.len() as i32;
            let slot_w = body_w.max(text_width(&p.title, 13.0).ceil() as i32);
            grid_left.push(x + y_tick_width(p));
            title_w.push(slot_w);
            x += slot_w + HEAT_PANEL_GAP;
        }
        let bar_left = x;
        let grid_top = MARGIN + TITLE_H + HEAT_PANEL_TITLE_H;
        let bar_tick_w = bar_labels
            .iter()
            .map(|l| text_width(l, HEAT_TICK_FONT))
            .fold(0.0, f64::max)
            .ceil() as i32
            + 16;
        let width = bar_left + COLOUR_BAR_W + bar_tick_w + AXIS_TITLE_W + MARGIN;
        let height = grid_top + cell * max_rows as i32 + x_ticks_h + 30 + NOTE_H + MARGIN;
        HeatLayout {
            cell,
            grid_top,
            grid_left,
            title_w,
            x_ticks_rotated,
            x_ticks_h,
            show_values,
            bar_left,
            bar_tick_w,
            max_rows,
            width,
            height,
        }
    }

    /// Top-left pixel of cell `(yi, xi)` in a panel with `rows` rows; row 0
    /// is at the bottom, as on a plot whose y values increase upwards.
    fn cell_origin(&self, panel: usize, rows: usize, yi: usize, xi: usize) -> (i32, i32) {
        let x = self.grid_left[panel] + self.cell * xi as i32;
        let y = self.grid_top + self.cell * (rows - 1 - yi) as i32;
        (x, y)
    }

    fn grid_bottom(&self) -> i32 {
        self.grid_top + self.cell * self.max_rows as i32
    }
}

fn y_tick_width(p: &HeatPanel) -> i32 {
    let widest = p
        .y_labels
        .iter()
        .map(|l| text_width(l, HEAT_TICK_FONT))
        .fold(0.0, f64::max);
    widest.ceil() as i32 + 10
}

/// Several panels side by side in one SVG (like Loshchilov & Hutter 2019 Fig. 2: four methods), one shared colour scale with a colour bar labelled `z_label`; value printed in each cell (e.g. "2.31") when cells are large enough.
///
/// Fails when there are no panels, a panel's `z` does not match its labels,
/// or no cell holds a finite value.
pub fn heatmaps(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    z_label: &str,
    panels: &[HeatPanel],
) -> Result<()> {
    check_heat_panels(title, panels)?;
    let finite = || {
        panels
            .iter()
            .flat_map(|p| p.z.iter().flatten().flatten().copied())
            .filter(|v| v.is_finite())
    };
    let scale = ColourScale::spanning(finite())
        .ok_or_else(|| anyhow!("heat maps '{title}': no cell has a finite value"))?;
    let values: Vec<String> = finite().map(fmt_value).collect();
    let bar_ticks = linear_ticks(&(scale.lo..scale.hi), 5);
    let bar_labels: Vec<String> = bar_ticks
        .bold
        .iter()
        .map(|&t| bar_ticks.format.format(t))
        .collect();
    let layout = HeatLayout::new(panels, &values, &bar_labels);
    let size = (layout.width as u32, layout.height as u32);
    write_svg(path, size, |root| {
        draw_title(root, title)?;
        for (i, panel) in panels.iter().enumerate() {
            draw_heat_panel(root, &layout, i, panel, &scale)?;
            draw_heat_axes(root, &layout, i, panel, x_label, y_label)?;
        }
        draw_colour_bar(root, &layout, &scale, &bar_ticks, z_label)?;
        let any_missing = panels
            .iter()
            .flat_map(|p| p.z.iter().flatten())
            .any(|v| !v.is_some_and(f64::is_finite));
        let any_best = panels.iter().any(|p| best_cell(p).is_some());
        draw_heat_notes(root, &layout, any_missing, any_best)
    })
}

fn check_heat_panels(title: &str, panels: &[HeatPanel]) -> Result<()> {
    if panels.is_empty() {
        bail!("heat maps '{title}': no panels to draw");
    }
    for p in panels {
        let (rows, cols) = (p.y_labels.len(), p.x_labels.len());
        if rows == 0 || cols == 0 {
            bail!(
                "heat map panel '{}': needs at least one x and one y label",
                p.title
            );
        }
        if p.z.len() != rows {
            bail!(
                "heat map panel '{}': z has {} rows but there are {rows} y labels",
                p.title,
                p.z.len()
            );
        }
        if let Some((yi, row)) = p.z.iter().enumerate().find(|(_, r)| r.len() != cols) {
            bail!(
                "heat map panel '{}': z row {yi} has {} values but there are {cols} x labels",
                p.title,
                row.len()
            );
        }
    }
    Ok(())
}

/// The `best` cell if it exists and holds a finite value.
fn best_cell(p: &HeatPanel) -> Option<(usize, usize)> {
    let (yi, xi) = p.best?;
    let v = p.z.get(yi)?.get(xi).copied().flatten()?;
    v.is_finite().then_some((yi, xi))
}

fn draw_heat_panel(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
    scale: &ColourScale,
) -> Result<()> {
    let rows = panel.y_labels.len();
    let c = layout.cell;
    for (yi, row) in panel.z.iter().enumerate() {
        for (xi, v) in row.iter().enumerate() {
            let (x, y) = layout.cell_origin(index, rows, yi, xi);
            match v.filter(|v| v.is_finite()) {
                Some(v) => {
                    let fill = scale.colour(v);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + c - 1, y + c - 1)],
                        fill.filled(),
                    ))?;
                    if layout.show_values {
                        let ink = if is_dark(fill) { WHITE } else { BLACK };
                        let style =
                            text_style(HEAT_VALUE_FONT, HPos::Center, VPos::Center).color(&ink);
                        root.draw_text(&fmt_value(v), &style, (x + c / 2, y + c / 2))?;
                    }
                }
                None => draw_hatched(root, (x, y), (c - 1, c - 1))?,
            }
        }
    }
    if let Some((yi, xi)) = best_cell(panel) {
        let (x, y) = layout.cell_origin(index, rows, yi, xi);
        draw_ring(root, (x + c / 2, y + c / 2), (c as f64 * 0.46) as i32)?;
    }
    Ok(())
}

/// Grey cell with diagonal hatching: reads as "no value" in colour and in
/// grey print, and cannot be mistaken for any viridis colour.
fn draw_hatched(root: &Area, (x, y): (i32, i32), (w, h): (i32, i32)) -> Result<()> {
    root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        MISSING_FILL.filled(),
    ))?;
    let step = 6;
    for s in (step..w + h).step_by(step as usize) {
        let u0 = (s - h).max(0);
        let u1 = s.min(w);
        let from = (x + u0, y + h - (s - u0));
        let to = (x + u1, y + h - (s - u1));
        root.draw(&PathElement::new(
            vec![from, to],
            MISSING_HATCH.stroke_width(1),
        ))?;
    }
    Ok(())
}

/// A red ring with a white halo, visible on every viridis colour.
fn draw_ring(root: &Area, centre: (i32, i32), radius: i32) -> Result<()> {
    root.draw(&Circle::new(centre, radius, WHITE.stroke_width(5)))?;
    root.draw(&Circle::new(centre, radius, BEST_RING.stroke_width(3)))?;
    Ok(())
}

fn draw_heat_axes(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    let c = layout.cell;
    let rows = panel.y_labels.len();
    let left = layout.grid_left[index];
    let grid_w = c * panel.x_labels.len() as i32;
    let bottom = layout.grid_top + c * rows as i32;
    let slot_w = layout.title_w[index];
    let title_size = fit_font(&panel.title, 17.0, f64::from(slot_w));
    let title_style = text_style(title_size, HPos::Center, VPos::Center);
    let title_y = layout.grid_top - HEAT_PANEL_TITLE_H / 2;
    let body_w = grid_w + y_tick_width(panel);
    let title_x = if slot_w > body_w {
        left - y_tick_width(panel) + slot_w / 2
    } else {
        left + grid_w / 2
    };
    root.draw_text(&panel.title, &title_style, (title_x, title_y))?;

    let y_tick_style = text_style(HEAT_TICK_FONT, HPos::Right, VPos::Center);
    for (yi, label) in panel.y_labels.iter().enumerate() {
        let (_, y) = layout.cell_origin(index, rows, yi, 0);
        root.draw_text(label, &y_tick_style, (left - 6, y + c / 2))?;
    }
    let x_tick_style = if layout.x_ticks_rotated {
        text_style(HEAT_TICK_FONT, HPos::Right, VPos::Center).transform(FontTransform::Rotate270)
    } else {
        text_style(HEAT_TICK_FONT, HPos::Center, VPos::Top)
    };
    for (xi, label) in panel.x_labels.iter().enumerate() {
        root.draw_text(
            label,
            &x_tick_style,
            (left + c * xi as i32 + c / 2, bottom + 6),
        )?;
    }
    let desc = text_style(16.0, HPos::Center, VPos::Top);
    let desc_y = layout.grid_bottom() + layout.x_ticks_h + 2;
    root.draw_text(x_label, &desc, (left + grid_w / 2, desc_y))?;
    if index == 0 {
        let desc = text_style(16.0, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
        let mid = layout.grid_top + c * rows as i32 / 2;
        let x = left - y_tick_width(panel) - AXIS_TITLE_W;
        root.draw_text(y_label, &desc, (x, mid))?;
    }
    Ok(())
}

fn draw_colour_bar(
    root: &Area,
    layout: &HeatLayout,
    scale: &ColourScale,
    ticks: &Ticks,
    z_label: &str,
) -> Result<()> {
    let (x, top, bottom) = (layout.bar_left, layout.grid_top, layout.grid_bottom());
    let h = bottom - top;
    let slices = 64;
    for k in 0..slices {
        let y0 = bottom - h * (k + 1) / slices;
        let y1 = bottom - h * k / slices;
        let colour = viridis((f64::from(k) + 0.5) / f64::from(slices));
        root.draw(&Rectangle::new(
            [(x, y0), (x + COLOUR_BAR_W, y1)],
            colour.filled(),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(x, top), (x + COLOUR_BAR_W, bottom)],
        BLACK.stroke_width(1),
    ))?;
    let style = text_style(HEAT_TICK_FONT, HPos::Left, VPos::Center);
    for &t in &ticks.bold {
        let y = bottom - (scale.fraction(t) * f64::from(h)).round() as i32;
        let right = x + COLOUR_BAR_W;
        root.draw(&PathElement::new(
            vec![(right, y), (right + 5, y)],
            BLACK.stroke_width(1),
        ))?;
        root.draw_text(&ticks.format.format(t), &style, (right + 8, y))?;
    }
    let desc = text_style(16.0, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
    let desc_x = x + COLOUR_BAR_W + layout.bar_tick_w;
    root.draw_text(z_label, &desc, (desc_x, top + h / 2))?;
    Ok(())
}

/// Key for the two cell decorations that the colour bar does not explain.
fn draw_heat_notes(root: &Area, layout: &HeatLayout, missing: bool, best: bool) -> Result<()> {
    let y = layout.height - MARGIN - NOTE_H / 2;
    let mut x = MARGIN + AXIS_TITLE_W;
    let style = text_style(14.0, HPos::Left, VPos::Center);
    if missing {
        draw_hatched(root, (x, y - 8), (16, 16))?;
        let note = "missing or diverged";
        root.draw_text(note, &style, (x + 24, y))?;
        x += 24 + text_width(note, 14.0) as i32 + 30;
    }
    if best {
        draw_ring(root, (x + 8, y), 8)?;
        root.draw_text("best in panel", &style, (x + 24, y))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Contour plots
// ---------------------------------------------------------------------------

const CONTOUR_PANEL_W: u32 = 520;
const CONTOUR_CHART_H: u32 = 470;
const CONTOUR_TITLE_H: u32 = 34;
const CONTOUR_LEGEND_ROW_H: u32 = 22;
const CONTOUR_LEGEND_FONT: f64 = 14.0;
/// Legends start under the plot's left edge, past the y tick labels.
const CONTOUR_LEGEND_LEFT: f64 = 74.0;
const CONTOUR_LEGEND_WIDTH: f64 = CONTOUR_PANEL_W as f64 - CONTOUR_LEGEND_LEFT - 10.0;
const MARKER_SIZE: i32 = 7;

/// A grid corner `(xi, yi)` and the direction of the grid edge leaving it:
/// along x (`true`) or along y (`false`). Neighbouring cells name a shared
/// edge identically, which is how segments are joined into polylines.
type Edge = (usize, usize, bool);

/// A [`ContourPanel`] after validation, with its iso-lines computed.
struct PreparedContour<'a> {
    panel: &'a ContourPanel,
    levels: Vec<f64>,
    lines: Vec<Vec<(f64, f64)>>,
    bbox: (f64, f64, f64, f64),
}

/// What one legend entry of a contour panel shows.
enum LegendKey {
    Path(RGBColor),
    Marker(usize),
    StartEnd,
}

/// Panels in a grid with `columns` columns (clamped to 1..=panels); each panel: iso-lines of z, a light background banded by level, the paths as coloured lines with a small marker about every len/10 steps and at start (open circle) and end (filled circle), the markers as distinct symbols with a legend, equal axis scales, axis labels θ₁, θ₂.
///
/// Fails on an empty panel list, a malformed grid, or a `z` without two
/// distinct finite values (no iso-line can be drawn).
pub fn contour_panels(
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
    let legend_rows = panels
        .iter()
        .map(|p| legend_rows(&contour_legend(p), CONTOUR_LEGEND_WIDTH))
        .max()
        .unwrap_or(1);
    let legend_h = legend_rows as u32 * CONTOUR_LEGEND_ROW_H + 12;
    let panel_h = CONTOUR_TITLE_H + CONTOUR_CHART_H + legend_h;
    let width = 2 * MARGIN as u32 + CONTOUR_PANEL_W * columns as u32;
    let height = 2 * MARGIN as u32 + TITLE_H as u32 + panel_h * rows as u32;
    write_svg(path, (width, height), |root| {
        let body = draw_title(root, title)?.margin(0, MARGIN, MARGIN, MARGIN);
        for (area, p) in body.split_evenly((rows, columns)).iter().zip(&prepared) {
            let (title_area, rest) = area.split_vertically(CONTOUR_TITLE_H);
            let (chart_area, legend_area) = rest.split_vertically(CONTOUR_CHART_H);
            let size = fit_font(&p.panel.title, 18.0, f64::from(CONTOUR_PANEL_W) - 20.0);
            let style = text_style(size, HPos::Center, VPos::Center);
            let (w, h) = title_area.dim_in_pixel();
            title_area.draw_text(&p.panel.title, &style, (w as i32 / 2, h as i32 / 2))?;
            draw_contour_chart(&chart_area, p)?;
            draw_contour_legend(&legend_area, &contour_legend(p.panel))?;
        }
        Ok(())
    })
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

/// Iso-line of `z` at `level` by marching squares, as polylines in data
/// coordinates; a closed loop repeats its first point at the end. Cells with
/// a non-finite corner are skipped. Segments are joined through the grid
/// edges they share, so a contour is one SVG element, not hundreds.
fn iso_lines(xs: &[f64], ys: &[f64], z: &[Vec<f64>], level: f64) -> Vec<Vec<(f64, f64)>> {
    let segments = iso_segments(z, level);
    join_segments(&segments)
        .into_iter()
        .map(|chain| {
            chain
                .into_iter()
                .map(|e| edge_point(xs, ys, z, level, e))
                .collect()
        })
        .collect()
}

/// The segments crossing each grid cell, as pairs of crossed edges.
fn iso_segments(z: &[Vec<f64>], level: f64) -> Vec<(Edge, Edge)> {
    let mut out = Vec::new();
    for j in 0..z.len().saturating_sub(1) {
        for i in 0..z[j].len().saturating_sub(1) {
            let corners = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
            if corners.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let above = corners.map(|v| v > level);
            // Edges in order bottom, right, top, left; edge k joins corners k and k+1.
            let edges: [Edge; 4] = [
                (i, j, true),
                (i + 1, j, false),
                (i, j + 1, true),
                (i, j, false),
            ];
            let crossed: Vec<usize> = (0..4).filter(|&k| above[k] != above[(k + 1) % 4]).collect();
            match crossed.as_slice() {
                [a, b] => out.push((edges[*a], edges[*b])),
                [_, _, _, _] => {
                    // Saddle: the cell centre decides which diagonal is connected.
                    let centre = corners.iter().sum::<f64>() / 4.0 > level;
                    if centre == above[0] {
                        out.push((edges[0], edges[1]));
                        out.push((edges[2], edges[3]));
                    } else {
                        out.push((edges[3], edges[0]));
                        out.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Chains segments that share an edge. Each crossed edge belongs to at most
/// two segments, so every chain is a simple polyline or a closed loop.
fn join_segments(segments: &[(Edge, Edge)]) -> Vec<Vec<Edge>> {
    let mut by_edge: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segments.iter().enumerate() {
        by_edge.entry(a).or_default().push(k);
        by_edge.entry(b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut chains = Vec::new();
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        let forward = follow(b, segments, &by_edge, &mut used);
        let backward = follow(a, segments, &by_edge, &mut used);
        let mut chain: Vec<Edge> = backward.into_iter().rev().collect();
        chain.push(a);
        chain.push(b);
        chain.extend(forward);
        chains.push(chain);
    }
    chains
}

/// Walks from edge `at` through unused segments, returning the edges reached.
fn follow(
    mut at: Edge,
    segments: &[(Edge, Edge)],
    by_edge: &HashMap<Edge, Vec<usize>>,
    used: &mut [bool],
) -> Vec<Edge> {
    let mut out = Vec::new();
    while let Some(&next) = by_edge[&at].iter().find(|&&k| !used[k]) {
        used[next] = true;
        let (p, q) = segments[next];
        at = if p == at { q } else { p };
        out.push(at);
    }
    out
}

/// Where the iso-line crosses `edge`, by linear interpolation. The edge is
/// crossed, so its two values straddle `level` and differ.
fn edge_point(
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<f64>],
    level: f64,
    (i, j, along_x): Edge,
) -> (f64, f64) {
    let (i2, j2) = if along_x { (i + 1, j) } else { (i, j + 1) };
    let t = (level - z[j][i]) / (z[j2][i2] - z[j][i]);
    (xs[i] + t * (xs[i2] - xs[i]), ys[j] + t * (ys[j2] - ys[j]))
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

/// Path colours, starting with those that contrast best with the light
/// viridis background.
fn path_colour(k: usize) -> RGBColor {
    const ORDER: [usize; 7] = [1, 6, 3, 0, 4, 2, 5];
    PALETTE[ORDER[k % ORDER.len()]]
}

/// Draws symbol `k` (cross, star, diamond, square, triangle, plus, then
/// repeating) of radius `r` pixels at `at`: black with a white halo, so it
/// stands out over lines and background.
fn draw_marker<CT: CoordTranslate>(
    area: &DrawingArea<SVGBackend, CT>,
    at: CT::From,
    k: usize,
    r: i32,
) -> Result<()> {
    let poly = marker_polygon(k, f64::from(r));
    let halo = PathElement::new(closed(&poly), WHITE.stroke_width(4));
    area.draw(&(EmptyElement::at(at) + halo + Polygon::new(poly, BLACK.filled())))?;
    Ok(())
}

/// Pixel offsets of the outline of symbol `k` with radius `r` around its anchor.
fn marker_polygon(k: usize, r: f64) -> Vec<(i32, i32)> {
    let plus = |turn: f64| {
        let w = 0.32 * r;
        let arm = [
            (-w, -r),
            (w, -r),
            (w, -w),
            (r, -w),
            (r, w),
            (w, w),
            (w, r),
            (-w, r),
            (-w, w),
            (-r, w),
            (-r, -w),
            (-w, -w),
        ];
        let (s, c) = turn.sin_cos();
        arm.iter()
            .map(|&(x, y)| (x * c - y * s, x * s + y * c))
            .collect::<Vec<_>>()
    };
    let points: Vec<(f64, f64)> = match k % 6 {
        0 => plus(std::f64::consts::FRAC_PI_4),
        1 => (0..10)
            .map(|n| {
                let a = std::f64::consts::PI * (f64::from(n) / 5.0 - 0.5);
                let len = if n % 2 == 0 { 1.4 * r } else { 0.6 * r };
                (len * a.cos(), len * a.sin())
            })
            .collect(),
        2 => vec![(0.0, -1.3 * r), (r, 0.0), (0.0, 1.3 * r), (-r, 0.0)],
        3 => vec![(-r, -r), (r, -r), (r, r), (-r, r)],
        4 => vec![(0.0, -1.2 * r), (1.1 * r, 0.8 * r), (-1.1 * r, 0.8 * r)],
        _ => plus(0.0),
    };
    points
        .into_iter()
        .map(|(x, y)| (x.round() as i32, y.round() as i32))
        .collect()
}

fn closed(poly: &[(i32, i32)]) -> Vec<(i32, i32)> {
    poly.iter().chain(poly.first()).copied().collect()
}

fn contour_legend(p: &ContourPanel) -> Vec<(LegendKey, String)> {
    let paths = p
        .paths
        .iter()
        .enumerate()
        .map(|(k, l)| (LegendKey::Path(path_colour(k)), l.label.clone()));
    let markers = p
        .markers
        .iter()
        .enumerate()
        .map(|(k, (label, _))| (LegendKey::Marker(k), label.clone()));
    let start_end = (!p.paths.is_empty()).then(|| (LegendKey::StartEnd, "start / end".to_string()));
    paths.chain(markers).chain(start_end).collect()
}

fn legend_entry_width(label: &str) -> f64 {
    34.0 + text_width(label, CONTOUR_LEGEND_FONT) + 18.0
}

/// Lays legend entries left to right, wrapping at `width`; returns each
/// entry's (row, x offset).
fn legend_flow(entries: &[(LegendKey, String)], width: f64) -> Vec<(usize, f64)> {
    let mut row = 0;
    let mut x = 0.0;
    entries
        .iter()
        .map(|(_, label)| {
            let w = legend_entry_width(label);
            if x > 0.0 && x + w > width {
                row += 1;
                x = 0.0;
            }
            let at = (row, x);
            x += w;
            at
        })
        .collect()
}

fn legend_rows(entries: &[(LegendKey, String)], width: f64) -> usize {
    legend_flow(entries, width)
        .last()
        .map_or(1, |(row, _)| row + 1)
}

fn draw_contour_legend(area: &Area, entries: &[(LegendKey, String)]) -> Result<()> {
    let style = text_style(CONTOUR_LEGEND_FONT, HPos::Left, VPos::Center);
    for ((key, label), (row, dx)) in entries
        .iter()
        .zip(legend_flow(entries, CONTOUR_LEGEND_WIDTH))
    {
        let x = (CONTOUR_LEGEND_LEFT + dx) as i32;
        let y = 12 + (row as u32 * CONTOUR_LEGEND_ROW_H) as i32;
        match key {
            LegendKey::Path(colour) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 26, y)],
                    colour.stroke_width(2),
                ))?;
                area.draw(&Circle::new((x + 13, y), 3, colour.filled()))?;
            }
            LegendKey::Marker(k) => draw_marker(area, (x + 13, y), *k, 6)?,
            LegendKey::StartEnd => {
                let grey = RGBColor(90, 90, 90);
                area.draw(&Circle::new((x + 6, y), 5, grey.stroke_width(2)))?;
                area.draw(&Circle::new((x + 21, y), 5, grey.filled()))?;
            }
        }
        area.draw_text(label, &style, (x + 34, y))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Renders a figure into memory and writes it atomically (see module docs).
fn write_svg(path: &Path, size: (u32, u32), draw: impl FnOnce(&Area) -> Result<()>) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::util::fs::write_atomic(path, svg.as_bytes())
}

/// Draws the figure title centred at the top; returns the area below it.
fn draw_title<'a>(root: &Area<'a>, title: &str) -> Result<Area<'a>> {
    let (w, _) = root.dim_in_pixel();
    let size = fit_font(title, TITLE_SIZE, f64::from(w) - 2.0 * f64::from(MARGIN));
    let style = text_style(size, HPos::Center, VPos::Center);
    root.draw_text(title, &style, (w as i32 / 2, MARGIN + TITLE_H / 2 - 6))?;
    Ok(root.margin(MARGIN + TITLE_H, 0, 0, 0))
}

/// Estimated rendered width in pixels of `text` at plotters font size `size`:
/// plotters writes `font-size = size / 1.24` into the SVG, and an average
/// sans-serif glyph is about 0.6 em wide.
fn text_width(text: &str, size: f64) -> f64 {
    0.6 * size / 1.24 * text.chars().count() as f64
}

/// Largest font size up to `max` at which `text` fits `width` pixels, but
/// not below 9, where text stops being legible anyway.
fn fit_font(text: &str, max: f64, width: f64) -> f64 {
    let at_max = text_width(text, max);
    if at_max <= width {
        max
    } else {
        (max * width / at_max).max(9.0)
    }
}

fn text_style(size: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v))
}

fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Viridis at `t` in [0, 1] (clamped; NaN maps to the low end).
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let k = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Blends `c` towards white by `amount` in [0, 1].
fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |p: u8| (f64::from(p) + amount * (255.0 - f64::from(p))).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Whether white text reads better than black on `c` (relative luminance).
fn is_dark(c: RGBColor) -> bool {
    let lum = 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    lum < 140.0
}

/// Round tick values inside `[lo, hi]`, 1, 2 or 5 × 10^k apart, about
/// `target` of them.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let raw = (hi - lo) / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Decimals needed to tell evenly spaced ticks apart.
fn tick_decimals(ticks: &[f64]) -> usize {
    match ticks {
        [a, b, ..] => (-(b - a).abs().log10().floor()).max(0.0) as usize,
        _ => 2,
    }
}

/// A cell value with three significant digits ("2.31", "0.0231", "12.3").
fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh path in the system temp dir, unique per process and test.
    fn temp_svg(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("wdlab-plots-{}-{name}.svg", std::process::id()))
    }

    /// Reads and removes a figure, checking that it looks like a complete SVG
    /// carrying `title` and that no temporary file was left behind.
    fn take_svg(path: &Path, title: &str) -> String {
        let svg = fs::read_to_string(path).expect("figure written");
        fs::remove_file(path).expect("figure removed");
        assert!(
            !path.with_extension("svg.tmp").exists(),
            "temporary file left behind"
        );
        let body = match svg.trim_start().strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").expect("xml header closes").1,
            None => svg.as_str(),
        };
        assert!(
            body.trim_start().starts_with("<svg"),
            "not an SVG: {}",
            &svg[..svg.len().min(80)]
        );
        assert!(svg.trim_end().ends_with("</svg>"), "SVG not closed");
        assert!(svg.contains(title), "title {title:?} missing");
        svg
    }

    fn curve(label: &str, offset: f64) -> Series {
        let x: Vec<f64> = (1..=20).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|e| 0.985 - 0.035 * (-e / (4.0 + offset)).exp())
            .collect();
        let lo = y.iter().map(|v| v - 0.002).collect();
        let hi = y.iter().map(|v| v + 0.002).collect();
        Series {
            label: label.into(),
            x,
            y,
            band: Some((lo, hi)),
        }
    }

    fn axes(title: &str, log_x: bool, log_y: bool) -> Axes {
        Axes {
            title: title.into(),
            x_label: "epoch".into(),
            y_label: "test accuracy".into(),
            log_x,
            log_y,
        }
    }

    #[test]
    fn line_chart_draws_curves_bands_and_legend() {
        let path = temp_svg("lines");
        let series: Vec<Series> = ["SGD", "SGDW", "Adam", "AdamW"]
            .iter()
            .enumerate()
            .map(|(i, l)| curve(l, i as f64))
            .collect();
        line_chart(&path, &axes("Test accuracy", false, false), &series).unwrap();
        let svg = take_svg(&path, "Test accuracy");
        for text in ["AdamW", "epoch", "test accuracy", "<polygon"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn line_chart_skips_bad_values_and_draws_a_lone_point() {
        let path = temp_svg("lines-odd");
        let gappy = Series {
            label: "gappy".into(),
            x: vec![1e-5, 1e-4, 1e-3, f64::NAN, 1e-1],
            y: vec![0.1, f64::INFINITY, 0.0, 0.3, 0.2],
            band: Some((vec![f64::NAN; 5], vec![1.0; 3])),
        };
        let lone = Series {
            label: "lone".into(),
            x: vec![1e-2],
            y: vec![0.5],
            band: None,
        };
        let empty = Series::default();
        line_chart(&path, &axes("Odd data", true, true), &[gappy, lone, empty]).unwrap();
        let svg = take_svg(&path, "Odd data");
        assert!(svg.contains("(no finite data)"));
    }

    #[test]
    fn line_chart_without_drawable_points_is_an_error() {
        let path = temp_svg("lines-none");
        let nan = Series {
            label: "nan".into(),
            x: vec![1.0],
            y: vec![f64::NAN],
            band: None,
        };
        let err = line_chart(&path, &axes("Nothing", false, false), &[nan]).unwrap_err();
        assert!(err.to_string().contains("no finite points"), "{err}");
        assert!(line_chart(&path, &axes("Nothing", false, false), &[]).is_err());
        let negative = Series {
            label: "neg".into(),
            x: vec![-1.0],
            y: vec![1.0],
            band: None,
        };
        assert!(line_chart(&path, &axes("Nothing", true, false), &[negative]).is_err());
        assert!(!path.exists());
    }

    fn heat_panel(title: &str, shift: f64) -> HeatPanel {
        let labels = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        let z = (0..6)
            .map(|yi| {
                (0..6)
                    .map(|xi| {
                        let v = 1.5
                            + shift
                            + 0.1 * ((xi as f64 - 2.0).powi(2) + (yi as f64 - 3.0).powi(2));
                        (!(xi == 5 && yi < 2)).then_some(v.min(4.0))
                    })
                    .collect()
            })
            .collect();
        HeatPanel {
            title: title.into(),
            x_labels: labels(&["1e-4", "3e-4", "1e-3", "3e-3", "1e-2", "3e-2"]),
            y_labels: labels(&["0", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1"]),
            z,
            best: Some((3, 2)),
        }
    }

    #[test]
    fn heatmaps_draw_panels_values_colour_bar_and_notes() {
        let path = temp_svg("heat");
        let panels: Vec<HeatPanel> = ["SGD", "SGDW", "Adam", "AdamW"]
            .iter()
            .enumerate()
            .map(|(i, t)| heat_panel(t, 0.3 * i as f64))
            .collect();
        heatmaps(
            &path,
            "Validation error",
            "learning rate",
            "weight decay",
            "error (%)",
            &panels,
        )
        .unwrap();
        let svg = take_svg(&path, "Validation error");
        for text in [
            "AdamW",
            "learning rate",
            "weight decay",
            "error (%)",
            "1.50",
            "missing or diverged",
            "best in panel",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn heatmaps_draw_constant_fields_and_ignore_a_bad_best() {
        let path = temp_svg("heat-flat");
        let panel = HeatPanel {
            title: "flat".into(),
            x_labels: vec!["a".into()],
            y_labels: vec!["b".into()],
            z: vec![vec![Some(2.0)]],
            best: Some((7, 7)),
        };
        heatmaps(&path, "Flat", "x", "y", "z", &[panel]).unwrap();
        let svg = take_svg(&path, "Flat");
        assert!(!svg.contains("best in panel"));
    }

    #[test]
    fn heatmaps_reject_unusable_input() {
        let path = temp_svg("heat-bad");
        let mut missing = heat_panel("all missing", 0.0);
        missing.z = vec![vec![None; 6]; 6];
        let err = heatmaps(&path, "T", "x", "y", "z", &[missing]).unwrap_err();
        assert!(
            err.to_string().contains("no cell has a finite value"),
            "{err}"
        );
        let mut ragged = heat_panel("ragged", 0.0);
        ragged.z[2].pop();
        let err = heatmaps(&path, "T", "x", "y", "z", &[ragged]).unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
        assert!(heatmaps(&path, "T", "x", "y", "z", &[]).is_err());
        assert!(!path.exists());
    }

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
        let path = temp_svg("contour");
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
        let path = temp_svg("contour-bad");
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
    fn iso_lines_of_a_paraboloid_are_closed_circles() {
        let xs: Vec<f64> = (0..41).map(|i| -2.0 + 0.1 * i as f64).collect();
        let z: Vec<Vec<f64>> = xs
            .iter()
            .map(|&y| xs.iter().map(|&x| x * x + y * y).collect())
            .collect();
        for r in [0.55_f64, 1.0, 1.7] {
            let lines = iso_lines(&xs, &xs, &z, r * r);
            assert_eq!(lines.len(), 1, "one loop at r = {r}");
            let line = &lines[0];
            assert!(line.len() > 10);
            assert_eq!(line.first(), line.last(), "loop closed at r = {r}");
            for &(x, y) in line {
                assert!(
                    (x.hypot(y) - r).abs() < 0.01,
                    "({x}, {y}) off the circle r = {r}"
                );
            }
        }
        assert!(iso_lines(&xs, &xs, &z, 100.0).is_empty());
    }

    #[test]
    fn iso_lines_stop_at_non_finite_cells() {
        let xs = [0.0, 1.0, 2.0];
        let z = vec![
            vec![0.0, 1.0, 2.0],
            vec![0.0, f64::NAN, 2.0],
            vec![0.0, 1.0, 2.0],
        ];
        let lines = iso_lines(&xs, &xs, &z, 0.5);
        assert!(lines.is_empty(), "every cell touches the NaN: {lines:?}");
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
    fn ticks_colours_and_numbers() {
        assert_eq!(nice_ticks(1.6, 4.0, 5), vec![2.0, 2.5, 3.0, 3.5, 4.0]);
        let ticks = linear_ticks(&(0.945..0.99), 8);
        assert_eq!(ticks.format.format(ticks.bold[0]), "0.950");
        let ticks = log_ticks(&(1e-6..0.2));
        assert_eq!(ticks.format.format(1e-5), "1e-5");
        assert!(log_ticks(&(0.95..0.99)).bold.len() >= 2);
        assert_eq!(fmt_value(2.3145), "2.31");
        assert_eq!(fmt_value(0.02314), "0.0231");
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(iso_levels(0.0, 10.0, 4, false), vec![2.0, 4.0, 6.0, 8.0]);
        let geo = iso_levels(1.0, 1001.0, 3, true);
        assert!(
            geo.windows(2).all(|w| w[1] - 1.0 > 3.0 * (w[0] - 1.0)),
            "{geo:?}"
        );
    }
}
