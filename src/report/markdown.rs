//! The sections of report.md, one function each in the order the report prints them (a section
//! with a figure draws it through [`super::figures`]).

use super::figures;
use super::format::{pm, r2};
use super::verdicts::verdicts;
use crate::analysis::{Analysis, NOISE_POINTS};
use crate::study::{EquivalencePair, ResultRow, Status};
use crate::util::fmt::{percent, short};
use std::fmt::Write as _;

/// The rows of the cells that diverged.
fn diverged_rows(a: &Analysis) -> impl Iterator<Item = &ResultRow> {
    a.rows.iter().filter(|r| r.status == Status::Diverged)
}

/// The title, the study's settings and notation, and why the regime was chosen.
pub(super) fn title_and_settings(md: &mut String, a: &Analysis) {
    let secs: f64 = a.rows.iter().map(|r| r.seconds).sum();
    let _ = writeln!(md, "# Weight decay on MNIST: the study\n");
    let _ = writeln!(
        md,
        "Setting: {}. {} cells finished ({} diverged), {:.1} minutes of training (wall clock, summed over cells) in the \
         sweep. Hyper-parameters are chosen on the validation split (mean over the seeds every \
         cell has); test accuracy is reported for the chosen cells only, as mean ± sd over every \
         seed run there. Notation: α learning rate, λ L2 coefficient (sgd, adam: g ← ∇R + λθ), \
         λ' decoupled decay (sgdw, adamw: θ ← θ − η_t·λ'·θ per step).\n",
        a.settings.describe(),
        a.rows.len(),
        diverged_rows(a).count(),
        secs / 60.0
    );
    let _ = writeln!(
        md,
        "Why this regime: with all 50,000 training images and a few epochs the MLP barely \
         overfits and weight decay never helps by more than seed noise (about 0.1 points; \
         rounding alone moves single-seed accuracy by about 0.03). Few training images and many \
         epochs make it overfit, so regularisation can pay; the column \"gain of decay\" below \
         measures how much it pays here, per method. Change the regime with --train-size, \
         --epochs, --momentum and the grid flags (README, \"Choosing the regime\").\n"
    );
}

/// The verdicts, first, so a reader gets the answers before the evidence.
pub(super) fn verdicts_section(md: &mut String, a: &Analysis) {
    let _ = writeln!(md, "## Verdicts\n");
    for (claim, text) in verdicts(a) {
        let _ = writeln!(md, "**{claim}.** {text}\n");
    }
}

/// Each method's chosen cell, its test accuracy over seeds and what decay gains there.
pub(super) fn chosen_settings(md: &mut String, a: &Analysis) {
    let _ = writeln!(
        md,
        "## Chosen settings (on validation) and their test accuracy\n"
    );
    let _ = writeln!(
        md,
        "| method | α | decay | validation acc. (selection seeds) | test acc. (mean ± sd) | gain of decay on validation |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for m in &a.methods {
        if let Some(c) = &m.chosen {
            let _ = writeln!(
                md,
                "| {} | {} | {} = {} | {} % ({} seed{}) | {} | {} |",
                m.method.label(),
                short(c.lr),
                m.method.decay_symbol(),
                short(c.decay),
                percent(c.val),
                m.selection_seeds.len().max(1),
                if m.selection_seeds.len() > 1 { "s" } else { "" },
                pm(&c.tests),
                m.gain_over_no_decay()
                    .map_or("– (no decay 0 in grid)".into(), |g| format!(
                        "{g:+.2} points"
                    )),
            );
        }
    }
    let _ = writeln!(
        md,
        "\n\"Gain of decay\": best cell minus best cell with decay 0, validation accuracy; \
         differences below {NOISE_POINTS} points are noise.\n"
    );
}

/// The heat maps of validation error over each method's grid (no section without a method).
pub(super) fn heat_maps(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    if !figures::heat_maps(a)? {
        return Ok(());
    }
    let _ = writeln!(md, "## Validation error over the grid\n");
    let _ = writeln!(
        md,
        "![heat maps](heatmaps.svg)\n\nOne panel per method (like Loshchilov & Hutter 2019, \
         Fig. 2); the ringed cell is the best on validation; hatched cells are missing or \
         diverged. Per method: {}.\n",
        a.methods
            .iter()
            .map(|m| format!("[{}](heatmap-{}.svg)", m.method.label(), m.method))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The best decay at each learning rate, the fit of its coupling to the learning rate, and
/// the figure of both.
pub(super) fn coupling(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    let _ = writeln!(md, "## Coupling of the best decay to the learning rate\n");
    let _ = writeln!(
        md,
        "For each learning rate, the decay with the best validation accuracy; the slope is a \
         least-squares fit of log10(best decay) on log10(α) over the learning rates whose best \
         decay is not 0. Expect about −1 for the L2 methods (the best λ is λ'/α for a fixed \
         best λ') and about 0 for the decoupled ones.\n"
    );
    best_decay_table(md, a);
    coupling_fit_table(md, a);
    if figures::coupling(a)? {
        let _ = writeln!(md, "\n![coupling](coupling.svg)\n");
    }
    Ok(())
}

/// One row per method and learning rate: the best decay there and what it gains over none.
fn best_decay_table(md: &mut String, a: &Analysis) {
    let _ = writeln!(
        md,
        "| method | α | best decay | validation acc. | same α, decay 0 | gain |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for m in &a.methods {
        for b in &m.per_lr {
            let _ = writeln!(
                md,
                "| {} | {} | {} = {} | {} % | {} | {} |",
                m.method.label(),
                short(b.lr),
                m.method.decay_symbol(),
                short(b.decay),
                percent(b.val),
                b.val_no_decay
                    .map_or("–".into(), |v| format!("{} %", percent(v))),
                b.val_no_decay.map_or("–".into(), |v| format!(
                    "{:+.2} points",
                    100.0 * (b.val - v)
                ))
            );
        }
    }
}

/// One row per method: the least-squares line of log10(best decay) on log10(α).
fn coupling_fit_table(md: &mut String, a: &Analysis) {
    let _ = writeln!(md, "\n| method | slope | intercept | R² | points |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for m in &a.methods {
        match m.coupling {
            Some(f) => {
                let _ = writeln!(
                    md,
                    "| {} | {:+.2} | {:+.2} | {} | {} |",
                    m.method.label(),
                    f.slope,
                    f.intercept,
                    r2(f.r2),
                    f.points
                );
            }
            None => {
                let _ = writeln!(
                    md,
                    "| {} | – (fewer than two learning rates with a non-zero best decay) | | | |",
                    m.method.label()
                );
            }
        }
    }
}

/// The learning curves of the chosen settings (no section when no run left metrics).
pub(super) fn learning_curves(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    if figures::chosen_curves(a)? {
        let _ = writeln!(md, "## Learning curves of the chosen settings\n");
        let _ = writeln!(
            md,
            "![learning curves](curves.svg)\n\nTest accuracy at each evaluated epoch; the band is \
             ± one standard deviation over seeds.\n"
        );
    }
    Ok(())
}

/// The equivalence pairs side by side, parameter by parameter and curve by curve, or how to
/// run the check.
pub(super) fn equivalence(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    let _ = writeln!(md, "## Equivalence check\n");
    let Some(eq) = &a.equivalence else {
        let _ = writeln!(
            md,
            "Not run for this folder: `wdlab report {} --equivalence` trains the pairs.\n",
            a.dir.display()
        );
        return Ok(());
    };
    let _ = writeln!(
        md,
        "Two runs from the same seed (same initial weights, same batches), compared \
         parameter by parameter after one epoch (the schedule spanning that epoch), then \
         trained for the study's length to compare their test accuracy.\n"
    );
    let _ = writeln!(
        md,
        "| pair | steps | max abs(θ₁ − θ₂) after one epoch | max abs(θ) | largest test-accuracy gap | final test acc. |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let pairs: Vec<(&EquivalencePair, &str)> = std::iter::once((&eq.sgd, "equivalence-sgd"))
        .chain(eq.adam.as_ref().map(|p| (p, "equivalence-adam")))
        .collect();
    for &(p, name) in &pairs {
        equivalence_row(md, p);
        figures::equivalence_pair(&a.dir, p, name)?;
    }
    let _ = writeln!(
        md,
        "\nWhere the two are the same algorithm the two curves coincide (one hides the \
         other).\n"
    );
    for (_, name) in pairs {
        let _ = writeln!(md, "![{name}]({name}.svg)\n");
    }
    Ok(())
}

fn equivalence_row(md: &mut String, p: &EquivalencePair) {
    let _ = writeln!(
        md,
        "| {} | {} | {:.2e} | {:.3} | {:.2} points | {} % vs {} % |",
        p.title,
        p.steps,
        p.max_param_diff,
        p.max_param,
        p.max_curve_gap(),
        p.test_a.last().map_or("–".into(), |&v| percent(v)),
        p.test_b.last().map_or("–".into(), |&v| percent(v)),
    );
}

/// The cells that diverged, when any did.
pub(super) fn diverged_cells(md: &mut String, a: &Analysis) {
    if diverged_rows(a).next().is_none() {
        return;
    }
    let _ = writeln!(md, "## Diverged cells\n");
    for r in diverged_rows(a) {
        let _ = writeln!(md, "- {}", r.cell.label());
    }
    let _ = writeln!(md);
}

/// What the study folder holds, and the version that wrote the report.
pub(super) fn files(md: &mut String) {
    let _ = writeln!(
        md,
        "## Files\n\n`results.csv` (and `results.shard-*.csv`): one row per cell; `runs/<cell>/metrics.csv`: \
         per-epoch metrics; `study.json`: the shared settings; `equivalence.json`: the check above.\n\n\
         Written by wdlab {}.",
        env!("CARGO_PKG_VERSION")
    );
}
