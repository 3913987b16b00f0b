//! Nothing a command writes may destroy a file it was not asked to replace (issue 21, cases
//! 1–3, 23, 24): `--save` refuses an existing file without `--force` and a path that names a
//! folder, lock files are never followed through links, `norms --train` keeps earlier runs,
//! and an output folder that cannot be written is the same usage error for every command.

mod common;
use common::*;
use std::path::Path;
use std::process::Output;

/// `wdlab train` with [`QUICK_RUN`] and ARGS.
fn train(args: &[&str]) -> Output {
    let mut all = vec!["train"];
    all.extend(QUICK_RUN);
    all.extend(args);
    run(&all)
}

#[test]
fn save_never_replaces_an_existing_file_without_force() {
    let d = tempfile::tempdir().unwrap();
    let study = d.path().join("results.csv");
    std::fs::write(&study, "a study's rows\n").unwrap();
    let o = train(&["--save", s(&study)]);
    refused(&o, 2, &["--save", "the file exists", "--force"]);
    assert!(stdout(&o).is_empty(), "refused before training");
    assert_eq!(std::fs::read_to_string(&study).unwrap(), "a study's rows\n");
    // The run's own files are never the weights' file, --force or not.
    let run = d.path().join("run");
    for own in ["metrics.csv", "config.json"] {
        let target = run.join(own);
        let o = train(&["--out", s(&run), "--save", s(&target), "--force"]);
        refused(&o, 2, &["would replace the run's own", own]);
    }
    // --force works with --save alone, and the command says where the weights went.
    let o = train(&["--save", s(&study), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("weights saved to {}", s(&study))));
    let bytes = std::fs::read(&study).unwrap();
    assert!(safetensors::SafeTensors::deserialize(&bytes).is_ok());
    refused(
        &train(&["--force"]),
        2,
        &["--force replaces", "--out", "--save"],
    );
}

#[test]
fn save_paths_that_name_a_folder_are_refused_before_training() {
    let d = tempfile::tempdir().unwrap();
    let same = d.path().join("same");
    let o = train(&["--out", s(&same), "--save", s(&same)]);
    refused(
        &o,
        2,
        &["names the --out folder itself", "model.safetensors"],
    );
    assert!(!same.exists(), "nothing was created");
    let slash = format!("{}/a.safetensors/", s(d.path()));
    let o = train(&["--save", &slash]);
    refused(&o, 2, &["a path ending in / names a folder"]);
    assert!(stdout(&o).is_empty(), "refused before training");
}

/// A tiny sweep into `out`.
fn tiny_sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", "--out", s(out), "--grid", "sgd:0.1:0"];
    args.extend(TINY_STUDY);
    args.extend(extra);
    run(&args)
}

#[cfg(unix)]
#[test]
fn a_link_planted_as_a_lock_file_is_refused_and_its_target_kept() {
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    for lock in [".results.csv.lock", ".sweep.lock"] {
        let out = d.path().join(format!("s{lock}"));
        std::fs::create_dir_all(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(lock)).unwrap();
        let o = tiny_sweep(&out, &[]);
        refused(
            &o,
            1,
            &[lock, "is not a lock file wdlab wrote", "remove it"],
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }
}

#[test]
fn norms_train_keeps_earlier_runs_and_refuses_a_decay_given_twice() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("n");
    let norms = |extra: &[&str]| {
        let mut args = vec!["norms", "--train", "--out", s(&out)];
        args.extend(QUICK_RUN);
        args.extend(extra);
        run(&args)
    };
    let o = norms(&["--decays", "0,0.001,0"]);
    refused(&o, 2, &["--decays", "0 twice"]);
    assert!(!out.join("runs").exists(), "nothing trained");
    let o = norms(&["--decays", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let metrics = out.join("runs/sgdw-wd0/metrics.csv");
    let before = std::fs::read_to_string(&metrics).unwrap();
    let o = norms(&["--decays", "0", "--seed", "1"]);
    refused(&o, 2, &["already holds", "sgdw-wd0", "--force"]);
    assert_eq!(std::fs::read_to_string(&metrics).unwrap(), before);
    let o = norms(&["--decays", "0", "--seed", "1", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(std::fs::read_to_string(&metrics).unwrap(), before);
}

#[test]
fn an_output_folder_that_cannot_be_made_is_a_usage_error_for_every_command() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let under = file.join("sub");
    refused(&train(&["--out", s(&under)]), 2, &["--out", "a-file"]);
    refused(&tiny_sweep(&under, &[]), 2, &["--out", "a-file"]);
}
