//! Numeric axes: ranges padded around the data, and ticks placed and labelled here rather
//! than by plotters.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::util::fmt::short;

/// Data range padded by 5 % on each side (in log space on a log axis), with
/// a window around a lone value so that a single point still gets an axis.
pub(super) fn axis_range(lo: f64, hi: f64, log: bool) -> Range<f64> {
    if log {
        let (l, h) = pad(lo.log10(), hi.log10());
        10f64.powf(l)..10f64.powf(h)
    } else {
        let (l, h) = pad(lo, hi);
        l..h
    }
}

/// `lo..hi` widened by 5 % of its span on each side; an empty span is widened by 10 % of
/// its value (by 1 around zero).
pub(super) fn pad(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        let d = 0.05 * (hi - lo);
        (lo - d, hi + d)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - d, hi + d)
    }
}

/// A linear plotters axis over `r`.
pub(super) fn linear(r: Range<f64>) -> RangedCoordf64 {
    r.into()
}

/// A logarithmic plotters axis over `r` (which must be positive).
pub(super) fn log(r: Range<f64>) -> LogCoord<f64> {
    r.log_scale().into()
}

/// Tick positions of one axis and how to print them. Computed here rather
/// than by plotters so that labels share one number format ("0.950",
/// "0.955", not "0.95", "0.955") and a log axis narrower than a decade still
/// gets labels (plotters' own log ticks leave it bare).
pub(super) struct Ticks {
    /// Labelled ticks.
    pub(super) bold: Vec<f64>,
    /// Light grid lines: the minor ticks of a log axis, otherwise the labelled ticks again.
    light: Vec<f64>,
    pub(super) format: TickFormat,
}

pub(super) enum TickFormat {
    /// Fixed number of decimals, for evenly spaced ticks.
    Fixed(usize),
    /// The report's form of a learning rate or decay ("1e-5", "2e-3"), for log axes.
    Short,
}

impl TickFormat {
    pub(super) fn format(&self, v: f64) -> String {
        match self {
            TickFormat::Fixed(decimals) => format!("{v:.decimals$}"),
            TickFormat::Short => short(v),
        }
    }
}

pub(super) fn linear_ticks(r: &Range<f64>, target: usize) -> Ticks {
    let bold = nice_ticks(r.start, r.end, target);
    Ticks {
        format: TickFormat::Fixed(tick_decimals(&bold)),
        light: bold.clone(),
        bold,
    }
}

/// Log-axis ticks at 1, 2, 5 × 10^k (only 10^k beyond three decades) with
/// minor lines at every integer multiple; evenly spaced ticks when the range
/// holds fewer than two of those.
pub(super) fn log_ticks(r: &Range<f64>) -> Ticks {
    let (lo, hi) = (r.start, r.end);
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades > 3.0 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let bold = decade_ticks(lo, hi, mantissas);
    if bold.len() < 2 {
        // Evenly spaced, but still in the form of every other log axis ("7e-3", "8e-3").
        let even = linear_ticks(r, 5);
        return Ticks {
            format: TickFormat::Short,
            ..even
        };
    }
    let light = if decades <= 6.0 {
        decade_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        bold.clone()
    };
    // Every log axis in the report's own form (`short`: "5e-2", "1e-4"), as its tables and
    // the heat maps' labels name learning rates and decays.
    Ticks {
        bold,
        light,
        format: TickFormat::Short,
    }
}

/// The most ticks an axis computes: a range no data of wdlab's spans (f64 itself spans 632
/// decades) is cut there instead of looping for ever or filling memory.
const MAX_TICKS: i64 = 1000;

/// Values `m × 10^k` inside `[lo, hi]` for each mantissa `m`, ascending (none when the range is
/// not a positive finite one).
fn decade_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let (l, h) = (lo.log10().floor(), hi.log10().ceil());
    if !(l.is_finite() && h.is_finite() && l <= h) {
        return Vec::new();
    }
    // f64 holds 10^k for k in −324..=308; beyond, every tick would be 0 or infinite.
    let first = l.max(-324.0) as i32;
    let last = h.min(308.0) as i32;
    (first..=last)
        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// Round tick values inside `[lo, hi]`, 1, 2 or 5 × 10^k apart, about
/// `target` of them.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let raw = (hi - lo) / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let (first, last) = ((lo / step).ceil(), (hi / step).floor());
    if !(first.is_finite() && last.is_finite()) || last - first > MAX_TICKS as f64 {
        return vec![lo];
    }
    (first as i64..=last as i64)
        .map(|k| k as f64 * step)
        .collect()
}

/// Decimals needed to tell evenly spaced ticks apart.
fn tick_decimals(ticks: &[f64]) -> usize {
    match ticks {
        [a, b, ..] => (-(b - a).abs().log10().floor()).max(0.0) as usize,
        _ => 2,
    }
}

/// An axis with its ticks where [`Ticks`] puts them. Plotters' `WithKeyPoints`
/// would do, but its linear flavour cannot take a label formatter.
pub(super) struct TickedAxis<R> {
    inner: R,
    bold: Vec<f64>,
    light: Vec<f64>,
}

pub(super) fn with_ticks<R: Ranged<ValueType = f64>>(inner: R, ticks: &Ticks) -> TickedAxis<R> {
    TickedAxis {
        inner,
        bold: ticks.bold.clone(),
        light: ticks.light.clone(),
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for TickedAxis<R> {
    /// Only there to satisfy the mesh: labels always come from [`TickFormat`].
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        self.inner.axis_pixel_range(limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_share_one_format() {
        assert_eq!(nice_ticks(1.6, 4.0, 5), vec![2.0, 2.5, 3.0, 3.5, 4.0]);
        let ticks = linear_ticks(&(0.945..0.99), 8);
        assert_eq!(ticks.format.format(ticks.bold[0]), "0.950");
        let ticks = log_ticks(&(1e-6..0.2));
        assert_eq!(ticks.format.format(1e-5), "1e-5");
        assert!(log_ticks(&(0.95..0.99)).bold.len() >= 2);
    }

    /// Ranges from values far outside any run's (a hand-edited results file) give a few ticks
    /// at once instead of looping for ever.
    #[test]
    fn extreme_ranges_end_at_once_with_few_ticks() {
        for r in [
            5e-324..1e300,
            0.0..1e300,
            f64::MIN_POSITIVE..f64::MAX,
            -1e300..1e300,
            1e-300..1e-299,
        ] {
            let ticks = log_ticks(&r);
            assert!(ticks.bold.len() <= 700, "{r:?}: {}", ticks.bold.len());
            let ticks = linear_ticks(&r, 5);
            assert!(ticks.bold.len() <= 1001, "{r:?}: {}", ticks.bold.len());
        }
        let r = axis_range(5e-324, 1e300, true);
        assert!(log_ticks(&r).bold.len() <= 700);
    }
}
