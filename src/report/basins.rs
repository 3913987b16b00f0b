//! The report's basin section: how many doublings of the decay stay within δ of each learning
//! rate's best, and how much of the grid stays within δ of the global best.

use super::format::size;
use crate::analysis::{Analysis, REPLICATES};
use std::fmt::Write as _;

/// The basin table, one row per method and δ.
pub(super) fn basins(md: &mut String, a: &Analysis) {
    if a.methods.iter().all(|m| m.basins.is_empty()) {
        return;
    }
    let _ = writeln!(md, "## Basin width\n");
    let _ = writeln!(
        md,
        "Loshchilov & Hutter (2019) read AdamW's heat maps as a wider basin of good decays. \
         **Width**: at each α, the doublings of the decay (positive decays only) whose \
         validation accuracy is within δ of that α's best, edges interpolated between the last \
         cell inside and the first outside; mean over α. Where the basin reaches the end of \
         the decay axis the width is a lower bound (\"open rows\"). **Area**: doublings of α × \
         doublings of decay within δ of the method's best cell. Intervals: 95 %, {REPLICATES} \
         bootstrap redraws of the seeds. Redrawing adds noise, and noise narrows a basin (a \
         lucky cell raises the best), so the measured width tends to sit near the top of its \
         interval: compare methods by their intervals, not by the points alone.\n"
    );
    let _ = writeln!(
        md,
        "| method | δ (points) | width, doublings of decay [95 %] | open rows | area, doublings² [95 %] |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for m in &a.methods {
        for b in &m.basins {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} of {} | {} |",
                m.method.label(),
                b.delta_points,
                size(&b.width),
                b.basin.open_rows,
                b.basin.rows,
                size(&b.area),
            );
        }
    }
    let _ = writeln!(md);
}
