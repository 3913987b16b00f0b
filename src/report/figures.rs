//! Every SVG figure the report draws, one function each, written into the study folder: the
//! heat maps of validation error, the best decay at each learning rate, the learning curves
//! of the chosen settings (and of `wdlab compare`), and the equivalence pairs.

use super::heat_panels::heat_panel;
use crate::analysis::{fitted_curve, Analysis, MethodAnalysis};
use crate::optim::DecayKind;
use crate::plot::{self as plots, Axes, HeatPanel, Overlay, Series};
use crate::study::{Cell, EquivalencePair};
use crate::util::fmt::count;
use crate::util::stats::mean_sd;
use std::path::Path;

/// `heatmaps.svg` (one panel per method) and `heatmap-<method>.svg` (each panel alone);
/// false, with nothing drawn, when the folder has no method.
pub(super) fn heat_maps(a: &Analysis) -> anyhow::Result<bool> {
    let panels: Vec<HeatPanel> = a
        .methods
        .iter()
        .map(|m| heat_panel(m, &a.rows, false))
        .collect();
    if panels.is_empty() {
        return Ok(false);
    }
    let title = format!(
        "Validation error (%) over learning rate × decay ({} training images, {})",
        a.settings
            .train_size()
            .map_or("all".to_string(), |n| n.to_string()),
        count(a.settings.epochs(), "epoch")
    );
    plots::heatmaps(
        &a.dir.join("heatmaps.svg"),
        &title,
        LR_AXIS_ROWS,
        DECAY_AXIS,
        "validation error (%)",
        &panels,
    )?;
    for (m, p) in a.methods.iter().zip(&panels) {
        method_heat_map(&a.dir, m, p)?;
    }
    Ok(true)
}

const LR_AXIS_ROWS: &str = "learning rate α";
const DECAY_AXIS: &str = "decay λ (L2) or λ' (decoupled), ascending";

/// One method's panel alone, with its own decay symbol on the y axis.
fn method_heat_map(dir: &Path, m: &MethodAnalysis, panel: &HeatPanel) -> anyhow::Result<()> {
    plots::heatmaps(
        &dir.join(format!("heatmap-{}.svg", m.method)),
        &format!("{}: validation error (%)", m.method.label()),
        LR_AXIS_ROWS,
        &format!("{}, ascending", m.method.decay_symbol()),
        "validation error (%)",
        std::slice::from_ref(panel),
    )
}

/// `heatmaps-pytorch.svg`: the decoupled methods with the decay axis in PyTorch's convention
/// (λ_pt = λ'/α, the same runs sheared, so most cells were never run); false when the folder
/// has no decoupled method.
pub(super) fn pytorch_heat_maps(a: &Analysis) -> anyhow::Result<bool> {
    let panels: Vec<HeatPanel> = a
        .methods
        .iter()
        .filter(|m| m.method.decay_kind() == DecayKind::Decoupled)
        .map(|m| heat_panel(m, &a.rows, true))
        .collect();
    if panels.is_empty() {
        return Ok(false);
    }
    plots::heatmaps(
        &a.dir.join("heatmaps-pytorch.svg"),
        "Validation error (%) of the decoupled methods, decay in PyTorch's convention",
        LR_AXIS_ROWS,
        "λ_pt = λ'/α, ascending",
        "validation error (%)",
        &panels,
    )?;
    Ok(true)
}

/// `equal-loss.svg`: test error against final training loss for every finished run with a
/// positive decay of each method, at the learning rates that trained (Loshchilov & Hutter
/// 2019, Fig. 3), with each method's fitted curve and, shaded, the loss range where each pair's
/// curves are compared; false without such runs.
pub(super) fn equal_loss(a: &Analysis) -> anyhow::Result<bool> {
    let mut series: Vec<Series> = Vec::new();
    let mut overlay = Overlay::default();
    for m in &a.methods {
        let pts = crate::analysis::loss_points(&a.rows, m.method, &m.untrained_lrs);
        if pts.is_empty() {
            continue;
        }
        let window = a
            .pairs
            .iter()
            .filter(|p| p.decoupled == m.method)
            .find_map(|p| Some((p.l2, p.equal_loss?.overlap)));
        if let Some((_, (lo, hi))) = window {
            overlay.windows.push((series.len(), lo, hi));
        }
        overlay.fits.push(fitted_curve(&pts, 60));
        series.push(Series {
            label: match window {
                Some((l2, _)) => format!(
                    "{} (shaded: the loss range shared with {})",
                    m.method.label(),
                    l2.label()
                ),
                None => m.method.label().to_string(),
            },
            x: pts.iter().map(|p| 10f64.powf(p.0)).collect(),
            y: pts.iter().map(|p| p.1).collect(),
            band: None,
        });
    }
    if series.is_empty() {
        return Ok(false);
    }
    plots::scatter_chart(
        &a.dir.join("equal-loss.svg"),
        &Axes {
            title: "Test error against final training loss (every run with decay > 0), fitted"
                .into(),
            x_label: "final training loss (log scale)".into(),
            y_label: "test error (%)".into(),
            log_x: true,
            log_y: false,
            zoom_tail: false,
        },
        &series,
        &overlay,
    )?;
    Ok(true)
}

/// `curves.svg`: the learning curves of each method's chosen cell over its seeds; false when
/// no chosen cell has a metrics file.
pub(super) fn chosen_curves(a: &Analysis) -> anyhow::Result<bool> {
    let groups: Vec<(String, Vec<Cell>)> = a
        .methods
        .iter()
        .filter_map(|m| {
            let c = m.chosen.as_ref()?;
            Some((
                m.method.setting_label(c.lr, c.decay),
                c.seeds
                    .iter()
                    .map(|&seed| Cell::new(m.method, c.lr, c.decay, seed))
                    .collect(),
            ))
        })
        .collect();
    write_curves(
        &a.dir,
        &a.dir.join("curves.svg"),
        "Test accuracy of the chosen settings (mean ± sd over seeds)",
        &groups,
    )
}

/// `<name>.svg`: the test accuracy of the two runs of an equivalence pair over epochs.
pub(super) fn equivalence_pair(dir: &Path, p: &EquivalencePair, name: &str) -> anyhow::Result<()> {
    let series: Vec<Series> = [(&p.a_label, &p.test_a), (&p.b_label, &p.test_b)]
        .into_iter()
        .map(|(label, ys)| Series {
            label: label.clone(),
            x: p.epochs.iter().map(|&e| e as f64).collect(),
            y: ys.iter().map(|v| 100.0 * v).collect(),
            band: None,
        })
        .collect();
    plots::line_chart(
        &dir.join(format!("{name}.svg")),
        &Axes {
            title: format!(
                "Same seed, same batches: {} (max |Δθ| after one epoch {:.1e}; \
                 curves at most {:.2} points apart)",
                p.title,
                p.max_param_diff,
                p.max_curve_gap()
            ),
            x_label: "epoch".into(),
            y_label: "test accuracy (%)".into(),
            log_x: false,
            log_y: false,
            zoom_tail: false,
        },
        &series,
    )
}

/// Learning curves of the given cells (one series per method), band = ± sd over seeds.
pub(crate) fn write_curves(
    dir: &Path,
    path: &Path,
    title: &str,
    groups: &[(String, Vec<Cell>)],
) -> anyhow::Result<bool> {
    let series: Vec<Series> = groups
        .iter()
        .filter_map(|(label, cells)| curve_series(dir, label.clone(), cells))
        .collect();
    if series.is_empty() {
        return Ok(false);
    }
    plots::line_chart(
        path,
        &Axes {
            title: title.to_string(),
            x_label: "epoch".into(),
            y_label: "test accuracy (%)".into(),
            log_x: false,
            log_y: false,
            zoom_tail: true,
        },
        &series,
    )?;
    Ok(true)
}

/// Per-epoch test accuracy of `cells`' runs (folder `DIR/runs/<cell>/metrics.csv`), as mean
/// and band (± sd, or the single curve) over seeds.
fn curve_series(dir: &Path, label: String, cells: &[Cell]) -> Option<Series> {
    let mut by_epoch: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
    for c in cells {
        let path = dir.join("runs").join(c.run_name()).join("metrics.csv");
        match crate::train::metrics::read_metrics(&path) {
            Ok(records) => {
                for r in records {
                    by_epoch
                        .entry(r.epoch)
                        .or_default()
                        .push(100.0 * r.test_accuracy);
                }
            }
            // A run without metrics (removed, or never written) has no curve to draw; one
            // whose file cannot be read is named, so a missing curve is never silent.
            Err(e) if path.exists() => {
                eprintln!("warning: {e:#}; the learning curves leave that run out")
            }
            Err(_) => {}
        }
    }
    if by_epoch.is_empty() {
        return None;
    }
    let mut s = Series {
        label,
        ..Series::default()
    };
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for (e, v) in by_epoch {
        let (m, sd) = mean_sd(&v);
        s.x.push(e as f64);
        s.y.push(m);
        // Accuracy is a percentage: the band stops at 0 and 100.
        lo.push((m - sd.unwrap_or(0.0)).max(0.0));
        hi.push((m + sd.unwrap_or(0.0)).min(100.0));
    }
    if cells.len() > 1 {
        s.band = Some((lo, hi));
    }
    Some(s)
}
