//! The report's noise section: the seed noise measured per method and the tie margin every
//! choice in the report is read against.

use crate::analysis::{Analysis, FAILED_POINTS, FALLBACK_TIE_POINTS};
use std::fmt::Write as _;

/// σ per method, the standard error of a difference between two selection means, and the
/// tie margin.
pub(super) fn noise(md: &mut String, a: &Analysis) {
    let _ = writeln!(md, "## Noise\n");
    let _ = writeln!(
        md,
        "σ: the sample standard deviation of one seed's validation accuracy, pooled over every \
         cell of the method that ran two or more seeds, none more than {FAILED_POINTS} points below the \
         method's best cell, at a learning rate that trained (degrees of freedom: Σ (seeds − 1)). Two \
         cells' selection means (k seeds each) differ by noise alone with standard error \
         σ·√(2/k); the **tie margin** is twice that (a two-sided test at about 5 %): cells \
         closer than it to a choice are reported as tied with it. Without repeated seeds the \
         margin falls back to {FALLBACK_TIE_POINTS} points, the seed noise usually seen on \
         this MNIST setup.\n"
    );
    let _ = writeln!(
        md,
        "| method | σ, one seed (points) | degrees of freedom | selection seeds k | se of a difference | tie margin |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for m in &a.methods {
        let n = &m.noise;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.3} |",
            m.method.label(),
            n.sd_points
                .map_or("– (no repeated seeds)".into(), |s| format!("{s:.3}")),
            n.dof,
            n.selection_seeds,
            n.diff_se_points().map_or("–".into(), |s| format!("{s:.3}")),
            n.tie_points()
        );
    }
    let _ = writeln!(md);
}
