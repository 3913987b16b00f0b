//! One function per subcommand: turn validated arguments into calls of the library and
//! print what the user asked for.

use crate::cli::{BenchArgs, Command, DataArgs, NormsArgs, RunArgs, TrainArgs, TrajectoryArgs};
use crate::config::{DataConfig, RunConfig, TrainConfig};
use crate::error::usage;
use crate::metrics::{write_config_json, MetricsFile};
use crate::optim::{Method, OptimConfig, WdScaling};
use crate::train::{self, DeviceData, Progress};
use crate::trajectory;
use anyhow::Context;

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Train(args) => train(&args),
        Command::Bench(args) => bench(&args),
        Command::Trajectory(args) => trajectory(&args),
        Command::Norms(args) => norms(&args),
        Command::Compare(args) => self::compare(&args),
        Command::Sweep(args) => self::sweep(&args),
        Command::Report(args) => self::report(&args),
        Command::Reproduce(args) => self::reproduce(&args),
    }
}

/// A one-line description of an optimiser with its update rule's coefficients.
pub fn describe_optim(c: &OptimConfig) -> String {
    let decay = if c.method.is_decoupled() {
        let rule = match c.wd_scaling {
            WdScaling::Paper => "θ ← θ − η_t·λ'·θ, paper",
            WdScaling::Lr => "θ ← θ − η_t·α·λ'·θ, PyTorch",
        };
        format!("λ' = {} ({rule})", c.decay)
    } else {
        format!("λ = {} (L2: g ← g + λθ)", c.decay)
    };
    let extra = if c.method.is_adaptive() {
        format!("β₁ {} β₂ {} ε {}", c.beta1, c.beta2, c.eps)
    } else {
        format!("momentum {}", c.momentum)
    };
    format!(
        "{} α = {}, {decay}, {extra}, {:?} schedule{}",
        c.method,
        c.lr,
        c.schedule,
        if c.decay_biases {
            ""
        } else {
            ", biases exempt"
        }
    )
    .replace("Constant", "constant")
    .replace("Cosine", "cosine")
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let cfg = TrainConfig::from_args(args)?;
    let device = cfg.run.device_spec().open()?;
    let mnist = cfg.data.load()?;
    if !cfg.quiet {
        println!(
            "{} | {} train, {} validation, {} test images | {} epochs of batch {} | {}",
            describe_optim(&cfg.optim),
            mnist.train.len(),
            mnist.val.as_ref().map_or(0, |v| v.len()),
            mnist.test.len(),
            cfg.run.epochs,
            cfg.run.batch_size,
            cfg.run.device
        );
    }
    let data = DeviceData::new(&mnist, &device)?;
    let mut metrics = match &cfg.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create --out folder {}", dir.display()))?;
            write_config_json(&dir.join("config.json"), &cfg)?;
            Some(MetricsFile::create(&dir.join("metrics.csv"))?)
        }
        None => None,
    };
    let progress = Progress {
        quiet: cfg.quiet,
        ..Progress::default()
    };
    let trained = train::train(&cfg.optim, &cfg.run, &data, &progress, &mut |r| {
        if !cfg.quiet {
            println!("{}", train::epoch_line("", cfg.run.epochs, r));
        }
        match metrics.as_mut() {
            Some(m) => m.push(r),
            None => Ok(()),
        }
    })?;
    if let Some(path) = &cfg.save {
        trained
            .model
            .save(path)
            .with_context(|| format!("cannot save the weights to {}", path.display()))?;
    }
    if let Some(last) = trained.records.last() {
        let secs: f64 = trained.records.iter().map(|r| r.seconds).sum();
        println!(
            "final test accuracy {:.2}% (test loss {:.4}) after {} epochs, {:.2} s/epoch",
            100.0 * last.test_accuracy,
            last.test_loss,
            last.epoch,
            secs / cfg.run.epochs as f64
        );
    }
    Ok(())
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    // Validate like `train` does: the same flags mean the same checks.
    let run = RunConfig::from_args(&RunArgs {
        epochs: args.epochs,
        batch_size: args.batch_sizes.iter().copied().min().unwrap_or(0),
        hidden: args.hidden.clone(),
        eval_every: 1,
        seed: 0,
        device: args.device.clone(),
        quiet: true,
    })?;
    let data_cfg = DataConfig::from_args(&DataArgs {
        data_dir: crate::data::DEFAULT_DATA_DIR.into(),
        hub: false,
        val_size: 0,
        train_size: args.train_size,
    })?;
    let device = run.device_spec().open()?;
    let data = DeviceData::new(&data_cfg.load()?, &device)?;
    if let Some(side) = args.population {
        return bench_population(args, side, &run, &data);
    }
    let sgemm = crate::bench::sgemm_gflops(&device)?;
    if !args.json {
        println!(
            "sgemm 2048³ on {}: {sgemm:.0} GFLOP/s; {} training images, hidden {:?}, {} timed epoch(s) after 1 warm-up",
            run.device,
            data.train.len(),
            run.hidden,
            run.epochs.saturating_sub(1).max(1)
        );
        println!("| method | batch | s/epoch | samples/s | GFLOP/s | of sgemm | test acc |");
        println!("|---|---|---|---|---|---|---|");
    }
    for &batch in &args.batch_sizes {
        for &method in &args.methods {
            let r =
                crate::bench::bench_method(method, batch, run.epochs, &run.hidden, &data, sgemm)?;
            if args.json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "| {} | {} | {:.3} | {:.0} | {:.0} | {:.0} % | {:.2} % |",
                    r.method,
                    r.batch_size,
                    r.seconds_per_epoch,
                    r.samples_per_s,
                    r.gflops,
                    100.0 * r.sgemm_fraction,
                    100.0 * r.test_accuracy
                );
            }
        }
    }
    Ok(())
}

fn bench_population(
    args: &BenchArgs,
    side: usize,
    run: &RunConfig,
    data: &DeviceData,
) -> anyhow::Result<()> {
    if side == 0 {
        return Err(crate::error::usage(
            "--population N needs N ≥ 1 (6 times a 6×6 grid)",
        ));
    }
    let run = RunConfig {
        eval_every: run.epochs,
        ..run.clone()
    };
    // Side by side only where --jobs would run so: one run per core on the CPU.
    let jobs = crate::jobs::default_jobs(&args.device);
    if !args.json {
        println!(
            "{side}×{side} grid, {} training images, {} epoch(s), batch {}: {} single runs one \
             at a time, as one population{}",
            data.train.len(),
            run.epochs,
            run.batch_size,
            side * side,
            if jobs > 1 {
                format!(", and {jobs} at a time side by side (--jobs)")
            } else {
                String::new()
            }
        );
        println!(
            "| method | cells | one at a time s | population s | speed-up | speed-up, training \
             steps only | side by side s | speed-up | max Δ test acc (points), population / \
             side by side |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
    }
    for &method in &args.methods {
        let r = crate::bench::bench_population(method, side, &run, data, jobs)?;
        if args.json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            let side_by_side = match r.side_by_side_seconds {
                Some(s) => format!(
                    "{s:.1} ({} jobs) | {:.2}×",
                    r.jobs,
                    r.sequential_seconds / s
                ),
                None => "– | –".into(),
            };
            println!(
                "| {} | {} | {:.1} | {:.1} | {:.2}× | {:.2}× | {side_by_side} | {:.3} / {} |",
                r.method,
                r.cells,
                r.sequential_seconds,
                r.population_seconds,
                r.sequential_seconds / r.population_seconds,
                r.sequential_train_seconds / r.population_train_seconds,
                r.max_accuracy_diff_points,
                r.side_by_side_max_accuracy_diff_points
                    .map_or("–".into(), |d| format!("{d:.3}"))
            );
        }
    }
    Ok(())
}

fn trajectory(args: &TrajectoryArgs) -> anyhow::Result<()> {
    let cfg = trajectory::TrajectoryConfig::from_args(args)?;
    println!("{}", cfg.describe());
    let (runs, files) = trajectory::write_outputs(&cfg, &args.out)?;
    let rows = trajectory::table_rows(&cfg.surface, &runs);
    print!("{}", trajectory::format_table(&rows));
    if let Some(note) = trajectory::convergence_note(&rows, cfg.steps) {
        println!("{note}");
    }
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

fn norms(args: &NormsArgs) -> anyhow::Result<()> {
    let lines = if args.train {
        trajectory::train_norm_runs(args)?
    } else {
        trajectory::read_norm_runs(&args.runs)?
    };
    print!("{}", trajectory::format_norms_table(&lines));
    let svg = trajectory::draw_norms(&lines, &trajectory::norms_title(args), &args.out)?;
    println!("wrote {}", svg.display());
    Ok(())
}

/// Resolves a preset and the flags that override it.
fn study_spec(
    a: &crate::cli::StudyArgs,
) -> anyhow::Result<(crate::study::PresetSpec, crate::sweep::Runtime)> {
    let mut spec = crate::study::preset(a.preset);
    let s = &mut spec.study;
    if let Some(n) = a.train_size {
        s.train_size = Some(n);
    }
    s.val_size = a.val_size.unwrap_or(s.val_size);
    s.epochs = a.epochs.unwrap_or(s.epochs);
    s.batch_size = a.batch_size.unwrap_or(s.batch_size);
    s.hidden = a.hidden.clone().unwrap_or(s.hidden.clone());
    s.schedule = a.schedule.unwrap_or(s.schedule);
    s.momentum = a.momentum.unwrap_or(s.momentum);
    s.wd_scaling = a.wd_scaling.unwrap_or(s.wd_scaling);
    s.decay_biases = !a.no_decay_biases;
    spec.eval_every = a.eval_every.unwrap_or(spec.eval_every);
    let how = crate::sweep::Runtime {
        data_dir: a.data_dir.clone(),
        device: a.device.clone(),
        eval_every: spec.eval_every,
        quiet: a.quiet,
        cells: a
            .cells
            .unwrap_or_else(|| crate::sweep::CellBackend::default_for(&a.device)),
        jobs: a
            .jobs
            .unwrap_or_else(|| crate::jobs::default_jobs(&a.device)),
    };
    crate::jobs::check_jobs(how.jobs, &how.device)?;
    crate::study::validate_study(&spec.study, &how)?;
    Ok((spec, how))
}

fn compare(args: &crate::cli::CompareArgs) -> anyhow::Result<()> {
    use crate::study::parse_setting;
    let (spec, mut how) = study_spec(&args.study)?;
    if args.study.eval_every.is_none() {
        // Curves want more points than a sweep's cells do.
        how.eval_every = 5;
    }
    let methods = if args.methods.is_empty() {
        Method::ALL.to_vec()
    } else {
        args.methods.clone()
    };
    let mut settings = Vec::new();
    for m in methods {
        let flag = match m {
            Method::Sgd => &args.sgd,
            Method::Sgdw => &args.sgdw,
            Method::Adam => &args.adam,
            Method::Adamw => &args.adamw,
        };
        let (lr, decay) = match flag {
            Some(s) => parse_setting(&format!("--{m}"), s)?,
            None => spec
                .compare
                .iter()
                .find(|c| c.0 == m)
                .map(|c| (c.1, c.2))
                .expect("every preset has a setting per method"),
        };
        settings.push((m, lr, decay));
    }
    if args.seeds == 0 {
        return Err(usage("--seeds 0 trains nothing; give at least 1"));
    }
    let dir = args.out.clone().unwrap_or_else(|| {
        std::path::PathBuf::from("out").join(format!(
            "compare-{}",
            crate::study::settings_tag(&spec.study, &format!("{settings:?}"))
        ))
    });
    if !how.quiet {
        println!(
            "comparing {} over {} seed(s) into {}",
            settings
                .iter()
                .map(|(m, lr, d)| format!("{m} α={lr} {}={d}", m.decay_flag()))
                .collect::<Vec<_>>()
                .join(", "),
            args.seeds,
            dir.display()
        );
    }
    let lines = crate::compare::compare(&dir, &spec.study, &how, &settings, args.seeds)?;
    println!("\n{}", spec.study.describe());
    println!("{}", crate::compare::table(&lines));
    println!(
        "learning curves: {}  table: {}",
        dir.join("curves.svg").display(),
        dir.join("compare.md").display()
    );
    Ok(())
}

fn sweep(args: &crate::cli::SweepArgs) -> anyhow::Result<()> {
    use crate::sweep::{Grid, MethodGrid, Shard};
    let (spec, how) = study_spec(&args.study)?;
    let mut methods: Vec<MethodGrid> = spec.grid.methods.clone();
    if !args.methods.is_empty() {
        methods.retain(|g| args.methods.contains(&g.method));
    }
    for g in &mut methods {
        if let Some(l) = &args.lrs {
            g.lrs = l.clone();
        }
        if let Some(d) = &args.decays {
            g.decays = d.clone();
        }
    }
    for spec_str in &args.grids {
        let g = crate::study::parse_grid_spec(spec_str)?;
        match methods.iter_mut().find(|m| m.method == g.method) {
            Some(m) => *m = g,
            None => methods.push(g),
        }
    }
    let grid = Grid {
        methods,
        seeds: match args.seeds {
            Some(n) => (0..n as u64).collect(),
            None => spec.grid.seeds.clone(),
        },
    };
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let s = crate::sweep::sweep(&args.out, &spec.study, &grid, shard, &how)?;
    println!(
        "{} cells: {} run now ({} diverged), {} already finished. Next: wdlab report {}",
        s.cells,
        s.ran,
        s.diverged,
        s.skipped,
        args.out.display()
    );
    Ok(())
}

fn report(args: &crate::cli::ReportArgs) -> anyhow::Result<()> {
    if args.equivalence {
        let how = crate::sweep::Runtime {
            data_dir: args.data_dir.clone(),
            device: args.device.clone(),
            eval_every: args.eval_every.max(1),
            quiet: false,
            cells: crate::sweep::CellBackend::Single,
            jobs: crate::jobs::default_jobs(&args.device),
        };
        crate::study::write_equivalence(&args.dir, &how)?;
    }
    let analysis = crate::report::Analysis::load(&args.dir)?;
    let path = crate::report::write_report(&analysis)?;
    for (claim, text) in crate::report::verdicts(&analysis) {
        println!("{claim}\n  {}\n", text.replace("**", ""));
    }
    println!("report: {}", path.display());
    Ok(())
}

fn reproduce(args: &crate::cli::ReproduceArgs) -> anyhow::Result<()> {
    let (spec, how) = study_spec(&args.study)?;
    let path = crate::study::reproduce(&args.out, &spec, &how)?;
    let analysis = crate::report::Analysis::load(&args.out)?;
    for (claim, text) in crate::report::verdicts(&analysis) {
        println!("{claim}\n  {}\n", text.replace("**", ""));
    }
    println!("report: {}", path.display());
    Ok(())
}
