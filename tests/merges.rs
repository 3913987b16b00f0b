//! A study folder never merges what contradicts it (issue 21, cases 4–9 and 16): rows of other
//! settings, another study's file, two answers for one cell, a finished row without its
//! validation accuracy, an unsharded sweep beside a shard, values no run can produce (which
//! once made `report` loop), and a results file that holds only its header.

mod common;
use common::{refused, s, text};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary as a command to spawn, in the repository root.
fn wdlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wdlab"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A tiny sweep of `grid` into `out`, with extra flags.
fn run(args: &[&str]) -> Output {
    common::run(args)
}

fn sweep(out: &Path, grid: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--out",
        s(out),
        "--grid",
        grid,
        "--seeds",
        "1",
        "--train-size",
        "300",
        "--val-size",
        "500",
        "--hidden",
        "16",
        "--quiet",
    ];
    args.extend(extra);
    run(&args)
}

/// A finished one-cell, one-epoch study in `out`.
fn study(out: &Path, extra: &[&str]) {
    let mut all = vec!["--epochs", "1"];
    all.extend(extra);
    let o = sweep(out, "sgd:0.1:0", &all);
    assert!(o.status.success(), "{}", text(&o));
}

/// Appends `line` (and a line end) to `out/results.csv`.
fn append(out: &Path, line: &str) {
    let path = out.join("results.csv");
    let mut t = std::fs::read_to_string(&path).unwrap();
    t.push_str(line);
    t.push('\n');
    std::fs::write(&path, t).unwrap();
}

/// The first row of `out/results.csv`.
fn first_row(out: &Path) -> String {
    let t = std::fs::read_to_string(out.join("results.csv")).unwrap();
    t.lines().nth(1).unwrap().to_string()
}

#[test]
fn a_row_of_other_epochs_is_refused_with_its_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    study(&out, &[]);
    append(&out, "sgd,0.2,0,0,2,0.5,0.5,0.1,1,ok,1.000");
    let o = run(&["report", s(&out)]);
    refused(
        &o,
        1,
        &[
            "results.csv, line 3: epochs 2, but the study",
            "trains 1 epoch",
        ],
    );
    // A resumed sweep refuses the folder the same way instead of counting the row as done.
    let o = sweep(&out, "sgd:0.2:0", &["--epochs", "1"]);
    refused(&o, 1, &["line 3: epochs 2"]);
}

#[test]
fn another_study_s_results_file_is_refused_with_the_settings_that_differ() {
    let d = tempfile::tempdir().unwrap();
    let (mine, other) = (d.path().join("mine"), d.path().join("other"));
    study(&mine, &[]);
    let o = sweep(&other, "sgd:0.1:0", &["--epochs", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let file = other.join("results.csv");
    let o = run(&["report", s(&mine), "--results", s(&file)]);
    refused(
        &o,
        2,
        &[
            "belongs to the study in",
            "epochs: 2 there, 1 here",
            "wdlab report",
        ],
    );
    // A copy beside the study (no study.json of its own) is judged row by row.
    let copy = mine.join("replicate.csv");
    std::fs::copy(&file, &copy).unwrap();
    let o = run(&["report", s(&mine), "--results", s(&copy)]);
    refused(&o, 1, &["replicate.csv, line 2: epochs 2"]);
}

#[test]
fn two_rows_of_one_cell_with_other_numbers_are_refused_naming_both_lines() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    study(&out, &[]);
    let row = first_row(&out);
    // The same result again (a rerun of a deterministic cell; only the time differs) counts once.
    let (head, _) = row.rsplit_once(',').unwrap();
    append(&out, &format!("{head},9.999"));
    let o = run(&["report", s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    let mut cols: Vec<&str> = row.split(',').collect();
    cols[5] = "0.999";
    append(&out, &cols.join(","));
    let o = run(&["report", s(&out)]);
    refused(
        &o,
        1,
        &[
            "results.csv, line 4: sgd α=0.1",
            "again, with other results than",
            "results.csv, line 2",
        ],
    );
}

#[test]
fn a_finished_row_without_a_validation_accuracy_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    study(&out, &[]);
    append(&out, "sgd,0.2,0,0,1,,0.5,0.1,1,ok,1.000");
    let o = run(&["report", s(&out)]);
    refused(
        &o,
        1,
        &["line 3: status ok without a val_accuracy", "delete it"],
    );
}

/// Waits (at most a minute) until `path` exists.
fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(path.exists(), "{} never appeared", path.display());
}

#[test]
fn an_unsharded_sweep_and_a_shard_never_train_one_folder_at_once() {
    let d = tempfile::tempdir().unwrap();
    for (first, second, says) in [
        (None, Some("1/2"), "is being swept without --shard"),
        (Some("2/2"), None, "is being swept in shards"),
    ] {
        let out = d.path().join(format!("s{}", first.is_some()));
        let args = |shard: Option<&str>| {
            let mut a: Vec<String> = [
                "sweep",
                "--out",
                s(&out),
                "--grid",
                "sgd:0.05,0.1:0,1e-3",
                "--seeds",
                "1",
                // Far longer than the test: the first is killed, a second that wrongly
                // started training would be killed by `within`.
                "--epochs",
                "100000",
                "--jobs",
                "1",
                "--train-size",
                "300",
                "--val-size",
                "500",
                "--hidden",
                "16",
                "--quiet",
            ]
            .map(String::from)
            .to_vec();
            if let Some(k) = shard {
                a.extend(["--shard".to_string(), k.to_string()]);
            }
            a
        };
        let mut long = wdlab()
            .args(args(first))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The results file is written once both locks are held.
        wait_for(&out.join(match first {
            None => "results.csv",
            Some(_) => "results.shard-2-of-2.csv",
        }));
        let o = within(wdlab().args(args(second)), 60);
        long.kill().unwrap();
        long.wait().unwrap();
        refused(&o, 2, &[says, "wait for"]);
    }
}

/// The output of `cmd`, killed (and the test failed) if it runs longer than `secs` seconds
/// (its output is a few lines, so the pipes never fill while it runs).
fn within(cmd: &mut Command, secs: u64) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("still running after {secs} s; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `wdlab report DIR`: it must answer long before 30 s.
fn report_in_time(out: &Path) -> Output {
    within(wdlab().args(["report", s(out)]), 30)
}

#[test]
fn values_no_run_can_produce_are_refused_and_report_answers_at_once() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    study(&out, &[]);
    let clean = std::fs::read_to_string(out.join("results.csv")).unwrap();
    for (row, says) in [
        (
            "sgd,0.2,0,0,1,0.5,0.5,1e300,1,ok,1.000",
            "train_loss 1e300 is not a value a finished run can have",
        ),
        (
            "sgd,0.2,0,0,1,0.5,0.5,5e-324,1,ok,1.000",
            "train_loss 5e-324 is not a value",
        ),
        (
            "sgd,1e300,0,0,1,0.5,0.5,0.1,1,ok,1.000",
            "learning rate 1e300 is outside what a run can train with",
        ),
        (
            "sgd,1e-300,0,0,1,0.5,0.5,0.1,1,ok,1.000",
            "learning rate 1e-300 is outside",
        ),
    ] {
        std::fs::write(out.join("results.csv"), &clean).unwrap();
        append(&out, row);
        let o = report_in_time(&out);
        refused(&o, 1, &["results.csv, line 3: ", says]);
    }
}

#[test]
fn a_results_file_holding_only_its_header_is_empty_and_resumes() {
    let header =
        "method,lr,decay,seed,epochs,val_accuracy,test_accuracy,train_loss,weight_norm,status,seconds";
    let d = tempfile::tempdir().unwrap();
    for (i, content) in [header, &header[..20]].iter().enumerate() {
        let out = d.path().join(format!("s{i}"));
        study(&out, &[]);
        std::fs::write(out.join("results.csv"), content).unwrap();
        let o = run(&["report", s(&out)]);
        refused(&o, 2, &["holds no results"]);
        assert!(!text(&o).contains("not a wdlab file"), "{}", text(&o));
        let o = sweep(&out, "sgd:0.1:0", &["--epochs", "1"]);
        assert!(o.status.success(), "{}", text(&o));
        let t = std::fs::read_to_string(out.join("results.csv")).unwrap();
        assert!(t.starts_with(&format!("{header}\nsgd,0.1,0,0,1,")), "{t}");
        assert_eq!(t.lines().count(), 2, "{t}");
    }
}
