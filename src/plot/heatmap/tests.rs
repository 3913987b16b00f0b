//! The heat maps' meaning, read back from the SVG: scales, marks and kinds of cell.

use super::*;
use crate::plot::test_support::{count_stroked, take_svg, temp_svg, texts};

fn labels(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A 6 × 6 panel: a bowl of values, two cells never run, one diverged, its last column
/// collapsed; each trained column's best framed.
fn heat_panel(title: &str, shift: f64) -> HeatPanel {
    let cells = (0..6)
        .map(|yi| {
            (0..6)
                .map(|xi| {
                    let v =
                        1.5 + shift + 0.1 * ((xi as f64 - 2.0).powi(2) + (yi as f64 - 3.0).powi(2));
                    match (yi, xi) {
                        (_, 5) => HeatCell::Collapsed(80.0 + yi as f64),
                        (0 | 1, 4) => HeatCell::NotRun,
                        (5, 0) => HeatCell::Diverged,
                        _ => HeatCell::Value(v),
                    }
                })
                .collect()
        })
        .collect();
    HeatPanel {
        title: title.into(),
        x_labels: labels(&["1e-4", "3e-4", "1e-3", "3e-3", "1e-2", "3e-2"]),
        y_labels: labels(&["0 (none)", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1"]),
        cells,
        best: Some((3, 2)),
        column_best: (0..5).map(|xi| (3, xi)).collect(),
        tied: vec![(2, 2), (4, 2)],
        zero_row: true,
    }
}

#[test]
fn each_panel_scales_over_its_trained_cells_only() {
    let p = heat_panel("SGD", 0.0);
    let s = panel_scale(&p).unwrap();
    let trained: Vec<f64> = scale::trained_values(&p).collect();
    let min = trained.iter().copied().fold(f64::INFINITY, f64::min);
    let max = trained.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(
        (s.lo, s.hi),
        (min, max),
        "collapsed cells (80+) stay outside"
    );
    let (_dir, path) = temp_svg("heat");
    let panels = [heat_panel("SGD", 0.0), heat_panel("AdamW", 3.0)];
    heatmaps(
        &path,
        "Validation error",
        "α",
        "decay",
        "error (%)",
        &panels,
    )
    .unwrap();
    let texts = texts(&take_svg(&path, "Validation error"));
    for p in &panels {
        let s = panel_scale(p).unwrap();
        for end in [s.lo, s.hi] {
            let text = fmt_value(end);
            assert!(texts.contains(&text), "{} names its end {text}", p.title);
        }
    }
}

#[test]
fn every_trained_column_has_one_best_frame_and_ties_are_outlined() {
    let (_dir, path) = temp_svg("heat-marks");
    let panels = [heat_panel("SGD", 0.0), heat_panel("SGDW", 0.5)];
    heatmaps(&path, "Marks", "α", "decay", "error (%)", &panels).unwrap();
    let svg = take_svg(&path, "Marks");
    // Five trained columns per panel, and one more frame in the key.
    assert_eq!(count_stroked(&svg, "polyline", "#FFFFFF", 3), 2 * 5 + 1);
    // Two tied cells per panel, and one in the key.
    assert_eq!(count_stroked(&svg, "polyline", "#FAFAFA", 1), 2 * 2 + 1);
    for text in [
        "best cell of the panel",
        "best decay at this α",
        "tied with it",
        "α failed to train",
        "diverged",
        "not run",
        "0 (none)",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
}

#[test]
fn a_key_names_only_the_kinds_of_cell_drawn() {
    let (_dir, path) = temp_svg("heat-flat");
    let panel = HeatPanel {
        title: "flat".into(),
        x_labels: vec!["a".into()],
        y_labels: vec!["b".into()],
        cells: vec![vec![HeatCell::Value(2.0)]],
        best: Some((7, 7)),
        ..HeatPanel::default()
    };
    heatmaps(&path, "Flat", "x", "y", "z", &[panel]).unwrap();
    let svg = take_svg(&path, "Flat");
    for absent in [
        "best cell of the panel",
        "not run",
        "diverged",
        "failed to train",
    ] {
        assert!(!svg.contains(absent), "{absent} drawn");
    }
}

#[test]
fn heatmaps_reject_unusable_input() {
    let (_dir, path) = temp_svg("heat-bad");
    let mut ragged = heat_panel("ragged", 0.0);
    ragged.cells[2].pop();
    let err = heatmaps(&path, "T", "x", "y", "z", &[ragged]).unwrap_err();
    assert!(err.to_string().contains("row 2"), "{err}");
    assert!(heatmaps(&path, "T", "x", "y", "z", &[]).is_err());
    assert!(!path.exists());
}

#[test]
fn a_panel_without_a_trained_cell_has_no_colour_bar() {
    let (_dir, path) = temp_svg("heat-all-missing");
    let mut missing = heat_panel("all diverged", 0.0);
    missing.cells = vec![vec![HeatCell::Diverged; 6]; 6];
    assert_eq!(panel_scale(&missing), None);
    heatmaps(&path, "Nothing measured", "x", "y", "z", &[missing]).unwrap();
    let svg = take_svg(&path, "Nothing measured");
    assert!(svg.contains("all diverged"), "the panel is drawn");
    assert!(
        !svg.contains(">(%)<") && !svg.contains(">z<"),
        "no colour bar"
    );
}

#[test]
fn cell_values_have_three_significant_digits() {
    assert_eq!(fmt_value(2.3145), "2.31");
    assert_eq!(fmt_value(0.02314), "0.0231");
}
