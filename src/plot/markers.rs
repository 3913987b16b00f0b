//! Marker symbols for labelled points: distinct shapes, black with a white halo.

use anyhow::Result;
use plotters::prelude::*;

/// Draws symbol `k` (cross, star, diamond, square, triangle, plus, then
/// repeating) of radius `r` pixels at `at`: black with a white halo, so it
/// stands out over lines and background.
pub(super) fn draw_marker<CT: CoordTranslate>(
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
