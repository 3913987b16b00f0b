//! The binary works from any folder (as after `cargo install`): the bundled MNIST is compiled
//! in, and `--data-dir` or WDLAB_DATA_DIR point elsewhere.

use std::process::{Command, Output};

fn wdlab_in(dir: &std::path::Path, env: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wdlab"));
    c.current_dir(dir).args(args).env_remove("WDLAB_DATA_DIR");
    if let Some(v) = env {
        c.env("WDLAB_DATA_DIR", v);
    }
    c.output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const P: &[&str] = &[
    "--train-size",
    "500",
    "--epochs",
    "1",
    "--hidden",
    "16",
    "--quiet",
];

#[test]
fn the_bundled_mnist_is_found_from_any_folder_and_can_be_overridden() {
    let d = tempfile::tempdir().unwrap();
    let mut train = vec!["train"];
    train.extend(P);
    let o = wdlab_in(d.path(), None, &train);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("final test accuracy"), "{}", text(&o));
    // The environment variable stands in for --data-dir, and the flag wins over it.
    let o = wdlab_in(d.path(), Some("/nonexistent/mnist"), &train);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("/nonexistent/mnist/train-images-idx3-ubyte")
            && text(&o).contains("WDLAB_DATA_DIR"),
        "{}",
        text(&o)
    );
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let mut with_flag = train.clone();
    with_flag.extend(["--data-dir", bundled]);
    let o = wdlab_in(d.path(), Some("/nonexistent/mnist"), &with_flag);
    assert!(o.status.success(), "{}", text(&o));
}
