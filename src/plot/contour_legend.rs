//! The legend under a contour panel: one entry per path and per marker, then the start / end
//! key, flowing left to right and wrapping into rows.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::markers::draw_marker;
use super::style::{path_colour, START_END_KEY};
use super::svg::{text_style, text_width, Area};
use super::ContourPanel;

const ROW_H: u32 = 22;
const FONT_SIZE: f64 = 14.0;

/// What one legend entry of a contour panel shows.
enum LegendKey {
    Path(RGBColor),
    Marker(usize),
    StartEnd,
}

/// The entries of a panel's legend: its paths, its markers, then the start / end key if
/// there are paths.
fn legend_entries(p: &ContourPanel) -> Vec<(LegendKey, String)> {
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
    34.0 + text_width(label, FONT_SIZE) + 18.0
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

/// Height of the legend strip under every panel: room for the legend with the most rows
/// when it wraps at `width`.
pub(super) fn legend_height(panels: &[ContourPanel], width: f64) -> u32 {
    let rows = panels
        .iter()
        .map(|p| legend_rows(&legend_entries(p), width))
        .max()
        .unwrap_or(1);
    rows as u32 * ROW_H + 12
}

/// Draws the legend of `panel` into `area`, starting `left` pixels in and wrapping at `width`.
pub(super) fn draw_contour_legend(
    area: &Area,
    panel: &ContourPanel,
    left: f64,
    width: f64,
) -> Result<()> {
    let entries = legend_entries(panel);
    let style = text_style(FONT_SIZE, HPos::Left, VPos::Center);
    for ((key, label), (row, dx)) in entries.iter().zip(legend_flow(&entries, width)) {
        let x = (left + dx) as i32;
        let y = 12 + (row as u32 * ROW_H) as i32;
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
                area.draw(&Circle::new((x + 6, y), 5, START_END_KEY.stroke_width(2)))?;
                area.draw(&Circle::new((x + 21, y), 5, START_END_KEY.filled()))?;
            }
        }
        area.draw_text(label, &style, (x + 34, y))?;
    }
    Ok(())
}
