//! Each heat-map panel's colour scale: viridis over the panel's trained cells, compressed
//! towards the top so that the few tenths of a point that separate the cells near the valley
//! floor get most of the colours, while a wall 20 points higher still fits on the scale.

use plotters::style::RGBColor;

use super::super::axis::{linear_ticks, pad};
use super::super::style::viridis;
use super::fmt_value;
use crate::plot::{HeatCell, HeatPanel};

/// The scale is linear within about this many points of its minimum and logarithmic in the
/// distance from the minimum beyond: a panel spanning one point is nearly linear, one
/// spanning 50 points (with label noise) gives its lowest 2 points a third of the colours.
const LINEAR_POINTS: f64 = 0.5;
/// The most the scale compresses (a range of LINEAR_POINTS × this or more).
const MAX_COMPRESS: f64 = 40.0;

/// A map from a panel's values to viridis: `lo` darkest, `hi` brightest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColourScale {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

/// The scale of one panel: the minimum and maximum of its [`HeatCell::Value`] cells (a
/// constant field gets a window around its value); None when no cell trained.
pub(crate) fn panel_scale(p: &HeatPanel) -> Option<ColourScale> {
    let (lo, hi) = trained_values(p).fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(l, h)| (l.min(v), h.max(v))))
    })?;
    let (lo, hi) = if hi > lo { (lo, hi) } else { pad(lo, hi) };
    Some(ColourScale { lo, hi })
}

/// The finite values of a panel's trained cells.
pub(super) fn trained_values(p: &HeatPanel) -> impl Iterator<Item = f64> + '_ {
    p.cells.iter().flatten().filter_map(|c| match *c {
        HeatCell::Value(v) if v.is_finite() => Some(v),
        _ => None,
    })
}

impl ColourScale {
    /// Position of `v` on the colour bar, 0 at `lo` and 1 at `hi` (clamped).
    pub(super) fn fraction(&self, v: f64) -> f64 {
        let u = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        let k = self.compress();
        (1.0 + k * u).ln() / (1.0 + k).ln()
    }

    /// The value at position `t` of the colour bar (the inverse of [`Self::fraction`]).
    #[cfg(test)]
    fn value_at(&self, t: f64) -> f64 {
        let k = self.compress();
        let u = ((1.0 + k).powf(t.clamp(0.0, 1.0)) - 1.0) / k;
        self.lo + u * (self.hi - self.lo)
    }

    fn compress(&self) -> f64 {
        ((self.hi - self.lo) / LINEAR_POINTS).clamp(1.0, MAX_COMPRESS)
    }

    pub(super) fn colour(&self, v: f64) -> RGBColor {
        viridis(self.fraction(v))
    }

    /// Labels of a colour bar `height` pixels tall: its two ends (the panel's minimum and
    /// maximum, exactly) and round values between them at least `gap` pixels from each other
    /// and from the ends, as `(position 0..1, text)`.
    pub(super) fn bar_labels(&self, height: f64, gap: f64) -> Vec<(f64, String)> {
        let mut out = vec![(0.0, fmt_value(self.lo))];
        let top = (1.0, fmt_value(self.hi));
        let fine = linear_ticks(&(self.lo..self.hi), 40);
        let mut last = 0.0;
        for &v in &fine.bold {
            let t = self.fraction(v);
            if (t - last) * height >= gap && (1.0 - t) * height >= gap {
                out.push((t, fine.format.format(v)));
                last = t;
            }
        }
        out.push(top);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_monotone_and_inverts() {
        let s = ColourScale { lo: 4.0, hi: 11.0 };
        assert_eq!(s.fraction(4.0), 0.0);
        assert!((s.fraction(11.0) - 1.0).abs() < 1e-12);
        assert!(
            s.fraction(4.7) > 0.25,
            "the lowest tenth gets a quarter of the colours"
        );
        for v in [4.0, 4.2, 5.0, 9.0] {
            assert!((s.value_at(s.fraction(v)) - v).abs() < 1e-9);
        }
    }

    #[test]
    fn bar_labels_name_both_ends_and_keep_apart() {
        let s = ColourScale {
            lo: 3.97,
            hi: 11.17,
        };
        let labels = s.bar_labels(300.0, 18.0);
        assert_eq!(labels.first().unwrap().1, "3.97");
        assert_eq!(labels.last().unwrap().1, "11.2");
        for w in labels.windows(2) {
            assert!((w[1].0 - w[0].0) * 300.0 >= 18.0, "{labels:?}");
        }
        assert!(labels.len() >= 4, "{labels:?}");
    }
}
