//! The `wdlab` binary: parse, run, print the error chain, exit with the documented code.

use clap::Parser;
use wdlab::error::{exit, exit_code};

fn main() {
    let cli = match wdlab::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            std::process::exit(e.exit_code());
        }
    };
    let code = match wdlab::commands::run(cli.command) {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit_code(&e)
        }
    };
    std::process::exit(code);
}
