//! `wdlab compare`: the four variants (or a subset) at one setting each, over the same seeds —
//! so the same initial weights and the same batch order — with a table of final test accuracy
//! (mean ± sd) and learning curves. Runs through the sweep machinery, so its folder resumes too.

use crate::optim::Method;
use crate::report::{mean_sd, short, write_curves};
use crate::sweep::{self, Cell, Grid, MethodGrid, Runtime, Status, Study};
use std::fmt::Write as _;
use std::path::Path;

/// One line of the comparison table.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareLine {
    pub method: Method,
    pub lr: f64,
    pub decay: f64,
    /// Test accuracies (fractions) of the finished seeds.
    pub tests: Vec<f64>,
    pub diverged: usize,
    pub weight_norm: f64,
    pub seconds: f64,
}

/// Trains every (method, lr, decay) of `settings` over seeds `0..seeds` into `dir` and returns
/// the table (also written as `compare.md`, with `curves.svg`).
pub fn compare(
    dir: &Path,
    study: &Study,
    how: &Runtime,
    settings: &[(Method, f64, f64)],
    seeds: usize,
) -> anyhow::Result<Vec<CompareLine>> {
    let grid = Grid {
        methods: settings
            .iter()
            .map(|&(method, lr, decay)| MethodGrid {
                method,
                lrs: vec![lr],
                decays: vec![decay],
            })
            .collect(),
        seeds: (0..seeds as u64).collect(),
    };
    sweep::sweep(dir, study, &grid, None, how)?;
    let rows = sweep::read_results(dir)?;
    let mut lines = Vec::new();
    let mut groups = Vec::new();
    for &(method, lr, decay) in settings {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.cell.method == method
                    && r.cell.lr == lr
                    && r.cell.decay == decay
                    && r.cell.seed < seeds as u64
            })
            .collect();
        let ok: Vec<_> = mine.iter().filter(|r| r.status == Status::Ok).collect();
        lines.push(CompareLine {
            method,
            lr,
            decay,
            tests: ok.iter().filter_map(|r| r.test_accuracy).collect(),
            diverged: mine.len() - ok.len(),
            weight_norm: mean_sd(&ok.iter().filter_map(|r| r.weight_norm).collect::<Vec<_>>()).0,
            seconds: mean_sd(&mine.iter().map(|r| r.seconds).collect::<Vec<_>>()).0,
        });
        groups.push((
            format!(
                "{} α={} {}={}",
                method.label(),
                short(lr),
                if method.is_decoupled() { "λ'" } else { "λ" },
                short(decay)
            ),
            ok.iter()
                .map(|r| Cell {
                    seed: r.cell.seed,
                    ..r.cell
                })
                .collect::<Vec<_>>(),
        ));
    }
    let title = format!(
        "Test accuracy over epochs, mean ± sd over {seeds} seed{} ({} training images)",
        if seeds == 1 { "" } else { "s" },
        study
            .train_size
            .map_or("all".to_string(), |n| n.to_string())
    );
    write_curves(dir, &dir.join("curves.svg"), &title, &groups)?;
    let table = table(&lines);
    crate::metrics::write_atomic(
        &dir.join("compare.md"),
        format!(
            "# wdlab compare\n\n{}\n\n{table}\n![learning curves](curves.svg)\n",
            study.describe()
        )
        .as_bytes(),
    )?;
    Ok(lines)
}

/// The comparison as a Markdown table.
pub fn table(lines: &[CompareLine]) -> String {
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
                Some(sd) => format!("{:.2} ± {:.2} %", 100.0 * m, 100.0 * sd),
                None => format!("{:.2} %", 100.0 * m),
            }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} = {} | {} | {}{} | {:.1} | {:.1} |",
            l.method.label(),
            short(l.lr),
            if l.method.is_decoupled() { "λ'" } else { "λ" },
            short(l.decay),
            acc,
            l.tests.len(),
            if l.diverged > 0 {
                format!(" ({} diverged)", l.diverged)
            } else {
                String::new()
            },
            l.weight_norm,
            l.seconds
        );
    }
    s
}
