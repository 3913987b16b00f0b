//! Heat maps: panels side by side on one shared colour scale, with a colour bar and a key
//! for missing cells and the best cell.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{linear_ticks, pad, Ticks};
use super::style::{is_dark, viridis, BEST_RING, MARGIN, MISSING_FILL, MISSING_HATCH, TITLE_H};
use super::svg::{draw_title, fit_font, text_style, text_width, write_svg, Area};
use super::HeatPanel;

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
/// Fails when there are no panels or a panel's `z` does not match its labels. When no cell
/// holds a finite value (every run of a study diverged), every cell is drawn hatched and the
/// colour bar is left out.
pub(crate) fn heatmaps(
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
    let measured = ColourScale::spanning(finite());
    let any_measured = measured.is_some();
    // With nothing measured no cell is coloured; the scale only fills the place.
    let scale = measured.unwrap_or(ColourScale { lo: 0.0, hi: 1.0 });
    let values: Vec<String> = finite().map(fmt_value).collect();
    let bar_ticks = linear_ticks(&(scale.lo..scale.hi), 5);
    let bar_labels: Vec<String> = if any_measured {
        bar_ticks
            .bold
            .iter()
            .map(|&t| bar_ticks.format.format(t))
            .collect()
    } else {
        Vec::new()
    };
    let layout = HeatLayout::new(panels, &values, &bar_labels);
    let size = (layout.width as u32, layout.height as u32);
    write_svg(path, size, |root| {
        draw_title(root, title)?;
        for (i, panel) in panels.iter().enumerate() {
            draw_heat_panel(root, &layout, i, panel, &scale)?;
            draw_heat_panel_title(root, &layout, i, panel)?;
            draw_heat_axes(root, &layout, i, panel, x_label, y_label)?;
        }
        if any_measured {
            draw_colour_bar(root, &layout, &scale, &bar_ticks, z_label)?;
        }
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

/// The panel title, centred over the grid, or over its whole slot when it is wider.
fn draw_heat_panel_title(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
) -> Result<()> {
    let left = layout.grid_left[index];
    let grid_w = layout.cell * panel.x_labels.len() as i32;
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
    Ok(())
}

/// Tick labels on both axes of a panel, the x-axis title under it, and the y-axis title
/// left of the first panel only.
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
    use crate::plot::test_support::{take_svg, temp_svg};

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
        let (_dir, path) = temp_svg("heat");
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
        let (_dir, path) = temp_svg("heat-flat");
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
        let (_dir, path) = temp_svg("heat-bad");
        let mut ragged = heat_panel("ragged", 0.0);
        ragged.z[2].pop();
        let err = heatmaps(&path, "T", "x", "y", "z", &[ragged]).unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
        assert!(heatmaps(&path, "T", "x", "y", "z", &[]).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn a_panel_without_a_measured_cell_is_drawn_hatched_without_a_colour_bar() {
        let (_dir, path) = temp_svg("heat-all-missing");
        let mut missing = heat_panel("all diverged", 0.0);
        missing.z = vec![vec![None; 6]; 6];
        heatmaps(&path, "Nothing measured", "x", "y", "z", &[missing]).unwrap();
        let svg = take_svg(&path, "Nothing measured");
        assert!(svg.contains("all diverged"), "the panel is drawn");
        assert!(!svg.contains(">z<"), "no colour bar label");
    }

    #[test]
    fn cell_values_have_three_significant_digits() {
        assert_eq!(fmt_value(2.3145), "2.31");
        assert_eq!(fmt_value(0.02314), "0.0231");
    }
}
