//! `wdlab map` end to end on tiny settings: it runs every point as a plain study folder,
//! resumes, refuses a folder made with other settings, and reads each point's slope exactly as
//! the study report does.

mod common;
use common::*;
use std::path::Path;

/// A tiny label-noise map: two points, 300 training images, three epochs, 16 hidden units.
fn tiny_map(out: &Path, extra: &[&str]) -> std::process::Output {
    tiny_map_over("label-noise=0,0.3", out, extra)
}

fn tiny_map_over(axis: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "map",
        "--preset",
        "label-noise",
        "--axis",
        axis,
        "--train-size",
        "300",
        "--val-size",
        "500",
        "--epochs",
        "3",
        "--hidden",
        "16",
        "--refine-budget",
        "0",
        "--jobs",
        "1",
        "--quiet",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

#[test]
fn runs_every_point_as_a_study_resumes_and_refuses_other_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let said = ok(&tiny_map(&out, &[]));
    assert!(said.contains("2 of 2 points run"), "{said}");
    for point in ["label-noise-0", "label-noise-0.3"] {
        let dir = out.join(point);
        // Three methods × three α × five decays × one seed pair.
        assert_eq!(rows(&dir.join("results.csv")), 90, "{point}");
        // A plain study folder: `wdlab report` reads it.
        ok(&run(&["report", s(&dir), "--quiet"]));
    }
    let study = std::fs::read_to_string(out.join("label-noise-0.3/study.json")).unwrap();
    assert!(study.contains("\"label_noise\": 0.3"), "{study}");
    let md = std::fs::read_to_string(out.join("map.md")).unwrap();
    assert!(
        md.contains("| 30 % wrong labels | [label-noise-0.3]"),
        "{md}"
    );
    // No point has a valley on these tiny settings: no figure, and map.md says why.
    assert!(md.contains("no figure"), "{md}");

    // Resumes: nothing trains twice.
    let again = tiny_map(&out, &[]);
    ok(&again);
    assert_eq!(rows(&out.join("label-noise-0/results.csv")), 90);

    // Another base regime is another map.
    refused(
        &tiny_map(&out, &["--methods", "sgd,adamw"]),
        2,
        &[
            "holds a map over label-noise",
            "other settings",
            "another --out",
        ],
    );
}

#[test]
fn refuses_to_move_the_axis_by_another_flag_and_a_foreign_point_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    refused(
        &run(&[
            "map",
            "--preset",
            "epochs",
            "--epochs",
            "5",
            "--out",
            s(&out),
            "--quiet",
        ]),
        2,
        &["--epochs is what this map moves", "--axis epochs="],
    );
    refused(
        &run(&[
            "map",
            "--preset",
            "epochs",
            "--axis",
            "label-noise=0.1",
            "--out",
            s(&out),
        ]),
        2,
        &["this map preset moves epochs", "--preset label-noise"],
    );
    // A point folder holding a study with other settings (one epoch, not three).
    let point = out.join("label-noise-0.3");
    let mut sweep = vec!["sweep", "--out", s(&point), "--grid", "sgd:0.25:0"];
    sweep.extend_from_slice(TINY_STUDY);
    sweep.extend_from_slice(&["--label-noise", "0.3"]);
    ok(&run(&sweep));
    let t = text(&tiny_map(&out, &[]));
    assert!(t.contains("label-noise-0.3"), "{t}");
    assert!(t.contains("epochs"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

/// Rows of a valley whose floor falls as λ ∝ 1/α (slope −1), two seeds with small noise.
fn valley_rows(epochs: usize) -> String {
    let mut out = String::from(
        "method,lr,decay,seed,epochs,val_accuracy,test_accuracy,train_loss,weight_norm,status,seconds\n",
    );
    for lr in [0.0625f64, 0.25, 1.0] {
        for seed in 0..2u64 {
            for k in -4..=4i32 {
                let d = 1e-3 * 2f64.powi(k);
                let floor = (1e-3f64).log2() - (lr.log2() - 0.25f64.log2());
                let wiggle = if (seed as i32 + k) % 2 == 0 {
                    -3e-4
                } else {
                    4e-4
                };
                let v = 0.95 - 0.002 * (d.log2() - floor).powi(2) + wiggle;
                out.push_str(&format!(
                    "sgd,{lr},{d},{seed},{epochs},{v:.6},{:.6},0.1,10,ok,0.1\n",
                    v - 0.01
                ));
            }
            out.push_str(&format!(
                "sgd,{lr},0,{seed},{epochs},0.9,0.89,0.1,10,ok,0.1\n"
            ));
        }
    }
    out
}

/// The third column of the first table row of `md` that starts with `prefix`.
fn column(md: &str, prefix: &str, index: usize) -> String {
    let line = md
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no row {prefix:?} in:\n{md}"));
    line.split('|').nth(index).unwrap().trim().to_string()
}

#[test]
fn a_points_slope_is_the_study_reports_slope() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    ok(&tiny_map_over("label-noise=0.3", &out, &[]));
    let point = out.join("label-noise-0.3");
    std::fs::write(point.join("results.csv"), valley_rows(3)).unwrap();
    ok(&run(&["report", s(&point), "--quiet"]));
    let report = std::fs::read_to_string(point.join("report.md")).unwrap();
    let said = ok(&tiny_map_over("label-noise=0.3", &out, &["--report-only"]));
    let map = std::fs::read_to_string(out.join("map.md")).unwrap();
    let in_report = column(&report, "| SGD + L2 | λ |", 3);
    let in_map = column(&map, "| 30 % wrong labels | SGD + L2 |", 3);
    assert_eq!(in_map, in_report);
    assert!(in_map.starts_with("-1.00 ["), "{in_map}");
    assert!(out.join("map.svg").is_file());
    // −1 inside every interval, 0 outside: the timescale limit, said in words.
    assert!(
        said.contains("SGD + L2: timescale limit at 30 % wrong labels"),
        "{said}"
    );
}
