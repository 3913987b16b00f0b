//! The report of an analysed study folder, and `wdlab compare`'s table.
//!
//! - [`write_report`]: `report.md` in the study folder, one section after another
//!   (`markdown`, and `noise`, `coupling`, `basins`, `generalisation` for the sections that
//!   read the measured noise), with its SVG figures (`figures`): heat maps in both decay
//!   conventions, coupling, test error at equal training loss, learning curves, the
//!   equivalence check.
//! - [`verdicts()`]: the plain-language verdict on each claim (`verdicts`, claim 1 in
//!   `claim1`, claim 3 in `claim3`, the pair comparisons they quote in `pair_tests`); the
//!   report opens with them and `wdlab report` prints them.
//! - [`write_curves`]: learning curves of groups of cells, mean ± sd over seeds.
//! - [`compare`]: `compare.md` and the curves of `wdlab compare`.

mod basins;
mod claim1;
mod claim3;
pub(crate) mod compare;
mod coupling;
mod coupling_figure;
mod figures;
mod format;
mod generalisation;
mod heat_panels;
mod markdown;
mod noise;
mod pair_tests;
mod summary;
mod verdicts;

pub(crate) use figures::write_curves;
pub(crate) use format::{est, signed};
pub(crate) use summary::summary;
pub(crate) use verdicts::verdicts;

use crate::analysis::Analysis;
use crate::util::fs::write_atomic;
use std::path::PathBuf;

/// Writes report.md and the figures into the study folder; returns the report's path.
pub(crate) fn write_report(a: &Analysis) -> anyhow::Result<PathBuf> {
    let mut md = String::new();
    markdown::title_and_settings(&mut md, a);
    markdown::verdicts_section(&mut md, a);
    noise::noise(&mut md, a);
    markdown::chosen_settings(&mut md, a);
    markdown::heat_maps(&mut md, a)?;
    coupling::coupling(&mut md, a)?;
    basins::basins(&mut md, a);
    generalisation::equal_loss(&mut md, a)?;
    markdown::learning_curves(&mut md, a)?;
    markdown::equivalence(&mut md, a)?;
    markdown::diverged_cells(&mut md, a);
    markdown::files(&mut md);
    let path = a.dir.join("report.md");
    write_atomic(&path, md.as_bytes())?;
    Ok(path)
}
