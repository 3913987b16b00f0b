//! The study commands through the built binary, on tiny subsets of the bundled MNIST (a few
//! hundred images, a 32-unit hidden layer, one or two epochs: each run takes well under a
//! second).

mod common;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HEADER: &str =
    "method,lr,decay,seed,epochs,val_accuracy,test_accuracy,train_loss,weight_norm,status,seconds";

fn wdlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wdlab"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Flags of a tiny, fast study.
const TINY: &[&str] = &[
    "--train-size",
    "300",
    "--val-size",
    "500",
    "--hidden",
    "32",
    "--eval-every",
    "1",
    "--quiet",
];

fn run(args: &[&str]) -> Output {
    wdlab().args(args).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn rows(dir: &Path) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("results") && name.ends_with(".csv") {
            let t = std::fs::read_to_string(dir.join(&name)).unwrap();
            let mut lines = t.lines();
            assert_eq!(lines.next(), Some(HEADER), "{name} header");
            for l in lines.filter(|l| !l.is_empty()) {
                let cols: Vec<String> = l.split(',').map(String::from).collect();
                assert_eq!(cols.len(), 11, "{l}");
                out.push(cols);
            }
        }
    }
    out
}

/// (method, lr, decay, seed) of every row.
fn keys(rows: &[Vec<String>]) -> Vec<String> {
    let mut k: Vec<String> = rows.iter().map(|r| r[..4].join(",")).collect();
    k.sort();
    k
}

#[test]
fn a_killed_sweep_resumes_and_finishes_every_cell_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let out_s = out.to_str().unwrap();
    let mut args = vec![
        "sweep",
        "--out",
        out_s,
        "--grid",
        "sgd:0.05,0.1,0.2:0,1e-3",
        "--grid",
        "adamw:1e-3,3e-3:0,1e-3",
        "--methods",
        "sgd,adamw",
        "--seeds",
        "2",
        // One cell at a time, so the kill lands between rows the same way on any machine.
        "--jobs",
        "1",
    ];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "2"]);
    let total = (3 * 2 + 2 * 2) * 2;
    let mut child = wdlab()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let results = out.join("results.csv");
    let start = Instant::now();
    loop {
        let n = std::fs::read_to_string(&results)
            .map(|t| t.lines().count().saturating_sub(1))
            .unwrap_or(0);
        if n >= 3 || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = rows(&out).len();
    assert!(
        before >= 3 && before < total,
        "killed after {before} of {total} cells"
    );
    // A crash in the middle of writing a row leaves a torn last line.
    let mut t = std::fs::read_to_string(&results).unwrap();
    t.push_str("sgd,0.2,0.001,1,2,0.8");
    std::fs::write(&results, t).unwrap();

    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    let after = rows(&out);
    assert_eq!(after.len(), total);
    let k = keys(&after);
    let mut unique = k.clone();
    unique.dedup();
    assert_eq!(unique.len(), total, "every cell exactly once");
    for r in &after {
        assert_eq!(r[4], "2", "epochs column");
        assert_eq!(r[9], "ok");
        let acc: f64 = r[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&acc));
        assert!(out
            .join("runs")
            .join(format!(
                "{}_lr{}_{}{}_seed{}",
                r[0],
                r[1],
                if r[0].ends_with('w') { "wd" } else { "l2" },
                r[2],
                r[3]
            ))
            .join("metrics.csv")
            .exists());
    }
    // Running it again does nothing.
    let o = run(&args);
    assert!(o.status.success());
    assert!(text(&o).contains("0 run now"), "{}", text(&o));
    assert_eq!(rows(&out).len(), total);

    // A bigger grid with the same settings is merged; other settings are refused.
    let mut more = args.clone();
    more[4] = "sgd:0.05,0.1,0.2,0.4:0,1e-3";
    let o = run(&more);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(rows(&out).len(), total + 2 * 2);
    let mut other = args.clone();
    other.extend_from_slice(&["--batch-size", "64"]);
    let o = run(&other);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("batch_size"), "{}", text(&o));
}

#[test]
fn a_diverging_cell_is_recorded_and_the_sweep_shards_and_report_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let out_s = out.to_str().unwrap();
    for shard in ["1/2", "2/2"] {
        let mut args = vec![
            "sweep",
            "--out",
            out_s,
            "--grid",
            "adam:1e-3,1e30:0,1e-4",
            "--methods",
            "adam",
            "--seeds",
            "1",
            "--shard",
            shard,
        ];
        args.extend_from_slice(TINY);
        args.extend_from_slice(&["--epochs", "2"]);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o));
    }
    assert!(out.join("results.shard-1-of-2.csv").exists());
    assert!(out.join("results.shard-2-of-2.csv").exists());
    let all = rows(&out);
    assert_eq!(all.len(), 4, "the shards' union is the grid");
    for r in &all {
        if r[1].parse::<f64>().unwrap() > 1.0 {
            assert_eq!(r[9], "diverged", "{r:?}");
            assert!(r[5].is_empty() && r[6].is_empty(), "{r:?}");
        } else {
            assert_eq!(r[9], "ok", "{r:?}");
        }
    }
    let o = run(&["report", out_s]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Diverged cells"), "{md}");
    assert!(md.contains("| Adam + L2 | 1e-3 |"), "{md}");
    assert!(out.join("heatmaps.svg").exists());
    assert!(out.join("heatmap-adam.svg").exists());
}

#[test]
fn reproduce_writes_the_report_heat_maps_curves_and_equivalence() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let mut args = vec![
        "reproduce",
        "--preset",
        "quick",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--refine-budget", "8"]);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    // The refinement stage added cells outside the preset's 4 × 4 grids (2 seeds each), within
    // its budget of 8 runs; every run of the chosen cells saved its test predictions.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let grid_seed_rows = csv
        .lines()
        .skip(1)
        .filter(|l| matches!(l.split(',').nth(3), Some("0" | "1")))
        .count();
    assert!(
        (129..=136).contains(&grid_seed_rows),
        "{grid_seed_rows} rows over seeds 0 and 1"
    );
    assert_eq!(
        std::fs::read(out.join("test_labels")).unwrap().len(),
        10_000
    );
    let saved = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .join("test_predictions")
                .is_file()
        })
        .count();
    assert!(saved >= 4 * 3, "{saved} runs saved predictions");
    for f in [
        "report.md",
        "heatmaps.svg",
        "heatmap-sgd.svg",
        "heatmap-sgdw.svg",
        "heatmap-adam.svg",
        "heatmap-adamw.svg",
        "coupling.svg",
        "curves.svg",
        "equivalence-sgd.svg",
        "equivalence-adam.svg",
        "equivalence.json",
        "study.json",
        "heatmaps-pytorch.svg",
        "equal-loss.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing; {}", text(&o));
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "## Verdicts",
        "**1.",
        "**2.",
        "**3.",
        "valley slope",
        "± ",
        "## Noise",
        "tie margin",
        "## Basin width",
        "## Generalisation at equal training loss",
        "Transfer test",
    ] {
        assert!(md.contains(needle), "{needle} not in report:\n{md}");
    }
    // The verdicts on another results file are printed, and the folder is left as it was.
    let results = out.join("results.csv");
    let o = run(&[
        "report",
        out.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3. The best L2 penalty"), "{}", text(&o));
    assert!(text(&o).contains("nothing written"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), md);
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let o = run(&[
        "report",
        out.to_str().unwrap(),
        "--results",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("empty.csv holds no result rows"),
        "{}",
        text(&o)
    );
    // Whether the pairs agree is pinned elsewhere (the golden optimiser tests and one run on
    // MNIST); here the check's file must hold both pairs, complete.
    let eq: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("equivalence.json")).unwrap())
            .unwrap();
    for pair in ["sgd", "adam"] {
        let p = &eq[pair];
        assert!(p["max_param_diff"].as_f64().unwrap().is_finite(), "{p}");
        assert!(p["max_param"].as_f64().unwrap() > 0.0, "{p}");
        let epochs = p["epochs"].as_array().unwrap().len();
        assert_eq!(epochs, 1, "{p}");
        assert_eq!(p["test_a"].as_array().unwrap().len(), epochs, "{p}");
        assert_eq!(p["test_b"].as_array().unwrap().len(), epochs, "{p}");
    }
}

#[test]
fn compare_prints_the_table_and_writes_curves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let mut args = vec!["compare", "--seeds", "2", "--out", out.to_str().unwrap()];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "2"]);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    for label in ["SGD + L2", "SGDW", "Adam + L2", "AdamW"] {
        let row = t
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("no {label} row in\n{t}"));
        // Accuracy as mean ± sd over the two seeds, and the seed count.
        let cols: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(cols[4].contains('±') && cols[4].ends_with('%'), "{row}");
        assert_eq!(cols[5], "2", "{row}");
    }
    assert!(out.join("curves.svg").exists());
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        md.contains("| AdamW |") && md.contains("curves.svg"),
        "{md}"
    );
}

#[test]
fn bad_grids_shards_and_folders_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("u");
    let out_s = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["sweep", "--out", out_s, "--shard", "0/4"],
            "expected K/N",
        ),
        (
            vec!["sweep", "--out", out_s, "--shard", "5/4"],
            "expected K/N",
        ),
        (
            vec!["sweep", "--out", out_s, "--lrs", "-0.1"],
            "every learning rate must be positive",
        ),
        (
            vec!["sweep", "--out", out_s, "--lrs", "0"],
            "every learning rate must be positive",
        ),
        (
            vec!["sweep", "--out", out_s, "--decays", "-1e-4"],
            "decay coefficients must be zero or positive",
        ),
        (
            vec!["sweep", "--out", out_s, "--grid", "rmsprop:1e-3:0"],
            "unknown method \"rmsprop\"",
        ),
        (
            vec!["sweep", "--out", out_s, "--methods", "rmsprop"],
            "invalid value 'rmsprop' for '--methods",
        ),
        (
            vec!["sweep", "--out", out_s, "--seeds", "0"],
            "--seeds 0 runs nothing",
        ),
        (
            vec!["sweep", "--out", out_s, "--val-size", "0"],
            "--val-size 0",
        ),
        (
            vec!["compare", "--out", out_s, "--sgd", "0.1"],
            "expected LR,DECAY",
        ),
    ];
    for (args, says) in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains(says),
            "{args:?}: {says:?} not in {}",
            text(&o)
        );
        assert!(!text(&o).contains("panicked"), "{args:?}: {}", text(&o));
    }
    assert!(!out.join("results.csv").exists(), "nothing ran");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&["report", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("wdlab sweep"), "{}", text(&o));
}

#[test]
fn population_cells_give_the_rows_single_runs_give() {
    let dir = tempfile::tempdir().unwrap();
    let mut by_backend = Vec::new();
    for backend in ["single", "population"] {
        let out = dir.path().join(backend);
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "adamw:1e-3,3e-3,1e30:0,1e-2",
            "--methods",
            "adamw",
            "--seeds",
            "1",
            "--epochs",
            "2",
            "--cells",
            backend,
        ];
        args.extend_from_slice(TINY);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o));
        let mut all = rows(&out);
        all.sort();
        by_backend.push(all);
    }
    let (single, population) = (&by_backend[0], &by_backend[1]);
    assert_eq!(single.len(), 6);
    assert_eq!(keys(single), keys(population));
    for (s, p) in single.iter().zip(population) {
        assert_eq!(s[9], p[9], "status of {s:?} vs {p:?}");
        if s[9] == "diverged" {
            assert!(p[5].is_empty(), "{p:?}");
            continue;
        }
        // Validation accuracy, train loss and weight norm agree to float rounding.
        let f = |r: &Vec<String>, i: usize| r[i].parse::<f64>().unwrap();
        assert!((f(s, 5) - f(p, 5)).abs() <= 0.002, "{s:?} vs {p:?}");
        assert!(
            (f(s, 7) - f(p, 7)).abs() <= 1e-4 * f(s, 7).max(1.0),
            "{s:?} vs {p:?}"
        );
        assert!(
            (f(s, 8) - f(p, 8)).abs() <= 1e-3 * f(s, 8),
            "{s:?} vs {p:?}"
        );
    }
}

#[test]
fn cells_side_by_side_give_the_bits_of_cells_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut by_jobs = Vec::new();
    for jobs in ["1", "3"] {
        let out = dir.path().join(format!("jobs{jobs}"));
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "sgd:0.05,0.2:0,1e-3",
            "--grid",
            "adamw:1e-3,1e30:0,1e-2",
            "--methods",
            "sgd,adamw",
            "--seeds",
            "1",
            "--epochs",
            "2",
            "--jobs",
            jobs,
        ];
        args.extend_from_slice(TINY);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o));
        // Every column but the seconds, in the results and in each metrics file.
        let mut all: Vec<Vec<String>> = rows(&out).into_iter().map(|r| r[..10].to_vec()).collect();
        all.sort();
        let mut metrics = Vec::new();
        for r in &all {
            let coef = if r[0].ends_with('w') { "wd" } else { "l2" };
            // A value whose plain form is long (1e30) is named in scientific form.
            let part = |v: &str| match v.len() {
                0..=24 => v.to_string(),
                _ => format!("{:e}", v.parse::<f64>().unwrap()),
            };
            let name = format!(
                "{}_lr{}_{coef}{}_seed{}",
                r[0],
                part(&r[1]),
                part(&r[2]),
                r[3]
            );
            let t = std::fs::read_to_string(out.join("runs").join(&name).join("metrics.csv"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let lines: Vec<String> = t
                .lines()
                .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string())
                .collect();
            metrics.push((name, lines));
        }
        by_jobs.push((all, metrics));
    }
    let (one, three) = (&by_jobs[0], &by_jobs[1]);
    assert_eq!(one.0.len(), 8);
    assert!(one.0.iter().any(|r| r[9] == "diverged"), "{:?}", one.0);
    assert_eq!(one.0, three.0, "results rows");
    assert_eq!(one.1, three.1, "metrics files");
    // Header and two epochs, or the header alone for a cell that diverged in epoch 1.
    for ((_, lines), row) in one.1.iter().zip(&one.0) {
        assert_eq!(lines.len(), if row[9] == "ok" { 3 } else { 1 }, "{lines:?}");
    }

    let o = run(&[
        "sweep",
        "--out",
        dir.path().join("x").to_str().unwrap(),
        "--jobs",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--jobs 0"), "{}", text(&o));
}

/// A tiny one-method sweep into `out` with extra flags.
fn tiny_sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--out",
        out.to_str().unwrap(),
        "--grid",
        "sgd:0.1:0",
        "--seeds",
        "1",
        "--epochs",
        "1",
    ];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_study_folder_knows_its_data_and_refuses_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let o = tiny_sweep(&out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let study = std::fs::read_to_string(out.join("study.json")).unwrap();
    assert!(study.contains("\"data_fingerprint\""), "{study}");
    let other = common::altered_mnist(&dir.path().join("mnist-altered"));
    let o = tiny_sweep(&out, &["--data-dir", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("data_fingerprint:"), "{}", text(&o));
    assert_eq!(rows(&out).len(), 1, "nothing was merged");
}

#[test]
fn rows_without_a_study_json_are_refused_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    assert!(tiny_sweep(&out, &[]).status.success());
    std::fs::remove_file(out.join("study.json")).unwrap();
    let o = tiny_sweep(&out, &["--batch-size", "64"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("holds 1 results rows but no study.json"),
        "{}",
        text(&o)
    );
    assert!(!out.join("study.json").exists());
}

#[test]
fn a_sweep_refused_by_a_data_check_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let sweep = |train_size: &str| {
        run(&[
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "sgd:0.1:0",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--hidden",
            "16",
            "--quiet",
            "--train-size",
            train_size,
        ])
    };
    let o = sweep("60000");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--train-size 60000"), "{}", text(&o));
    assert!(
        !out.join("study.json").exists(),
        "no study.json was claimed"
    );
    let o = sweep("300");
    assert!(
        o.status.success(),
        "the corrected command runs: {}",
        text(&o)
    );
}

#[test]
fn duplicate_and_negative_zero_grid_values_are_one_cell_and_grids_merge() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let mut args = vec![
        "sweep",
        "--out",
        out.to_str().unwrap(),
        "--grid",
        "adamw:1e-3,1e-3:0,-0",
        "--grid",
        "adamw:1e-3:1e-3",
        "--seeds",
        "1",
        "--epochs",
        "1",
    ];
    args.extend_from_slice(TINY);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    // No --methods: the grid's method only, not the preset's other three; the two --grid of
    // adamw merged into one α × {0, 1e-3}.
    assert_eq!(
        keys(&rows(&out)),
        ["adamw,0.001,0,0", "adamw,0.001,0.001,0"]
    );
    let mut bad = args.clone();
    bad.extend_from_slice(&["--methods", "sgd"]);
    let o = run(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("names a method that --methods leaves out"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_results_file_with_impossible_values_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    assert!(tiny_sweep(&out, &[]).status.success());
    let path = out.join("results.csv");
    let mut t = std::fs::read_to_string(&path).unwrap();
    t.push_str("sgd,0.2,0,0,1,NaN,0.5,0.1,1,ok,1.000\n");
    std::fs::write(&path, t).unwrap();
    let o = run(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("results.csv, line 3: val_accuracy NaN is not in [0, 1]"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_report_shows_a_method_whose_every_cell_diverged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let mut args = vec![
        "sweep",
        "--out",
        out.to_str().unwrap(),
        "--grid",
        "adam:1e30:0,1e-3",
        "--grid",
        "adamw:1e-3:0,1e-3",
        "--seeds",
        "1",
        "--epochs",
        "1",
    ];
    args.extend_from_slice(TINY);
    assert!(run(&args).status.success());
    let o = run(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("every cell of Adam + L2 diverged"), "{md}");
    assert!(out.join("heatmap-adam.svg").exists());
}

#[test]
fn the_same_shard_started_twice_trains_once_and_other_shards_run_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let sweep = |shard: &str| {
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "sgd:0.05,0.1,0.2:0,1e-3",
            "--seeds",
            "2",
            // Long enough that the first is still training when its twin starts.
            "--epochs",
            "100",
            "--jobs",
            "1",
            "--shard",
            shard,
        ];
        args.extend_from_slice(TINY);
        let mut c = wdlab();
        c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    let first = sweep("1/2");
    // Wait until the first holds the lock of its results file.
    let lock = out.join(".results.shard-1-of-2.csv.lock");
    let start = Instant::now();
    while std::fs::read_to_string(&lock).map_or(true, |t| t.is_empty()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no lock appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let twin = sweep("1/2").wait_with_output().unwrap();
    let other = sweep("2/2").wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first));
    assert!(other.status.success(), "{}", text(&other));
    assert_eq!(twin.status.code(), Some(1), "{}", text(&twin));
    let pid = std::fs::read_to_string(&lock).unwrap();
    assert!(
        text(&twin).contains(&format!("another wdlab (process {pid})")),
        "{}",
        text(&twin)
    );
    let all = rows(&out);
    assert_eq!(all.len(), 12, "every cell once");
    let mut unique = keys(&all);
    unique.dedup();
    assert_eq!(unique.len(), 12);
    let o = run(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("12 cells finished (0 diverged)"), "{md}");
}

#[test]
fn of_two_first_starts_with_different_settings_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let start = |epochs: &str| {
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "sgd:0.1:0",
            "--seeds",
            "1",
            "--epochs",
            epochs,
        ];
        args.extend_from_slice(TINY);
        let mut c = wdlab();
        c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    let (a, b) = (start("1"), start("2"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes == [Some(0), Some(2)] || codes == [Some(2), Some(0)],
        "{codes:?}: {} / {}",
        text(&a),
        text(&b)
    );
    let refused = if a.status.success() { &b } else { &a };
    assert!(
        text(refused).contains("other settings"),
        "{}",
        text(refused)
    );
    assert_eq!(rows(&out).len(), 1);
}

#[test]
fn label_noise_is_part_of_a_study_s_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let sweep = |noise: &str| {
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "adamw:1e-3:0",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--label-noise",
            noise,
        ];
        args.extend_from_slice(TINY);
        run(&args)
    };
    let o = sweep("0.3");
    assert!(o.status.success(), "{}", text(&o));
    let study = std::fs::read_to_string(out.join("study.json")).unwrap();
    assert!(study.contains("\"label_noise\": 0.3"), "{study}");
    let o = sweep("0.2");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("label_noise: 0.3 there, 0.2 now"),
        "{}",
        text(&o)
    );
    let o = sweep("1");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--label-noise must be at least 0 and below 1"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_norm_is_part_of_a_study_s_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let sweep = |norm: &[&str]| {
        let mut args = vec![
            "sweep",
            "--out",
            out.to_str().unwrap(),
            "--grid",
            "sgd:0.1:0",
            "--seeds",
            "1",
            "--epochs",
            "1",
        ];
        args.extend_from_slice(norm);
        args.extend_from_slice(TINY);
        run(&args)
    };
    let o = sweep(&["--norm", "layer"]);
    assert!(o.status.success(), "{}", text(&o));
    let study = std::fs::read_to_string(out.join("study.json")).unwrap();
    assert!(study.contains("\"norm\": \"layer\""), "{study}");
    let o = sweep(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("norm: \"layer\" there, none now"),
        "{}",
        text(&o)
    );
}

#[test]
fn with_sgd_momentum_the_equivalence_check_contrasts_the_pair_with_and_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let mut args = vec![
        "reproduce",
        "--preset",
        "quick",
        "--out",
        out.to_str().unwrap(),
        "--momentum",
        "0.9",
        "--epochs",
        "2",
    ];
    args.extend_from_slice(TINY);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    let eq: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("equivalence.json")).unwrap())
            .unwrap();
    let plain = eq["sgd"]["max_param_diff"].as_f64().unwrap();
    let with = eq["sgd_momentum"]["max_param_diff"].as_f64().unwrap();
    assert!(
        plain < 1e-6,
        "without momentum the pair is one algorithm: {plain}"
    );
    assert!(
        with > 100.0 * plain.max(1e-9),
        "with momentum it is two: {with} vs {plain}"
    );
    assert!(
        eq["sgd_momentum"]["title"]
            .as_str()
            .unwrap()
            .contains("both with momentum 0.9"),
        "{eq}"
    );
    assert!(out.join("equivalence-sgd-momentum.svg").exists());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("with momentum the same pair differs by"),
        "{md}"
    );
}
