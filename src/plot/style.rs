//! Fonts, shared sizes and colours of every figure. Sizes that only one kind of figure
//! uses live with that figure.

use plotters::style::RGBColor;

pub(super) const FONT: &str = "sans-serif";
/// Largest font size of a figure title; longer titles shrink to fit the width.
pub(super) const TITLE_SIZE: f64 = 24.0;
/// Height of the strip holding the figure title, below the top margin.
pub(super) const TITLE_H: i32 = 44;
pub(super) const MARGIN: i32 = 20;

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

/// Grid lines of a line chart: at labelled ticks, and at the minor ticks between them.
pub(super) const MESH_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(super) const MESH_LIGHT: RGBColor = RGBColor(240, 240, 240);
/// Heat-map cells that diverged: near-black with a light cross.
pub(super) const DIVERGED_FILL: RGBColor = RGBColor(45, 45, 45);
pub(super) const DIVERGED_CROSS: RGBColor = RGBColor(200, 200, 200);
/// Heat-map cells whose learning rate failed to train: mid grey, off the viridis scale.
pub(super) const COLLAPSED_FILL: RGBColor = RGBColor(150, 150, 150);
/// Heat-map cells never run: near-white with a light grey edge.
pub(super) const NOT_RUN_FILL: RGBColor = RGBColor(248, 248, 248);
pub(super) const NOT_RUN_EDGE: RGBColor = RGBColor(205, 205, 205);
/// The frame of each column's best cell and the dashes round the cells tied with it; white
/// (on a black halo) because the best cells are the darkest viridis colours.
pub(super) const COLUMN_BEST: RGBColor = RGBColor(255, 255, 255);
pub(super) const TIED_EDGE: RGBColor = RGBColor(250, 250, 250);
pub(super) const BEST_RING: RGBColor = RGBColor(228, 26, 28);
pub(super) const ISO_LINE: RGBColor = RGBColor(40, 40, 40);
/// The start / end key of a contour legend, which stands for paths of every colour.
pub(super) const START_END_KEY: RGBColor = RGBColor(90, 90, 90);

/// Colour of line `i` of a line chart.
pub(super) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Colour of path `k` of a contour panel, starting with those that contrast best with the
/// light viridis background.
pub(super) fn path_colour(k: usize) -> RGBColor {
    const ORDER: [usize; 7] = [1, 6, 3, 0, 4, 2, 5];
    PALETTE[ORDER[k % ORDER.len()]]
}

/// Viridis at `t` in [0, 1] (clamped; NaN maps to the low end).
pub(super) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let k = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Blends `c` towards white by `amount` in [0, 1].
pub(super) fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |p: u8| (f64::from(p) + amount * (255.0 - f64::from(p))).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Whether white text reads better than black on `c` (relative luminance).
pub(super) fn is_dark(c: RGBColor) -> bool {
    let lum = 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    lum < 140.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_spans_its_table_and_maps_nan_to_the_low_end() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }
}
