//! Line and scatter charts, read back from the SVG.

use super::*;
use crate::plot::test_support::{take_svg, temp_svg, texts};

fn curve(label: &str, offset: f64) -> Series {
    let x: Vec<f64> = (1..=20).map(f64::from).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|e| 0.985 - 0.035 * (-e / (4.0 + offset)).exp())
        .collect();
    let lo = y.iter().map(|v| v - 0.002).collect();
    let hi = y.iter().map(|v| v + 0.002).collect();
    Series {
        label: label.into(),
        x,
        y,
        band: Some((lo, hi)),
    }
}

fn axes(title: &str, log_x: bool, log_y: bool) -> Axes {
    Axes {
        title: title.into(),
        x_label: "epoch".into(),
        y_label: "test accuracy".into(),
        log_x,
        log_y,
        zoom_tail: false,
    }
}

#[test]
fn scatter_chart_marks_points_without_lines() {
    let (_dir, path) = temp_svg("scatter");
    let s = Series {
        label: "AdamW".into(),
        x: vec![0.01, 0.1, 0.03],
        y: vec![4.0, 5.0, 4.5],
        band: None,
    };
    scatter_chart(
        &path,
        &axes("Error at equal loss", true, false),
        std::slice::from_ref(&s),
        &Overlay::default(),
    )
    .unwrap();
    let scatter = take_svg(&path, "Error at equal loss");
    assert!(scatter.contains("AdamW") && scatter.contains("<circle"));
    line_chart(&path, &axes("Error at equal loss", true, false), &[s]).unwrap();
    let lines = take_svg(&path, "Error at equal loss");
    let count = |svg: &str| svg.matches("<polyline").count();
    // The line chart joins the points (and draws a legend line); the scatter does neither.
    assert_eq!(
        count(&lines),
        count(&scatter) + 2,
        "a scatter draws no lines"
    );
}

#[test]
fn line_chart_draws_curves_bands_and_legend() {
    let (_dir, path) = temp_svg("lines");
    let series: Vec<Series> = ["SGD", "SGDW", "Adam", "AdamW"]
        .iter()
        .enumerate()
        .map(|(i, l)| curve(l, i as f64))
        .collect();
    line_chart(&path, &axes("Test accuracy", false, false), &series).unwrap();
    let svg = take_svg(&path, "Test accuracy");
    for text in ["AdamW", "epoch", "test accuracy", "<polygon"] {
        assert!(svg.contains(text), "{text} missing");
    }
}

#[test]
fn line_chart_skips_bad_values_and_draws_a_lone_point() {
    let (_dir, path) = temp_svg("lines-odd");
    let gappy = Series {
        label: "gappy".into(),
        x: vec![1e-5, 1e-4, 1e-3, f64::NAN, 1e-1],
        y: vec![0.1, f64::INFINITY, 0.0, 0.3, 0.2],
        band: Some((vec![f64::NAN; 5], vec![1.0; 3])),
    };
    let lone = Series {
        label: "lone".into(),
        x: vec![1e-2],
        y: vec![0.5],
        band: None,
    };
    let empty = Series::default();
    line_chart(&path, &axes("Odd data", true, true), &[gappy, lone, empty]).unwrap();
    let svg = take_svg(&path, "Odd data");
    assert!(svg.contains("(no finite data)"));
}

#[test]
fn line_chart_without_drawable_points_is_an_error() {
    let (_dir, path) = temp_svg("lines-none");
    let nan = Series {
        label: "nan".into(),
        x: vec![1.0],
        y: vec![f64::NAN],
        band: None,
    };
    let err = line_chart(&path, &axes("Nothing", false, false), &[nan]).unwrap_err();
    assert!(err.to_string().contains("no finite points"), "{err}");
    assert!(line_chart(&path, &axes("Nothing", false, false), &[]).is_err());
    let negative = Series {
        label: "neg".into(),
        x: vec![-1.0],
        y: vec![1.0],
        band: None,
    };
    assert!(line_chart(&path, &axes("Nothing", true, false), &[negative]).is_err());
    assert!(!path.exists());
}

#[test]
fn coinciding_curves_are_both_drawn_and_the_legend_says_so() {
    let (_dir, path) = temp_svg("lines-same");
    let a = curve("SGD + L2", 0.0);
    let mut b = curve("SGDW", 0.0);
    b.y[3] += 1e-9;
    let c = curve("Adam", 3.0);
    line_chart(&path, &axes("Same", false, false), &[a, b, c]).unwrap();
    let svg = take_svg(&path, "Same");
    let t = texts(&svg);
    assert!(
        t.contains(&"SGDW (dashed: coincides with SGD + L2)".to_string()),
        "{t:?}"
    );
    assert!(
        t.contains(&"Adam".to_string()),
        "a distinct curve is not marked"
    );
    // SGD + L2 solid, SGDW dashed over it (many short pieces, in its own colour).
    let orange = svg.matches("stroke=\"#D55E00\" stroke-width=\"3\"").count();
    assert!(orange > 10, "dashes of the second curve: {orange}");
    assert!(
        svg.contains("stroke=\"#0072B2\" stroke-width=\"2\""),
        "the first curve"
    );
}

#[test]
fn the_zoomed_tail_has_its_own_range_and_no_point_before_it() {
    let (_dir, path) = temp_svg("lines-zoom");
    let mut ax = axes("Zoom", false, false);
    ax.zoom_tail = true;
    line_chart(&path, &ax, &[curve("SGD", 0.0), curve("Adam", 2.0)]).unwrap();
    let t = texts(&take_svg(&path, "Zoom"));
    assert!(
        t.iter()
            .any(|s| s.starts_with("last third of training (epoch 14–20)")),
        "{t:?}"
    );
}

#[test]
fn a_scatter_draws_one_fitted_path_per_fit_and_hollow_points_for_the_second_series() {
    let (_dir, path) = temp_svg("scatter-fit");
    let pts = |label: &str, shift: f64| Series {
        label: label.into(),
        x: vec![0.01, 0.03, 0.1, 0.3],
        y: vec![4.0 + shift, 4.2 + shift, 4.5 + shift, 5.0 + shift],
        band: None,
    };
    let fit = |shift: f64| vec![(0.01, 4.0 + shift), (0.1, 4.5 + shift), (0.3, 5.0 + shift)];
    let overlay = Overlay {
        fits: vec![fit(0.0), fit(0.0)],
        windows: vec![(1, 0.02, 0.2)],
    };
    let series = [pts("SGD + L2", 0.0), pts("SGDW", 0.0)];
    scatter_chart(&path, &axes("Fits", true, false), &series, &overlay).unwrap();
    let svg = take_svg(&path, "Fits");
    // A white halo and a coloured line per fitted path.
    assert_eq!(
        svg.matches("stroke-width=\"3\"").count(),
        2,
        "one path per fit"
    );
    assert_eq!(
        svg.matches("fill=\"none\" stroke=\"#D55E00\"").count(),
        4 + 1,
        "the second series' points hollow (and its legend mark)"
    );
    assert!(svg.contains("<rect"), "the shaded window");
}
