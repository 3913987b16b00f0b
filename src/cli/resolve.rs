//! Arguments → validated domain values for the commands that train or draw outside a study
//! (train, trajectory, norms, bench; the study commands' are in [`super::resolve_study`]):
//! defaults applied, flags that do not belong to the chosen method refused, and every value
//! checked by the domain type's own constructor, so the commands receive only values they can
//! trust.

use super::args::*;
use crate::error::usage;
use crate::norms::NormsTraining;
use crate::optim::{DecayKind, Hyper, OptimConfig};
use crate::train::{DataConfig, RunBuilder, RunConfig, TrainConfig};
use crate::trajectory::{
    surface_defaults, Point, Quadratic, Surface, SurfaceKind, TrajectoryConfig,
};

/// The hidden widths of a command that trains outside a study.
const DEFAULT_HIDDEN: [usize; 1] = [1024];

/// `wdlab train`'s flags, resolved.
pub(crate) fn train_config(a: &TrainArgs) -> anyhow::Result<TrainConfig> {
    check_data_seed(&a.label_noise, a.label_noise.label_noise.unwrap_or(0.0))?;
    let data = if a.hub {
        DataConfig::from_hub(a.val_size, a.train_size.train_size)?
    } else {
        DataConfig::from_dir(&a.data_dir.data_dir, a.val_size, a.train_size.train_size)
    }
    .with_label_noise(
        a.label_noise.label_noise.unwrap_or(0.0),
        a.label_noise.data_seed.unwrap_or(0),
    )?;
    let run = run_builder(a.epochs, a.batch_size, &a.hidden, a.seed, a.device.device)
        .eval_every(a.eval_every)
        .build()?;
    Ok(TrainConfig::new(optim_config(&a.optim)?, run, data)
        .writing(a.out.clone(), a.save.clone())
        .quiet(a.quiet.quiet))
}

/// `--data-seed` picks the labels that label noise replaces; without noise it would be a
/// setting that changes nothing yet splits one study in two.
pub(super) fn check_data_seed(a: &LabelNoiseArg, noise: f64) -> anyhow::Result<()> {
    match a.data_seed {
        Some(seed) if noise == 0.0 => Err(usage(format!(
            "--data-seed {seed} picks which training labels --label-noise replaces, and there is \
             no label noise here: drop --data-seed, or add --label-noise P"
        ))),
        _ => Ok(()),
    }
}

fn hidden(a: &HiddenArg) -> Vec<usize> {
    a.hidden.clone().unwrap_or(DEFAULT_HIDDEN.to_vec())
}

/// A run of a command that trains outside a study: its length, batch, network (the
/// `--hidden` widths and `--norm`), seed and device.
fn run_builder(
    epochs: usize,
    batch_size: usize,
    h: &HiddenArg,
    seed: u64,
    device: crate::device::DeviceSpec,
) -> RunBuilder {
    RunConfig::builder()
        .epochs(epochs)
        .batch_size(batch_size)
        .hidden(hidden(h))
        .norm(h.norm.unwrap_or_default())
        .seed(seed)
        .device(device)
}

/// The optimiser flags, refusing those that do not belong to the method.
fn optim_config(a: &OptimArgs) -> anyhow::Result<OptimConfig> {
    let m = a.optimizer;
    let misplaced = |flag: &str, value: Option<f64>, allowed: bool, hint: &str| {
        if value.is_some() && !allowed {
            Err(usage(format!(
                "{flag} does not apply to --optimizer {m}; {hint}"
            )))
        } else {
            Ok(())
        }
    };
    let partner = m.partner();
    let (l2, wd) = match m.decay_kind() {
        DecayKind::L2 => (true, false),
        DecayKind::Decoupled => (false, true),
    };
    let hint = format!("use {partner} for {}", partner.decay_flag());
    misplaced(
        "--l2",
        a.l2,
        l2,
        &format!("the decoupled methods take --wd λ' ({hint}, an L2 penalty)"),
    )?;
    misplaced(
        "--wd",
        a.wd,
        wd,
        &format!("the L2 methods take an L2 penalty --l2 λ ({hint}, decoupled decay)"),
    )?;
    let mut b = OptimConfig::builder(m);
    for (h, v) in a.hypers() {
        let takes: Vec<&str> = m.def().hypers().iter().map(|h| h.flag()).collect();
        let hint = match h {
            Hyper::Momentum if m.takes(Hyper::Beta1) => {
                format!("{}'s momentum is --beta1", m.def().direction_name())
            }
            _ if m.takes(Hyper::Momentum) => "SGD's momentum is --momentum".to_string(),
            _ => format!("{m} takes {}", takes.join(", ")),
        };
        misplaced(h.flag(), v, m.takes(h), &hint)?;
        if let Some(v) = v {
            b = b.hyper(h, v);
        }
    }
    if let Some(lr) = a.lr {
        b = b.lr(lr);
    }
    if let Some(d) = a.l2.or(a.wd) {
        b = b.decay(d);
    }
    if let Some(s) = a.rule.wd_scaling {
        b = b.wd_scaling(s);
    }
    if let Some(s) = a.rule.schedule {
        b = b.schedule(s);
    }
    b.decay_biases(!a.rule.no_decay_biases).build()
}

/// `wdlab trajectory`'s flags, with each surface's defaults.
pub(crate) fn trajectory_config(a: &TrajectoryArgs) -> anyhow::Result<TrajectoryConfig> {
    let (start, lr, steps, lambdas) = surface_defaults(a.surface);
    let surface = match a.surface {
        SurfaceKind::Quadratic => {
            let d = Quadratic::default();
            Surface::Quadratic(Quadratic {
                minimum: pair("--minimum", &a.minimum, d.minimum)?,
                curvatures: pair("--curvatures", &a.curvatures, d.curvatures)?,
                rotation_deg: a.rotation.unwrap_or(d.rotation_deg),
            })
        }
        other => {
            let quadratic_flags = [
                ("--minimum", a.minimum.is_some()),
                ("--curvatures", a.curvatures.is_some()),
                ("--rotation", a.rotation.is_some()),
            ];
            if let Some((flag, _)) = quadratic_flags.iter().find(|(_, given)| *given) {
                return Err(usage(format!(
                    "{flag} sets the quadratic; it does not apply to --surface {}",
                    other.name()
                )));
            }
            Surface::default_of(other)
        }
    };
    TrajectoryConfig::new(
        surface,
        pair("--start", &a.start, start)?,
        a.lr.unwrap_or(lr),
        a.steps.unwrap_or(steps),
        a.decays.as_deref().unwrap_or(&lambdas),
    )
}

/// Two comma-separated numbers, or `default` when the flag is not given.
fn pair(flag: &str, given: &Option<Vec<f64>>, default: Point) -> anyhow::Result<Point> {
    match given.as_deref() {
        None => Ok(default),
        Some(&[x, y]) => Ok([x, y]),
        Some(v) => Err(usage(format!(
            "{flag} takes two comma-separated numbers (e.g. {flag} 2,1), got {}",
            v.len()
        ))),
    }
}

/// The runs `wdlab norms --train` trains (None without --train).
pub(crate) fn norms_training(a: &NormsArgs) -> anyhow::Result<Option<NormsTraining>> {
    if !a.train {
        return Ok(None);
    }
    let optims = a
        .decays
        .iter()
        .map(|&d| {
            let b = OptimConfig::builder(a.optimizer).decay(d);
            let b = match a.lr {
                Some(lr) => b.lr(lr),
                None => b,
            };
            // The message names --l2/--wd; here the flag is --decays.
            b.build().map_err(|e| usage(format!("--decays {d}: {e}")))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let train_size = a.train_size.train_size.unwrap_or(5000);
    Ok(Some(NormsTraining {
        optims,
        run: run_builder(a.epochs, a.batch_size, &a.hidden, a.seed, a.device.device).build()?,
        data: DataConfig::from_dir(&a.data_dir.data_dir, 0, Some(train_size)),
        out: a.out.clone(),
        force: a.force,
        quiet: a.quiet.quiet,
    }))
}

/// `wdlab bench`'s run (its epochs, the smallest batch size to check) and data.
pub(crate) fn bench_plan(a: &BenchArgs) -> anyhow::Result<(RunConfig, DataConfig)> {
    let smallest_batch = a.batch_sizes.iter().copied().min().unwrap_or(0);
    let run = run_builder(a.epochs, smallest_batch, &a.hidden, 0, a.device.device).build()?;
    if a.population == Some(0) {
        return Err(usage("--population N needs N ≥ 1 (6 times a 6×6 grid)"));
    }
    let data = DataConfig::from_dir(&a.data_dir.data_dir, 0, a.train_size.train_size);
    Ok((run, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// The command `wdlab COMMAND ARGS` parses to.
    fn parse(command: &[&str], args: &[&str]) -> Command {
        let argv = ["wdlab"].iter().chain(command).chain(args);
        Cli::try_parse_from(argv).unwrap().command
    }

    #[test]
    fn trajectory_takes_negative_pairs_and_keeps_quadratic_flags_to_the_quadratic() {
        let resolve = |args: &[&str]| match parse(&["trajectory", "--out", "x"], args) {
            Command::Trajectory(a) => trajectory_config(&a),
            _ => unreachable!(),
        };
        let cfg = resolve(&["--start", "-1,-2", "--minimum", "-3,1", "--rotation", "-45"]).unwrap();
        assert_eq!(cfg.start, [-1.0, -2.0]);
        match cfg.surface {
            Surface::Quadratic(q) => {
                assert_eq!(q.minimum, [-3.0, 1.0]);
                assert_eq!(q.rotation_deg, -45.0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(resolve(&[]).unwrap().lambdas, vec![0.0, 0.3, 3.0]);
        for (bad, says) in [
            (
                &["--surface", "two-basin", "--minimum", "1,1"][..],
                "does not apply to --surface two-basin",
            ),
            (
                &["--start", "1,2,3"],
                "--start takes two comma-separated numbers",
            ),
            (&["--steps", "0"], "--steps 0 takes no step"),
            (&["--decays", "0.1,-1"], "every λ must be zero or positive"),
        ] {
            let e = resolve(bad).unwrap_err();
            assert_eq!(
                crate::error::exit_code(&e),
                crate::error::exit::USAGE,
                "{bad:?}: {e}"
            );
            assert!(e.to_string().contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn train_defaults_follow_the_method() {
        let cfg = |args: &[&str]| match parse(&["train"], args) {
            Command::Train(a) => train_config(&a),
            _ => unreachable!(),
        };
        let sgdw = cfg(&["--optimizer", "sgdw"]).unwrap();
        assert_eq!((sgdw.optim().lr(), sgdw.optim().decay()), (0.1, 1e-4));
        let adam = cfg(&["--optimizer", "adam"]).unwrap();
        assert_eq!((adam.optim().lr(), adam.optim().decay()), (1e-3, 0.0));
        assert_eq!(adam.run().hidden(), vec![1024]);
        let e = cfg(&["--optimizer", "adam", "--momentum", "0.9"]).unwrap_err();
        assert!(e.to_string().contains("Adam's momentum is --beta1"), "{e}");
    }
}
