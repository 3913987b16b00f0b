//! Drawing one heat-map panel: its cells, the marks on them, its title, axes and colour bar.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::style::{
    is_dark, viridis, BEST_RING, COLLAPSED_FILL, DIVERGED_CROSS, DIVERGED_FILL, NOT_RUN_EDGE,
    NOT_RUN_FILL,
};
use super::super::svg::{fit_font, text_style, Area};
use super::scale::ColourScale;
use super::{
    fmt_value, value_at, y_tick_width, HeatLayout, AXIS_TITLE_W, COLOUR_BAR_W, HEAT_PANEL_TITLE_H,
    HEAT_TICK_FONT,
};
use crate::plot::{HeatCell, HeatPanel};

/// Every cell of panel `index`: trained cells in the panel's colours, the others in their
/// own style.
pub(super) fn cells(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
    scale: Option<&ColourScale>,
) -> Result<()> {
    let size = (layout.cell_w - 1, layout.cell_h - 1);
    for (yi, row) in panel.cells.iter().enumerate() {
        for (xi, &cell) in row.iter().enumerate() {
            let at = layout.cell_origin(index, panel, yi, xi);
            match (cell, scale) {
                (HeatCell::Value(v), Some(s)) if v.is_finite() => {
                    let fill = s.colour(v);
                    filled(root, at, size, fill)?;
                    value_text(root, layout, at, v, fill)?;
                }
                (HeatCell::Collapsed(v), _) if v.is_finite() => {
                    filled(root, at, size, COLLAPSED_FILL)?;
                    value_text(root, layout, at, v, COLLAPSED_FILL)?;
                }
                (HeatCell::NotRun, _) => not_run(root, at, size)?,
                _ => diverged(root, at, size)?,
            }
        }
    }
    Ok(())
}

fn filled(root: &Area, (x, y): (i32, i32), (w, h): (i32, i32), fill: RGBColor) -> Result<()> {
    root.draw(&Rectangle::new([(x, y), (x + w, y + h)], fill.filled()))?;
    Ok(())
}

fn value_text(
    root: &Area,
    layout: &HeatLayout,
    (x, y): (i32, i32),
    v: f64,
    fill: RGBColor,
) -> Result<()> {
    if !layout.show_values {
        return Ok(());
    }
    let ink = if is_dark(fill) { WHITE } else { BLACK };
    let style = text_style(layout.value_font, HPos::Center, VPos::Center).color(&ink);
    let centre = (x + layout.cell_w / 2, y + layout.cell_h / 2);
    root.draw_text(&fmt_value(v), &style, centre)?;
    Ok(())
}

/// A cell never run: near-white with a thin grey edge, an empty place on the grid.
pub(super) fn not_run(root: &Area, (x, y): (i32, i32), (w, h): (i32, i32)) -> Result<()> {
    root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        NOT_RUN_FILL.filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x + 1, y + 1), (x + w - 1, y + h - 1)],
        NOT_RUN_EDGE.stroke_width(1),
    ))?;
    Ok(())
}

/// A diverged cell: dark with a light cross, unlike any viridis colour or the grey of a
/// collapsed cell, in colour and in grey print.
pub(super) fn diverged(root: &Area, (x, y): (i32, i32), (w, h): (i32, i32)) -> Result<()> {
    root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        DIVERGED_FILL.filled(),
    ))?;
    let (cx, cy, r) = (x + w / 2, y + h / 2, (w.min(h) / 3).max(3));
    for (a, b) in [((-r, -r), (r, r)), ((-r, r), (r, -r))] {
        root.draw(&PathElement::new(
            vec![(cx + a.0, cy + a.1), (cx + b.0, cy + b.1)],
            DIVERGED_CROSS.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// The outline of a rectangle inset by `inset` pixels, closed.
fn frame((x, y): (i32, i32), (w, h): (i32, i32), inset: i32) -> Vec<(i32, i32)> {
    let (l, t, r, b) = (x + inset, y + inset, x + w - inset, y + h - inset);
    vec![(l, t), (r, t), (r, b), (l, b), (l, t)]
}

/// Each column's best cell framed (white on a black halo), the cells tied with it outlined
/// thinly, and the panel's best ringed.
pub(super) fn marks(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
) -> Result<()> {
    let size = (layout.cell_w - 1, layout.cell_h - 1);
    for &c in panel.tied.iter().filter(|&&c| value_at(panel, c).is_some()) {
        let at = layout.cell_origin(index, panel, c.0, c.1);
        tied_frame(root, at, size)?;
    }
    for &c in panel
        .column_best
        .iter()
        .filter(|&&c| value_at(panel, c).is_some())
    {
        let at = layout.cell_origin(index, panel, c.0, c.1);
        best_frame(root, at, size)?;
    }
    if let Some(c) = panel.best.filter(|&c| value_at(panel, c).is_some()) {
        let (x, y) = layout.cell_origin(index, panel, c.0, c.1);
        let r = (f64::from(layout.cell_w.min(layout.cell_h)) * 0.62) as i32;
        ring(root, (x + layout.cell_w / 2, y + layout.cell_h / 2), r)?;
    }
    Ok(())
}

/// The frame of a column's best cell, with a white corner flag that tells it from a tied
/// cell's thin outline where the two sit side by side.
pub(super) fn best_frame(root: &Area, at: (i32, i32), size: (i32, i32)) -> Result<()> {
    root.draw(&PathElement::new(frame(at, size, 2), BLACK.stroke_width(5)))?;
    root.draw(&PathElement::new(
        frame(at, size, 2),
        super::super::style::COLUMN_BEST.stroke_width(3),
    ))?;
    let (x, y) = at;
    let flag = vec![(x + 2, y + 2), (x + 11, y + 2), (x + 2, y + 11)];
    root.draw(&Polygon::new(
        flag,
        super::super::style::COLUMN_BEST.filled(),
    ))?;
    Ok(())
}

/// The thin outline of a cell tied with its column's best: white inside a black line, so it
/// shows on dark and light cells alike.
pub(super) fn tied_frame(root: &Area, at: (i32, i32), size: (i32, i32)) -> Result<()> {
    root.draw(&PathElement::new(frame(at, size, 3), BLACK.stroke_width(3)))?;
    root.draw(&PathElement::new(
        frame(at, size, 3),
        super::super::style::TIED_EDGE.stroke_width(1),
    ))?;
    Ok(())
}

/// A red ring with a white halo, visible on every viridis colour.
pub(super) fn ring(root: &Area, centre: (i32, i32), radius: i32) -> Result<()> {
    root.draw(&Circle::new(centre, radius, WHITE.stroke_width(5)))?;
    root.draw(&Circle::new(centre, radius, BEST_RING.stroke_width(3)))?;
    Ok(())
}

/// The panel title, centred over its slot.
pub(super) fn panel_title(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
) -> Result<()> {
    let (left, slot_w) = layout.slot[index];
    let size = fit_font(&panel.title, 17.0, f64::from(slot_w));
    let style = text_style(size, HPos::Center, VPos::Center);
    let y = layout.panel_top(index, panel) - HEAT_PANEL_TITLE_H / 2;
    root.draw_text(&panel.title, &style, (left + slot_w / 2, y))?;
    Ok(())
}

/// Tick labels on both axes of a panel, the x-axis title under it, and the y-axis title
/// left of the first panel of each row only.
pub(super) fn axes(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    let (cw, ch) = (layout.cell_w, layout.cell_h);
    let left = layout.grid_left[index];
    let grid_w = cw * panel.x_labels.len() as i32;
    let y_tick_style = text_style(HEAT_TICK_FONT, HPos::Right, VPos::Center);
    for (yi, label) in panel.y_labels.iter().enumerate() {
        let (_, y) = layout.cell_origin(index, panel, yi, 0);
        root.draw_text(label, &y_tick_style, (left - 6, y + ch / 2))?;
    }
    let x_tick_style = if layout.x_ticks_rotated {
        text_style(HEAT_TICK_FONT, HPos::Right, VPos::Center).transform(FontTransform::Rotate270)
    } else {
        text_style(HEAT_TICK_FONT, HPos::Center, VPos::Top)
    };
    for (xi, label) in panel.x_labels.iter().enumerate() {
        let at = (
            left + cw * xi as i32 + cw / 2,
            layout.grid_bottom[index] + 6,
        );
        root.draw_text(label, &x_tick_style, at)?;
    }
    let desc = text_style(15.0, HPos::Center, VPos::Top);
    let desc_y = layout.grid_bottom[index] + layout.x_ticks_h + 2;
    root.draw_text(x_label, &desc, (left + grid_w / 2, desc_y))?;
    if index.is_multiple_of(layout.per_row) {
        let desc = text_style(15.0, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
        let top = layout.panel_top(index, panel);
        let mid = (top + layout.grid_bottom[index]) / 2;
        let x = left - y_tick_width(panel) - AXIS_TITLE_W;
        root.draw_text(y_label, &desc, (x, mid))?;
    }
    Ok(())
}

/// A panel's colour bar beside its grid, labelled at both ends with the panel's exact minimum
/// and maximum and at round values between; `z_label` above it.
pub(super) fn colour_bar(
    root: &Area,
    layout: &HeatLayout,
    index: usize,
    panel: &HeatPanel,
    scale: &ColourScale,
    z_label: &str,
) -> Result<()> {
    let x = layout.bar_left(index, panel);
    let (top, bottom) = (layout.panel_top(index, panel), layout.grid_bottom[index]);
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
    let right = x + COLOUR_BAR_W;
    for (t, text) in scale.bar_labels(f64::from(h), 16.0) {
        let y = bottom - (t * f64::from(h)).round() as i32;
        root.draw(&PathElement::new(
            vec![(right, y), (right + 4, y)],
            BLACK.stroke_width(1),
        ))?;
        root.draw_text(&text, &style, (right + 6, y))?;
    }
    let above = text_style(11.0, HPos::Center, VPos::Bottom);
    let unit = z_label.rsplit_once(' ').map_or(z_label, |(_, u)| u);
    root.draw_text(unit, &above, (x + COLOUR_BAR_W / 2, top - 3))?;
    Ok(())
}
