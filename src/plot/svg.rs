//! Writing a figure, drawing its title, and sizing text. Text is sized by an estimate
//! ([`text_width`]) because the SVG leaves rendering it to the viewer.

use std::path::Path;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{FONT, MARGIN, TITLE_H, TITLE_SIZE};

/// The drawing area of a whole figure, or of a part of it.
pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Renders a figure into memory and writes it atomically, so a crash never leaves half a
/// figure behind.
pub(super) fn write_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Result<()>,
) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::util::fs::create_dir(dir, "the figure's folder")?;
    }
    crate::util::fs::write_atomic(path, svg.as_bytes())
}

/// Draws the figure title centred at the top; returns the area below it.
pub(super) fn draw_title<'a>(root: &Area<'a>, title: &str) -> Result<Area<'a>> {
    let (w, _) = root.dim_in_pixel();
    let size = fit_font(title, TITLE_SIZE, f64::from(w) - 2.0 * f64::from(MARGIN));
    let style = text_style(size, HPos::Center, VPos::Center);
    root.draw_text(title, &style, (w as i32 / 2, MARGIN + TITLE_H / 2 - 6))?;
    Ok(root.margin(MARGIN + TITLE_H, 0, 0, 0))
}

/// Estimated rendered width in pixels of `text` at plotters font size `size`:
/// plotters writes `font-size = size / 1.24` into the SVG, and an average
/// sans-serif glyph is about 0.6 em wide.
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    0.6 * size / 1.24 * text.chars().count() as f64
}

/// Largest font size up to `max` at which `text` fits `width` pixels, but
/// not below 9, where text stops being legible anyway.
pub(super) fn fit_font(text: &str, max: f64, width: f64) -> f64 {
    let at_max = text_width(text, max);
    if at_max <= width {
        max
    } else {
        (max * width / at_max).max(9.0)
    }
}

/// Text in the figure font at `size`, anchored to the point it is drawn at by `h` and `v`.
pub(super) fn text_style(size: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v))
}
