//! Line charts: curves with optional uncertainty bands and a legend beside the plot.

use std::iter::once;
use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{axis_range, linear, linear_ticks, log, log_ticks, with_ticks, Ticks};
use super::drawable::{drawable_value, runs};
use super::style::{palette, FONT, MESH_BOLD, MESH_LIGHT};
use super::svg::{draw_title, text_style, text_width, write_svg, Area};
use super::{Axes, Series};

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
    chart(path, axes, series, Marks::Lines)
}

/// Scatter chart: each series' points marked, not joined (the order of the points does not
/// matter); otherwise as [`line_chart`].
pub(crate) fn scatter_chart(path: &Path, axes: &Axes, series: &[Series]) -> Result<()> {
    chart(path, axes, series, Marks::Points)
}

fn chart(path: &Path, axes: &Axes, series: &[Series], marks: Marks) -> Result<()> {
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
        let d = (&drawable[..], marks);
        match (axes.log_x, axes.log_y) {
            (false, false) => draw_line_plot(&plot, axes, d, (linear(x), linear(y)), ticks),
            (true, false) => draw_line_plot(&plot, axes, d, (log(x), linear(y)), ticks),
            (false, true) => draw_line_plot(&plot, axes, d, (linear(x), log(y)), ticks),
            (true, true) => draw_line_plot(&plot, axes, d, (log(x), log(y)), ticks),
        }?;
        draw_line_legend(&legend, &drawable, marks)
    })
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

fn draw_line_plot<X, Y>(
    area: &Area,
    axes: &Axes,
    (series, marks): (&[DrawableSeries], Marks),
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
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
                continue;
            }
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
        if marks == Marks::Lines {
            area.draw(&PathElement::new(
                vec![(4, y), (36, y)],
                colour.stroke_width(2),
            ))?;
        }
        area.draw(&Circle::new((20, y), 3, colour.filled()))?;
        let style = text_style(LEGEND_FONT, HPos::Left, VPos::Center);
        area.draw_text(&line_legend_text(s), &style, (44, y))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{take_svg, temp_svg};

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
    fn scatter_chart_marks_points_without_lines() {
        let (_dir, path) = temp_svg("scatter");
        let s = Series {
            label: "AdamW".into(),
            x: vec![0.01, 0.1, 0.03],
            y: vec![4.0, 5.0, 4.5],
            band: None,
        };
        scatter_chart(
            &path,
            &axes("Error at equal loss", true, false),
            std::slice::from_ref(&s),
        )
        .unwrap();
        let scatter = take_svg(&path, "Error at equal loss");
        assert!(scatter.contains("AdamW") && scatter.contains("<circle"));
        line_chart(&path, &axes("Error at equal loss", true, false), &[s]).unwrap();
        let lines = take_svg(&path, "Error at equal loss");
        let count = |svg: &str| svg.matches("<polyline").count();
        // The line chart joins the points (and draws a legend line); the scatter does neither.
        assert_eq!(
            count(&lines),
            count(&scatter) + 2,
            "a scatter draws no lines"
        );
    }

    #[test]
    fn line_chart_draws_curves_bands_and_legend() {
        let (_dir, path) = temp_svg("lines");
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
        let (_dir, path) = temp_svg("lines-odd");
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
        let (_dir, path) = temp_svg("lines-none");
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
}
