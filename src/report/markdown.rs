//! The sections of report.md, one function each in the order the report prints them (a section
//! with a figure draws it through [`super::figures`]).

use super::figures;
use super::format::{decay_cell, pm};
use super::verdicts::verdicts;
use crate::analysis::refine::{proposals, Why};
use crate::analysis::{Analysis, Bracket, MethodAnalysis};
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
         overfits and weight decay never helps by more than seed noise (section \"Noise\" \
         measures it for this folder). Few training images and many \
         epochs make it overfit, so regularisation can pay; the column \"gain of decay\" below \
         measures how much it pays here, per method. Change the regime with --train-size, \
         --epochs, --momentum and the grid flags (docs/reference.md, \"Choosing the regime\").\n"
    );
}

/// The verdicts, first, so a reader gets the answers before the evidence.
pub(super) fn verdicts_section(md: &mut String, a: &Analysis) {
    let _ = writeln!(md, "## Verdicts\n");
    for (claim, text) in verdicts(a) {
        let _ = writeln!(md, "**{claim}.** {text}\n");
    }
}

/// Each method's chosen cell, its test accuracy over seeds, what decay gains there, the cells
/// tied with it and where it sits on the α axis.
pub(super) fn chosen_settings(md: &mut String, a: &Analysis) {
    let _ = writeln!(
        md,
        "## Chosen settings (on validation) and their test accuracy\n"
    );
    let _ = writeln!(
        md,
        "| method | α | decay | validation acc. (selection seeds) | test acc. (mean ± sd) | gain of decay on validation | runner-up (behind by) | tied cells |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for m in &a.methods {
        if let Some(c) = &m.chosen {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} % ({} seed{}) | {} | {} | {} | {} |",
                m.method.label(),
                short(c.lr),
                decay_cell(m.method, c.lr, c.decay),
                percent(c.val),
                m.selection_seeds.len().max(1),
                if m.selection_seeds.len() > 1 { "s" } else { "" },
                pm(&c.tests),
                m.gain_over_no_decay()
                    .map_or("– (no decay 0 in grid)".into(), |g| format!(
                        "{g:+.2} points"
                    )),
                c.runner_up.map_or("–".into(), |(lr, d, gap)| format!(
                    "α {}, {} {} ({gap:.3})",
                    short(lr),
                    m.method.decay_symbol(),
                    short(d)
                )),
                c.tied.len(),
            );
        }
    }
    let _ = writeln!(
        md,
        "\n\"Gain of decay\": best cell minus best cell with decay 0, validation accuracy. \
         \"Tied cells\": other cells within the method's tie margin of the chosen one \
         (section \"Noise\"); the choice among them is the measured best, and where two means \
         agree to 1e-9 (float rounding) the smaller α, then the smaller decay, wins.\n"
    );
    for m in &a.methods {
        if let Some(line) = bracket_line(a, m) {
            let _ = writeln!(md, "- {line}");
        }
    }
    let _ = writeln!(md);
}

/// Where a method's chosen α sits on its grid, when not inside it.
fn bracket_line(a: &Analysis, m: &MethodAnalysis) -> Option<String> {
    let c = m.chosen.as_ref()?;
    let label = m.method.label();
    Some(match m.bracket? {
        Bracket::Interior { next_lr, next_best } if m.untrained_lrs.contains(&next_lr) => {
            format!(
                "{label}: the chosen α = {} is the largest that trains: at the next α, {}, the \
                 best cell reaches only {} % validation accuracy (it fails to train), so the \
                 best α may lie between the two.",
                short(c.lr),
                short(next_lr),
                percent(next_best),
            )
        }
        Bracket::Interior { next_lr, next_best } => format!(
            "{label}: the chosen α = {} is interior: at the next α, {}, the best cell reaches \
             {} % validation accuracy.",
            short(c.lr),
            short(next_lr),
            percent(next_best),
        ),
        Bracket::AtEdge { largest } => {
            let pending = proposals(m, &a.rows, &m.selection_seeds, &a.settings)
                .iter()
                .any(|p| p.why == Why::AlphaBeyond);
            format!(
                "{label}: the chosen α = {} is the {} tried: the grid does not bracket α{}.",
                short(c.lr),
                if largest { "largest" } else { "smallest" },
                if pending {
                    "; the refinement budget ran out before the α beyond it was tried"
                } else {
                    ""
                }
            )
        }
        Bracket::BelowDivergence => format!(
            "{label}: the chosen α = {} is the largest that trained: every cell at the next α \
             diverged.",
            short(c.lr)
        ),
    })
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
         Fig. 2), each on its own colour scale over the cells that trained (from the panel's \
         best to its worst cell, compressed towards the worst so the valley floor gets most \
         of the colours). Framed: the best decay at each α; thinly outlined: decays tied with \
         it (within the seed noise); ringed: the best cell on validation; grey: an α that \
         failed to train; dark with a cross: diverged; blank: not run. The bottom row, set \
         apart, is no decay. Per method: {}.\n",
        a.methods
            .iter()
            .map(|m| format!("[{}](heatmap-{}.svg)", m.method.label(), m.method))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if figures::pytorch_heat_maps(a)? {
        let _ = writeln!(
            md,
            "The decoupled methods again, with the decay axis in PyTorch's convention \
             (λ_pt = λ'/α: the same runs, sheared, so most cells were not run; marks as \
             above):\n\n\
             ![heat maps, PyTorch's convention](heatmaps-pytorch.svg)\n"
        );
    }
    Ok(())
}

/// The learning curves of the chosen settings (no section when no run left metrics).
pub(super) fn learning_curves(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    if figures::chosen_curves(a)? {
        let _ = writeln!(md, "## Learning curves of the chosen settings\n");
        let _ = writeln!(
            md,
            "![learning curves](curves.svg)\n\nTest accuracy at each evaluated epoch; the band is \
             ± one standard deviation over seeds (cut at 0 and 100 %). Below, the last third of \
             training on its own y range, where the final differences are; a curve that \
             coincides with another is drawn dashed over it.\n"
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
        .chain(
            eq.sgd_momentum
                .as_ref()
                .map(|p| (p, "equivalence-sgd-momentum")),
        )
        .chain(eq.adam.as_ref().map(|p| (p, "equivalence-adam")))
        .collect();
    for &(p, name) in &pairs {
        equivalence_row(md, p);
        figures::equivalence_pair(&a.dir, p, name)?;
    }
    let _ = writeln!(
        md,
        "\nWhere the two are the same algorithm the two curves coincide (the second is drawn \
         dashed over the first, and its legend says so).\n"
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
         per-epoch metrics; `runs/<cell>/test_predictions`: the class the run predicts for \
         each test image, one byte each, and `test_labels` the true ones (claim 2's paired \
         test); `study.json`: the shared settings; `equivalence.json`: the check above.\n\n\
         Written by wdlab {}.",
        env!("CARGO_PKG_VERSION")
    );
}
