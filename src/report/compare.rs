//! `compare.md` and `curves.svg` of `wdlab compare`: the final test accuracy of each setting
//! (mean ± sd over seeds) and the learning curves.

use super::write_curves;
use crate::study::{CompareLine, Settings};
use crate::util::fmt::{percent, short};
use crate::util::fs::write_atomic;
use crate::util::stats::mean_sd;
use std::fmt::Write as _;
use std::path::Path;

/// Writes `DIR/curves.svg` and `DIR/compare.md` for the `lines` of a comparison over `seeds`
/// seeds; false when no run left a curve to draw (every one diverged), and no curves.svg.
pub(crate) fn write_compare(
    dir: &Path,
    settings: &Settings,
    lines: &[CompareLine],
    seeds: usize,
) -> anyhow::Result<bool> {
    let groups: Vec<(String, Vec<crate::study::Cell>)> = lines
        .iter()
        .map(|l| (l.method.setting_label(l.lr, l.decay), l.cells.clone()))
        .collect();
    let title = format!(
        "Test accuracy over epochs, mean ± sd over {seeds} seed{} ({} training images)",
        if seeds == 1 { "" } else { "s" },
        settings
            .train_size()
            .map_or("all".to_string(), |n| n.to_string())
    );
    let curves = write_curves(dir, &dir.join("curves.svg"), &title, &groups)?;
    write_atomic(
        &dir.join("compare.md"),
        format!(
            "# wdlab compare\n\n{}\n\n{}\n{}",
            settings.describe(),
            table(lines),
            if curves {
                "![learning curves](curves.svg)\n"
            } else {
                "No learning curves: no run finished an evaluated epoch.\n"
            }
        )
        .as_bytes(),
    )?;
    Ok(curves)
}

/// The comparison as a Markdown table.
pub(crate) fn table(lines: &[CompareLine]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| method | α | decay | final test accuracy (mean ± sd) | seeds | ‖θ‖ | s/run |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for l in lines {
        let (m, sd) = mean_sd(&l.tests);
        let acc = if l.tests.is_empty() {
            "diverged".to_string()
        } else {
            match sd {
                Some(sd) => format!("{} ± {} %", percent(m), percent(sd)),
                None => format!("{} %", percent(m)),
            }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} = {} | {} | {}{} | {} | {:.1} |",
            l.method.label(),
            short(l.lr),
            l.method.decay_symbol(),
            short(l.decay),
            acc,
            l.tests.len(),
            if l.diverged > 0 {
                format!(" ({} diverged)", l.diverged)
            } else {
                String::new()
            },
            // No finished run, no norm (not NaN).
            if l.weight_norm.is_finite() {
                format!("{:.1}", l.weight_norm)
            } else {
                "–".into()
            },
            l.seconds
        );
    }
    s
}
