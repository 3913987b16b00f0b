//! Heat maps: panels side by side, each on its own colour scale with its own colour bar, so
//! that one panel's collapsed runs never flatten another panel's valley. Cells that collapsed,
//! diverged or were never run are drawn apart from the colour scale and named in a key; each
//! column's best cell is framed, the cells tied with it outlined, the panel's best ringed.

mod draw;
mod legend;
mod scale;

use std::path::Path;

use anyhow::{bail, Result};

pub(crate) use scale::panel_scale;

use super::style::{MARGIN, TITLE_H};
use super::svg::{draw_title, text_width, write_svg};
use super::{HeatCell, HeatPanel};
use legend::{legend_entries, legend_height};

const HEAT_TICK_FONT: f64 = 13.0;
const HEAT_PANEL_TITLE_H: i32 = 30;
const HEAT_PANEL_GAP: i32 = 36;
const AXIS_TITLE_W: i32 = 28;
const COLOUR_BAR_W: i32 = 14;
/// Between a panel's grid and its colour bar.
const BAR_GAP: i32 = 10;
/// Between the "no decay" row and the log-spaced rows above it.
const ZERO_GAP: i32 = 10;
/// Between one row of panels and the next.
const HEAT_ROW_GAP: i32 = 24;

/// Pixel layout shared by all heat-map panels; computed before drawing so the canvas can be
/// sized to its content.
struct HeatLayout {
    cell_w: i32,
    cell_h: i32,
    value_font: f64,
    show_values: bool,
    /// Bottom edge of each panel's grid (the panels of a row line up).
    grid_bottom: Vec<i32>,
    legend_top: i32,
    /// Left edge of each panel's grid.
    grid_left: Vec<i32>,
    /// Left edge of each panel's slot (its y tick labels) and the slot's width.
    slot: Vec<(i32, i32)>,
    x_ticks_rotated: bool,
    x_ticks_h: i32,
    /// Panels in a row of the figure.
    per_row: usize,
    width: i32,
    height: i32,
}

impl HeatLayout {
    fn new(panels: &[HeatPanel]) -> Self {
        let max_cols = panels.iter().map(|p| p.x_labels.len()).max().unwrap_or(1);
        let max_rows = panels.iter().map(|p| p.y_labels.len()).max().unwrap_or(1);
        let cell_h = (380 / max_rows as i32).clamp(16, 40);
        let value_font = if cell_h >= 22 { 12.0 } else { 10.5 };
        let widest_value = widest_value(panels, value_font);
        let cell_w = (widest_value.ceil() as i32 + 10)
            .max(360 / max_cols as i32)
            .clamp(28, 64);
        let widest_x_tick = panels
            .iter()
            .flat_map(|p| &p.x_labels)
            .map(|l| text_width(l, HEAT_TICK_FONT))
            .fold(0.0, f64::max);
        let x_ticks_rotated = widest_x_tick > f64::from(cell_w - 4);
        let x_ticks_h = if x_ticks_rotated {
            widest_x_tick.ceil() as i32 + 12
        } else {
            24
        };
        // Two panels a row beyond two, so four methods stay legible at README width.
        let per_row = if panels.len() > 2 { 2 } else { panels.len() };
        let row_grid_h: Vec<i32> = panels
            .chunks(per_row.max(1))
            .map(|row| {
                row.iter()
                    .map(|p| grid_height(p, cell_h))
                    .max()
                    .unwrap_or(cell_h)
            })
            .collect();
        let row_h = |grid_h: i32| HEAT_PANEL_TITLE_H + grid_h + x_ticks_h + 30 + HEAT_ROW_GAP;
        let (mut grid_left, mut slot, mut grid_bottom) = (Vec::new(), Vec::new(), Vec::new());
        let mut x = MARGIN + AXIS_TITLE_W;
        let mut width = 0;
        for (i, p) in panels.iter().enumerate() {
            if i % per_row == 0 {
                x = MARGIN + AXIS_TITLE_W;
            }
            let body_w = y_tick_width(p)
                + cell_w * p.x_labels.len() as i32
                + BAR_GAP
                + COLOUR_BAR_W
                + bar_label_width(p);
            let slot_w = body_w.max(text_width(&p.title, 13.0).ceil() as i32);
            grid_left.push(x + y_tick_width(p));
            slot.push((x, slot_w));
            let row = i / per_row;
            let row_top =
                MARGIN + TITLE_H + row_grid_h[..row].iter().map(|&h| row_h(h)).sum::<i32>();
            grid_bottom.push(row_top + HEAT_PANEL_TITLE_H + row_grid_h[row]);
            x += slot_w + HEAT_PANEL_GAP;
            width = width.max(x - HEAT_PANEL_GAP + MARGIN);
        }
        let legend_top =
            MARGIN + TITLE_H + row_grid_h.iter().map(|&h| row_h(h)).sum::<i32>() - HEAT_ROW_GAP;
        let legend_h = legend_height(&legend_entries(panels), width - 2 * MARGIN);
        HeatLayout {
            cell_w,
            cell_h,
            value_font,
            show_values: cell_h >= 16 && widest_value <= f64::from(cell_w - 4),
            grid_bottom,
            grid_left,
            slot,
            x_ticks_rotated,
            x_ticks_h,
            per_row: per_row.max(1),
            legend_top,
            width,
            height: legend_top + legend_h + MARGIN,
        }
    }

    /// Top-left pixel of cell `(yi, xi)`; row 0 is at the bottom, as on a plot whose y values
    /// increase upwards, and every panel's bottom row lines up.
    fn cell_origin(&self, panel: usize, p: &HeatPanel, yi: usize, xi: usize) -> (i32, i32) {
        let x = self.grid_left[panel] + self.cell_w * xi as i32;
        let gap = if p.zero_row && yi >= 1 { ZERO_GAP } else { 0 };
        let y = self.grid_bottom[panel] - self.cell_h * (yi as i32 + 1) - gap;
        (x, y)
    }

    /// Top of a panel's grid (panels with fewer rows are shorter).
    fn panel_top(&self, panel: usize, p: &HeatPanel) -> i32 {
        self.grid_bottom[panel] - grid_height(p, self.cell_h)
    }

    /// Left edge of a panel's colour bar.
    fn bar_left(&self, panel: usize, p: &HeatPanel) -> i32 {
        self.grid_left[panel] + self.cell_w * p.x_labels.len() as i32 + BAR_GAP
    }

    fn legend_top(&self) -> i32 {
        self.legend_top
    }
}

/// Width of the widest value printed in a cell, at `font`.
fn widest_value(panels: &[HeatPanel], font: f64) -> f64 {
    panels
        .iter()
        .flat_map(|p| p.cells.iter().flatten())
        .filter_map(|c| match *c {
            HeatCell::Value(v) | HeatCell::Collapsed(v) => Some(fmt_value(v)),
            _ => None,
        })
        .map(|v| text_width(&v, font))
        .fold(0.0, f64::max)
}

fn grid_height(p: &HeatPanel, cell_h: i32) -> i32 {
    let gap = if p.zero_row && p.y_labels.len() > 1 {
        ZERO_GAP
    } else {
        0
    };
    cell_h * p.y_labels.len() as i32 + gap
}

fn y_tick_width(p: &HeatPanel) -> i32 {
    let widest = p
        .y_labels
        .iter()
        .map(|l| text_width(l, HEAT_TICK_FONT))
        .fold(0.0, f64::max);
    widest.ceil() as i32 + 10
}

/// Room for a panel's colour-bar labels (its two ends are the widest: they are exact).
fn bar_label_width(p: &HeatPanel) -> i32 {
    let widest = panel_scale(p).map_or(0.0, |s| {
        [s.lo, s.hi]
            .iter()
            .map(|&v| text_width(&fmt_value(v), HEAT_TICK_FONT))
            .fold(0.0, f64::max)
    });
    widest.ceil() as i32 + 12
}

/// Several panels side by side in one SVG (like Loshchilov & Hutter 2019 Fig. 2: four
/// methods), each with its own colour scale and colour bar (`z_label` names the value); the
/// value printed in each cell when cells are large enough.
///
/// Fails when there are no panels or a panel's cells do not match its labels. A panel where
/// no cell trained has no colour bar.
pub(crate) fn heatmaps(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    z_label: &str,
    panels: &[HeatPanel],
) -> Result<()> {
    check_heat_panels(title, panels)?;
    let layout = HeatLayout::new(panels);
    let size = (layout.width as u32, layout.height as u32);
    write_svg(path, size, |root| {
        draw_title(root, title)?;
        for (i, panel) in panels.iter().enumerate() {
            let scale = panel_scale(panel);
            draw::cells(root, &layout, i, panel, scale.as_ref())?;
            draw::marks(root, &layout, i, panel)?;
            draw::panel_title(root, &layout, i, panel)?;
            draw::axes(root, &layout, i, panel, x_label, y_label)?;
            if let Some(s) = scale {
                draw::colour_bar(root, &layout, i, panel, &s, z_label)?;
            }
        }
        legend::draw(root, &layout, &legend_entries(panels))
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
        if p.cells.len() != rows {
            bail!(
                "heat map panel '{}': {} rows of cells but there are {rows} y labels",
                p.title,
                p.cells.len()
            );
        }
        if let Some((yi, row)) = p.cells.iter().enumerate().find(|(_, r)| r.len() != cols) {
            bail!(
                "heat map panel '{}': row {yi} has {} cells but there are {cols} x labels",
                p.title,
                row.len()
            );
        }
    }
    Ok(())
}

/// The value of cell `(yi, xi)` when it trained.
fn value_at(p: &HeatPanel, (yi, xi): (usize, usize)) -> Option<f64> {
    match *p.cells.get(yi)?.get(xi)? {
        HeatCell::Value(v) if v.is_finite() => Some(v),
        _ => None,
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
mod tests;
