//! SVG figures for wdlab: line charts with uncertainty bands, side-by-side
//! heat maps on one shared colour scale (like Loshchilov & Hutter 2019,
//! Fig. 2), and contour plots of 2-D loss surfaces with optimisation paths.
//!
//! Only plotters' SVG backend is used. Text becomes `<text>` elements that the
//! viewer renders, so no font files are needed here; layout therefore relies
//! on an estimate of text width (`svg::text_width`).
//!
//! Every figure is rendered into memory and written atomically
//! ([`crate::util::fs::write_atomic`]), so a crash never leaves half a figure behind.
//!
//! The modules:
//!
//! - `line_chart`: [`line_chart()`], curves of [`Series`] on [`Axes`].
//! - `heatmap`: [`heatmaps`], panels of [`HeatPanel`], each on its own colour scale.
//! - `slopes`: [`slope_panels`], best values with tie bars, a fitted line and band, and
//!   reference slopes, on log-log axes (the coupling figure).
//! - `map_panels`: [`map_panels`], estimates with interval bars against a regime axis and the
//!   reference lines of two limits (the map figure).
//! - `contour`: [`contour_panels`], panels of [`ContourPanel`] with [`PathLine`]s; its
//!   iso-lines come from `marching_squares`, its legend from `contour_legend`, its point
//!   symbols from `markers`.
//! - Shared by the figures: `style` (fonts, margins, colours), `axis` (padded ranges and
//!   ticks), `svg` (writing a figure, its title, text size), `drawable` (skipping values that
//!   cannot be drawn).

mod axis;
mod contour;
mod contour_legend;
mod drawable;
mod heatmap;
mod line_chart;
mod map_panels;
mod marching_squares;
mod markers;
mod slopes;
mod style;
mod svg;
#[cfg(test)]
mod test_support;

pub(crate) use contour::contour_panels;
pub(crate) use heatmap::heatmaps;
pub(crate) use line_chart::{line_chart, scatter_chart, Overlay};
pub(crate) use map_panels::{map_panels, MapAxis, MapMark, MapPanel, MapSeries, RefLine};
pub(crate) use slopes::{slope_panels, PointKind, SlopePanel, SlopePoint};

/// One line on a chart; `band` = optional (lower, upper) shaded around it (e.g. mean ± sd over seeds).
///
/// Points are paired by index (extra entries of the longer vector are
/// ignored); a point with a non-finite coordinate (or one ≤ 0 on a log axis)
/// is skipped and breaks the line there.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Series {
    /// Legend text.
    pub(crate) label: String,
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    /// `(lower, upper)` at the same x, shaded in the line's colour.
    pub(crate) band: Option<(Vec<f64>, Vec<f64>)>,
}

/// Title, axis labels and axis scales of a [`line_chart()`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Axes {
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) log_x: bool,
    pub(crate) log_y: bool,
    /// Also draw the last third of the x range below, with its own y range (learning curves,
    /// whose final differences are far smaller than their early swings).
    pub(crate) zoom_tail: bool,
}

/// What one heat-map cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HeatCell {
    /// A run that trained: coloured on its panel's scale (non-finite values count as diverged).
    Value(f64),
    /// Finished, but its learning rate failed to train: grey, outside the colour scale, so
    /// that it cannot stretch the scale of the cells that trained.
    Collapsed(f64),
    /// A seed diverged.
    Diverged,
    /// Never run: the grid is irregular (refinement adds cells at some α only).
    NotRun,
}

/// One heat-map panel: cells on categorical axes (labels, because decay 0 must be shown and
/// a log axis cannot). `cells[yi][xi]`; `y_labels[0]` is the bottom row. Each panel has its
/// own colour scale over its [`HeatCell::Value`] cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HeatPanel {
    pub(crate) title: String,
    /// One label per column, left to right.
    pub(crate) x_labels: Vec<String>,
    /// One label per row, bottom to top.
    pub(crate) y_labels: Vec<String>,
    /// `cells[yi][xi]`: exactly `y_labels.len()` rows of `x_labels.len()` cells.
    pub(crate) cells: Vec<Vec<HeatCell>>,
    /// `(yi, xi)` of the cell to ring (the panel's best); ignored unless it holds a value.
    pub(crate) best: Option<(usize, usize)>,
    /// `(yi, xi)` of the best cell of each column that trained, framed.
    pub(crate) column_best: Vec<(usize, usize)>,
    /// `(yi, xi)` of cells tied with their column's best, outlined thinly.
    pub(crate) tied: Vec<(usize, usize)>,
    /// Row 0 is "no decay": drawn below a gap, apart from the (log-spaced) rows above it.
    pub(crate) zero_row: bool,
}

/// An optimisation path drawn over a [`ContourPanel`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PathLine {
    /// Legend text.
    pub(crate) label: String,
    /// `(θ₁, θ₂)` per step; non-finite points are skipped and break the line.
    pub(crate) points: Vec<(f64, f64)>,
}

/// A 2-D function sampled on a grid (`xs`, `ys` strictly increasing,
/// `z[yi][xi]`) plus optimisation paths and labelled points drawn over it.
/// `levels` iso-lines are drawn, spaced linearly between the minimum and
/// maximum of `z`, or geometrically above the minimum when `log_levels`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ContourPanel {
    pub(crate) title: String,
    /// Grid abscissae (θ₁), at least two, finite and strictly increasing.
    pub(crate) xs: Vec<f64>,
    /// Grid ordinates (θ₂), at least two, finite and strictly increasing.
    pub(crate) ys: Vec<f64>,
    /// `z[yi][xi]`: `ys.len()` rows of `xs.len()` values; non-finite cells are left blank.
    pub(crate) z: Vec<Vec<f64>>,
    pub(crate) paths: Vec<PathLine>,
    /// Labelled points, e.g. `("origin", (0.0, 0.0))`, each with its own symbol.
    pub(crate) markers: Vec<(String, (f64, f64))>,
    /// Number of iso-lines; 0 draws none (and no background).
    pub(crate) levels: usize,
    /// Space the iso-lines geometrically above the minimum instead of linearly.
    pub(crate) log_levels: bool,
}
