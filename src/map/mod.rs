//! Regime maps: where Loshchilov & Hutter's coupling of the best decay to α appears. A map
//! runs one compact study per value of an axis — training length, label noise, number of
//! training images — holding the rest at a preset's values, reads each point's slope of the
//! best decay against α with the study report's robust interval, and places it against two
//! limits: the explicit regulariser (slope 0 in λ) and the timescale of the decay (slope −1 in
//! λ, a constant total decay F = Σ_t η_t·α·λ).
//!
//! - [`axis`]: the axis, its values, what each changes in the settings.
//! - [`plan`]: the map presets, each point's grid, `map.json`.
//! - [`point`]: one point read against the limits; [`verdict`]: the axis read as a whole;
//!   [`across`]: one point's best decay reused at the next, holding λ or F.
//! - `write`: map.md; `figure`: map.svg.

pub(crate) mod across;
pub(crate) mod axis;
mod figure;
pub(crate) mod plan;
pub(crate) mod point;
pub(crate) mod verdict;
mod write;

pub(crate) use axis::AxisValues;
pub use plan::MapPreset;
pub(crate) use plan::{claim_map_dir, MapSpec};
pub(crate) use point::Point;
pub(crate) use verdict::axis_verdict;
pub(crate) use write::write_map;

use crate::analysis::Analysis;
use crate::error::usage;
use crate::study::{read_results, read_study};
use std::path::Path;

/// The points of `spec` that the map folder `dir` holds rows for, in axis order; a point
/// folder whose settings are not the map's is refused by name.
pub(crate) fn read_points(dir: &Path, spec: &MapSpec) -> anyhow::Result<Vec<Point>> {
    let mut out = Vec::new();
    for &v in &spec.axis.values {
        let pdir = dir.join(spec.axis.point_dir(v));
        if !pdir.join("study.json").is_file() || read_results(&pdir)?.is_empty() {
            continue;
        }
        let there = read_study(&pdir)?.with_data(None);
        if there != spec.settings_at(v)? {
            return Err(usage(format!(
                "{} holds a study with other settings than this map's point at {}: move it \
                 away, or give the map preset it was made with",
                pdir.display(),
                spec.axis.axis.describe(v)
            )));
        }
        let a = Analysis::load(&pdir)?;
        out.push(point::read_point(v, &a, &spec.methods));
    }
    Ok(out)
}
