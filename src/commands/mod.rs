//! One module per subcommand: resolve the arguments ([`crate::cli::resolve`]), call the
//! library, print what the user asked for. All printing to stdout lives here.

mod bench;
mod compare;
mod norms;
mod report;
mod reproduce;
mod sweep;
mod train;
mod trajectory;

use crate::analysis::Analysis;
use crate::cli::Command;

/// Runs one subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Train(args) => train::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Trajectory(args) => trajectory::run(&args),
        Command::Norms(args) => norms::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
    }
}

/// The verdict of each claim, as plain text, then where the report is.
fn print_verdicts(analysis: &Analysis, report: &std::path::Path) {
    for (claim, text) in crate::report::verdicts(analysis) {
        println!("{claim}\n  {}\n", text.replace("**", ""));
    }
    println!("report: {}", report.display());
}
