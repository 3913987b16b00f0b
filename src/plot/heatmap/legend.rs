//! The key under the heat maps: one entry for each kind of cell and mark the panels hold,
//! laid out in rows across the figure's width.

use anyhow::Result;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::RGBColor;

use super::super::style::COLLAPSED_FILL;
use super::super::svg::{text_style, text_width, Area};
use super::draw::{best_frame, diverged, not_run, ring, tied_frame};
use super::{value_at, HeatLayout};
use crate::plot::{HeatCell, HeatPanel};

const KEY_FONT: f64 = 14.0;
const KEY_ROW_H: i32 = 26;
const SWATCH: i32 = 22;

/// One entry of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    Best,
    ColumnBest,
    Tied,
    Collapsed,
    Diverged,
    NotRun,
}

impl Entry {
    fn text(self) -> &'static str {
        match self {
            Entry::Best => "best cell of the panel",
            Entry::ColumnBest => "best decay at this α",
            Entry::Tied => "tied with it (within the seed noise)",
            Entry::Collapsed => "α failed to train (outside the colour scale)",
            Entry::Diverged => "diverged",
            Entry::NotRun => "not run",
        }
    }

    fn width(self) -> i32 {
        SWATCH + 8 + text_width(self.text(), KEY_FONT).ceil() as i32 + 24
    }
}

/// The entries the panels need, in reading order.
pub(super) fn legend_entries(panels: &[HeatPanel]) -> Vec<Entry> {
    let any_cell =
        |f: &dyn Fn(&HeatCell) -> bool| panels.iter().any(|p| p.cells.iter().flatten().any(f));
    let any_mark = |f: &dyn Fn(&HeatPanel) -> bool| panels.iter().any(f);
    let drawn = |p: &HeatPanel, c: &[(usize, usize)]| c.iter().any(|&c| value_at(p, c).is_some());
    [
        (
            Entry::Best,
            any_mark(&|p| p.best.is_some_and(|c| value_at(p, c).is_some())),
        ),
        (Entry::ColumnBest, any_mark(&|p| drawn(p, &p.column_best))),
        (Entry::Tied, any_mark(&|p| drawn(p, &p.tied))),
        (
            Entry::Collapsed,
            any_cell(&|c| matches!(c, HeatCell::Collapsed(v) if v.is_finite())),
        ),
        (
            Entry::Diverged,
            any_cell(&|c| match c {
                HeatCell::Diverged => true,
                HeatCell::Value(v) | HeatCell::Collapsed(v) => !v.is_finite(),
                HeatCell::NotRun => false,
            }),
        ),
        (Entry::NotRun, any_cell(&|c| *c == HeatCell::NotRun)),
    ]
    .into_iter()
    .filter_map(|(e, shown)| shown.then_some(e))
    .collect()
}

/// Entries placed left to right, wrapping at `width`: `(entry, x offset, row)`.
fn placed(entries: &[Entry], width: i32) -> Vec<(Entry, i32, i32)> {
    let (mut x, mut row) = (0, 0);
    let mut out = Vec::new();
    for &e in entries {
        if x > 0 && x + e.width() > width {
            x = 0;
            row += 1;
        }
        out.push((e, x, row));
        x += e.width();
    }
    out
}

/// Pixels the key needs across `width`.
pub(super) fn legend_height(entries: &[Entry], width: i32) -> i32 {
    let rows = placed(entries, width).last().map_or(0, |&(_, _, r)| r + 1);
    rows * KEY_ROW_H
}

pub(super) fn draw(root: &Area, layout: &HeatLayout, entries: &[Entry]) -> Result<()> {
    let left = super::super::style::MARGIN;
    let style = text_style(KEY_FONT, HPos::Left, VPos::Center);
    for (e, dx, row) in placed(entries, layout.width - 2 * left) {
        let x = left + dx;
        let y = layout.legend_top() + row * KEY_ROW_H + KEY_ROW_H / 2;
        let at = (x, y - SWATCH / 2 + 2);
        let size = (SWATCH, SWATCH - 4);
        let sample = RGBColor(72, 37, 118);
        match e {
            Entry::Best => ring(root, (x + SWATCH / 2, y), 8)?,
            Entry::ColumnBest => {
                swatch(root, at, size, sample)?;
                best_frame(root, at, size)?;
            }
            Entry::Tied => {
                swatch(root, at, size, sample)?;
                tied_frame(root, at, size)?;
            }
            Entry::Collapsed => swatch(root, at, size, COLLAPSED_FILL)?,
            Entry::Diverged => diverged(root, at, size)?,
            Entry::NotRun => not_run(root, at, size)?,
        }
        root.draw_text(e.text(), &style, (x + SWATCH + 8, y))?;
    }
    Ok(())
}

fn swatch(root: &Area, (x, y): (i32, i32), (w, h): (i32, i32), fill: RGBColor) -> Result<()> {
    use plotters::prelude::*;
    root.draw(&Rectangle::new([(x, y), (x + w, y + h)], fill.filled()))?;
    Ok(())
}
