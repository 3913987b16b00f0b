//! Answers that were wrong or unclear (issue 21, cases 10–15 and 17–22): each now names the
//! problem and the fix, or does what was asked.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `wdlab sweep --out OUT --grid GRID` with [`TINY_STUDY`] and `extra`.
fn sweep(out: &Path, grid: &str, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", "--out", s(out), "--grid", grid];
    args.extend(TINY_STUDY);
    args.extend(extra);
    run(&args)
}

#[test]
fn learning_rates_outside_f32_are_refused_before_training_and_run_names_stay_short() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let o = sweep(&out, "adam:1e-300,1e-3:0", &[]);
    refused(
        &o,
        2,
        &["--lr 1e-300 is outside what f32 arithmetic can train with"],
    );
    assert!(!out.join("study.json").exists(), "refused before anything");
    ok(&sweep(&out, "adam:1e-30:0", &[]));
    assert!(out
        .join("runs/adam_lr1e-30_l20_seed0/metrics.csv")
        .is_file());
}

#[test]
fn label_noise_round_trips_through_study_json_and_is_reported_as_given() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let noise = ["--label-noise", "0.9999999999999999"];
    ok(&sweep(&out, "sgd:0.1:0", &noise));
    let again = ok(&sweep(&out, "sgd:0.1:0", &noise));
    assert!(again.contains("1 already finished"), "{again}");
    ok(&run(&["report", s(&out)]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("99.99999999999999 % of the training labels (300 of 300)"),
        "{md}"
    );
    let out7 = d.path().join("s7");
    ok(&sweep(&out7, "sgd:0.1:0", &["--label-noise", "0.07"]));
    ok(&run(&["report", s(&out7)]));
    let md = std::fs::read_to_string(out7.join("report.md")).unwrap();
    assert!(
        md.contains(", 7 % of the training labels (21 of 300)"),
        "{md}"
    );
}

#[test]
fn sgd_momentum_for_adam_alone_is_refused_as_train_refuses_it() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let o = sweep(&out, "adamw:1e-3:0", &["--momentum", "0.9"]);
    refused(
        &o,
        2,
        &["--momentum 0.9 does not apply to adamw", "--beta1"],
    );
    let mut args = vec!["compare", "--methods", "adam", "--momentum", "0.9"];
    args.extend(TINY_STUDY);
    refused(&run(&args), 2, &["does not apply to adam", "--beta1"]);
}

#[test]
fn a_data_seed_without_label_noise_is_refused() {
    let o = run(&["train", "--data-seed", "3", "--quiet"]);
    refused(
        &o,
        2,
        &["--data-seed 3 picks which training labels", "--label-noise"],
    );
    let d = tempfile::tempdir().unwrap();
    let o = sweep(&d.path().join("s"), "sgd:0.1:0", &["--data-seed", "3"]);
    refused(&o, 2, &["--data-seed 3"]);
}

#[test]
fn label_noise_that_replaces_no_label_is_refused_with_the_count() {
    let o = run(&[
        "train",
        "--train-size",
        "300",
        "--label-noise",
        "0.001",
        "--epochs",
        "1",
        "--quiet",
    ]);
    refused(&o, 2, &["replaces round(0.001 × 300) = 0 labels", "1/300"]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_sweep_between_rows_says_how_to_resume_and_exits_130() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let mut args = vec![
        "sweep",
        "--out",
        s(&out),
        "--grid",
        "sgd:0.05,0.1,0.2:0,1e-3",
    ];
    args.extend(&TINY_STUDY[..2]);
    args.extend(["--epochs", "100", "--jobs", "1", "--eval-every", "1"]);
    args.extend(&TINY_STUDY[4..]);
    let child = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .current_dir(REPO)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let results = out.join("results.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&results).map_or(0, |t| t.lines().count()) < 2 {
        assert!(start.elapsed() < Duration::from_secs(120), "no row written");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    refused(
        &o,
        130,
        &[
            "interrupted (Ctrl-C)",
            "run the same command again to resume",
        ],
    );
    let t = std::fs::read_to_string(&results).unwrap();
    assert!(t.ends_with('\n'), "no torn row: {t}");
    let before = t.lines().count() - 1;
    assert!(before < 6, "stopped early: {before} rows");
    ok(&run(&args));
    let t = std::fs::read_to_string(&results).unwrap();
    assert_eq!(t.lines().count() - 1, 6, "{t}");
}

#[test]
fn one_data_folder_gets_one_checksum_rule_however_it_is_spelled() {
    let d = tempfile::tempdir().unwrap();
    altered_mnist(&d.path().join("data/mnist"));
    for spelling in ["data/mnist", "./data/mnist/", "data/../data/mnist"] {
        let o = wdlab_in(
            d.path(),
            &[
                "train",
                "--data-dir",
                spelling,
                "--train-size",
                "300",
                "--epochs",
                "1",
                "--quiet",
            ],
        );
        refused(&o, 1, &["SHA-256", "git checkout"]);
    }
}

#[test]
fn compare_on_other_data_gets_its_own_folder() {
    let d = tempfile::tempdir().unwrap();
    // Not under the working folder's data/mnist, which would count as the bundled copy.
    let other = altered_mnist(&d.path().join("elsewhere/data/mnist"));
    let bundled = Path::new(REPO).join("data/mnist");
    let mut folders = Vec::new();
    for data in [bundled.as_path(), other.as_path()] {
        let mut args = vec!["compare", "--methods", "sgd", "--data-dir", s(data)];
        args.extend(TINY_STUDY);
        let t = ok(&wdlab_in(d.path(), &args));
        let line = t
            .lines()
            .find(|l| l.contains("table: "))
            .unwrap()
            .to_string();
        folders.push(line);
    }
    assert_ne!(folders[0], folders[1]);
}

#[test]
fn with_every_decay_zero_the_adam_pair_is_not_called_different() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    ok(&sweep(&out, "adam:1e-3:0", &["--grid", "adamw:1e-3:0"]));
    ok(&run(&["report", s(&out)]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains("still visible"), "{md}");
    assert!(md.contains("where the two are the same algorithm"), "{md}");
}

#[test]
fn a_repeated_list_flag_is_refused() {
    let o = run(&["train", "--hidden", "32", "--hidden", "16", "--quiet"]);
    refused(
        &o,
        2,
        &["'--hidden <HIDDEN>' cannot be used multiple times"],
    );
}

#[test]
fn an_unreadable_equivalence_file_is_named_and_computed_afresh() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    ok(&sweep(&out, "sgd:0.1:0,1e-3", &[]));
    let eq = out.join("equivalence.json");
    std::fs::write(&eq, "{").unwrap();
    let o = run(&["report", s(&out)]);
    refused(
        &o,
        1,
        &[
            "equivalence.json is not a wdlab equivalence check",
            "--equivalence",
        ],
    );
    let t = ok(&run(&[
        "report",
        s(&out),
        "--equivalence",
        "--eval-every",
        "1",
    ]));
    assert!(t.contains("equivalence.json.unreadable"), "{t}");
    assert!(std::fs::read_to_string(&eq)
        .unwrap()
        .contains("max_param_diff"));
    std::fs::remove_file(&eq).unwrap();
    std::fs::create_dir(&eq).unwrap();
    let o = run(&["report", s(&out), "--equivalence"]);
    refused(&o, 2, &[s(&eq), "is a folder", "move it away"]);
}

#[test]
fn a_corrupt_run_metrics_file_is_named_when_the_curves_leave_it_out() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    ok(&sweep(&out, "sgd:0.1:0", &[]));
    let metrics = out.join("runs/sgd_lr0.1_l20_seed0/metrics.csv");
    std::fs::write(&metrics, "nonsense\n").unwrap();
    let t = ok(&run(&["report", s(&out)]));
    assert!(t.contains("warning: ") && t.contains("metrics.csv"), "{t}");
}

#[test]
fn completions_and_the_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish"] {
        let t = ok(&run(&["completions", shell]));
        assert!(
            t.contains("--wd-scaling") && t.contains("reproduce"),
            "{shell}: {t}"
        );
    }
    let man = ok(&run(&["man"]));
    assert!(
        man.starts_with(".ie") && man.contains(".TH wdlab 1"),
        "{man}"
    );
    refused(&run(&["completions", "tcsh"]), 2, &["invalid value 'tcsh'"]);
}

#[test]
fn every_help_lists_the_exit_codes_and_every_command_takes_quiet() {
    for cmd in [
        "train",
        "bench",
        "trajectory",
        "norms",
        "compare",
        "sweep",
        "report",
        "reproduce",
    ] {
        let help = ok(&run(&[cmd, "--help"]));
        assert!(
            help.contains("Exit codes: 0 success") && help.contains("130"),
            "{cmd}"
        );
        assert!(help.contains("--quiet"), "{cmd} has no --quiet");
    }
    let help = ok(&run(&["--help"]));
    assert!(help.contains("Exit codes:"), "{help}");
    // Each command's help is true for that command.
    let compare = ok(&run(&["compare", "--help"]));
    assert!(
        compare.contains("learning curves [default: 5]"),
        "{compare}"
    );
    let train = ok(&run(&["train", "--help"]));
    assert!(!train.contains("preset"), "{train}");
    let bench = ok(&run(&["bench", "--help"]));
    assert!(!bench.contains("(--jobs)"), "{bench}");
}
