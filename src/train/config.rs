//! What a run is: its length, size, seed and device ([`RunConfig`]), where its data comes from
//! ([`DataConfig`]), and a whole `wdlab train` run ([`TrainConfig`], what config.json holds).
//! Each validates in its constructor, with messages that name the flag and the fix;
//! everything downstream takes these types and trusts them.

use crate::data::{load_dir, DataError, LabelNoise, LoadOptions, Mnist, DEFAULT_DATA_DIR};
use crate::device::DeviceSpec;
use crate::error::usage;
use crate::nn::Norm;
use crate::optim::OptimConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which code trains a run. Not a user choice: tests and the GPU check use [`Engine::Candle`]
/// to run on the CPU the code a GPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The host network ([`crate::nn::CpuNet`]) on the CPU, candle ops on a GPU.
    #[default]
    Auto,
    /// candle ops and the tensor-op optimiser update on any device, the CPU included.
    Candle,
}

impl Engine {
    fn is_auto(&self) -> bool {
        *self == Engine::Auto
    }
}

/// The most epochs a run may have: far more than any study trains for.
pub(crate) const MAX_EPOCHS: usize = 1_000_000;

/// Length, size and seed of a run (no optimiser, no data), checked when built
/// ([`RunConfig::builder`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunConfig {
    epochs: usize,
    batch_size: usize,
    hidden: Vec<usize>,
    /// Normalisation of the hidden layers (left out of config files when none).
    #[serde(skip_serializing_if = "Norm::is_none")]
    norm: Norm,
    seed: u64,
    device: DeviceSpec,
    /// Evaluate every N epochs and after the last.
    eval_every: usize,
    #[serde(skip_serializing_if = "Engine::is_auto")]
    engine: Engine,
}

/// A [`RunConfig`] being built, each value set by name; checked by [`RunBuilder::build`].
#[derive(Debug, Clone)]
pub struct RunBuilder(RunConfig);

impl RunBuilder {
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0.epochs = epochs;
        self
    }

    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }

    pub fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.0.hidden = hidden;
        self
    }

    pub fn norm(mut self, norm: Norm) -> Self {
        self.0.norm = norm;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    pub fn device(mut self, device: DeviceSpec) -> Self {
        self.0.device = device;
        self
    }

    pub fn eval_every(mut self, eval_every: usize) -> Self {
        self.0.eval_every = eval_every;
        self
    }

    pub fn engine(mut self, engine: Engine) -> Self {
        self.0.engine = engine;
        self
    }

    /// The run, or the first value that makes no sense, naming its flag and the fix.
    pub fn build(self) -> anyhow::Result<RunConfig> {
        self.0.validate()?;
        Ok(self.0)
    }
}

impl RunConfig {
    /// A run of one epoch of batch 128 through one hidden layer of 1,024 units, seed 0, on
    /// the CPU, evaluated every epoch, by the automatic engine: `wdlab train`'s defaults.
    pub fn builder() -> RunBuilder {
        RunBuilder(RunConfig {
            epochs: 1,
            batch_size: 128,
            hidden: vec![1024],
            norm: Norm::None,
            seed: 0,
            device: DeviceSpec::Cpu,
            eval_every: 1,
            engine: Engine::Auto,
        })
    }

    /// A builder that starts from this run.
    pub fn rebuild(&self) -> RunBuilder {
        RunBuilder(self.clone())
    }

    pub fn epochs(&self) -> usize {
        self.epochs
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    pub fn norm(&self) -> Norm {
        self.norm
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn device(&self) -> DeviceSpec {
        self.device
    }

    pub fn eval_every(&self) -> usize {
        self.eval_every
    }

    /// Refuses a run that trains nothing, a network without units, or more epochs than a run
    /// can record.
    fn validate(&self) -> anyhow::Result<()> {
        if self.epochs == 0 {
            return Err(usage("--epochs 0 trains nothing; give at least 1"));
        }
        if self.epochs > MAX_EPOCHS {
            return Err(usage(format!(
                "--epochs {} is more than the {MAX_EPOCHS} a run may have (metrics.csv is \
                 rewritten after every evaluated epoch)",
                self.epochs
            )));
        }
        if self.batch_size == 0 {
            return Err(usage(
                "--batch-size must be at least 1 (128 is a good default)",
            ));
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(usage(format!(
                "--hidden {:?}: every hidden layer needs at least one unit (e.g. --hidden 1024 or 512,256)",
                self.hidden
            )));
        }
        if self.eval_every == 0 {
            return Err(usage(
                "--eval-every must be at least 1 (1 evaluates after every epoch)",
            ));
        }
        Ok(())
    }

    /// True when the run trains on the CPU network ([`crate::nn::CpuNet`]) rather than as
    /// candle ops: on the CPU, unless [`Engine::Candle`] asks for the candle path.
    pub(crate) fn trains_on_host(&self, device: &candle_core::Device) -> bool {
        device.is_cpu() && self.engine == Engine::Auto
    }

    /// True when epoch `epoch` (1-based) is evaluated and recorded.
    pub(crate) fn evaluates(&self, epoch: usize) -> bool {
        epoch.is_multiple_of(self.eval_every) || epoch == self.epochs
    }
}

/// Where the data comes from and how it is split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DataConfig {
    data_dir: PathBuf,
    /// Load from the Hugging Face Hub (feature `hub`) instead of `data_dir`.
    hub: bool,
    val_size: usize,
    train_size: Option<usize>,
    /// Training labels replaced by a wrong class (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label_noise: Option<LabelNoise>,
}

impl DataConfig {
    pub(crate) fn val_size(&self) -> usize {
        self.val_size
    }

    pub(crate) fn train_size(&self) -> Option<usize> {
        self.train_size
    }

    pub(crate) fn label_noise(&self) -> Option<&LabelNoise> {
        self.label_noise.as_ref()
    }

    /// The four IDX files in `data_dir`, split as asked.
    pub(crate) fn from_dir(data_dir: &Path, val_size: usize, train_size: Option<usize>) -> Self {
        DataConfig {
            data_dir: data_dir.to_path_buf(),
            hub: false,
            val_size,
            train_size,
            label_noise: None,
        }
    }

    /// The same data with a fraction `fraction` of the training labels replaced by a wrong
    /// class, picked by `data_seed` (a fraction of 0 is no noise).
    pub(crate) fn with_label_noise(self, fraction: f64, data_seed: u64) -> anyhow::Result<Self> {
        let noise = LabelNoise::new(fraction, data_seed).map_err(usage)?;
        Ok(DataConfig {
            label_noise: (fraction > 0.0).then_some(noise),
            ..self
        })
    }

    /// MNIST from the Hugging Face Hub (refused in a build without the `hub` feature).
    pub(crate) fn from_hub(val_size: usize, train_size: Option<usize>) -> anyhow::Result<Self> {
        if !cfg!(feature = "hub") {
            return Err(usage(
                "--hub needs a build with the hub feature: `cargo build --release --features hub` \
                 (without it, wdlab trains on the bundled data/mnist)",
            ));
        }
        Ok(DataConfig {
            data_dir: DEFAULT_DATA_DIR.into(),
            hub: true,
            val_size,
            train_size,
            label_noise: None,
        })
    }

    /// Loads and splits the data; a split the flags make impossible is a usage error, anything
    /// else wrong with the data a runtime error ([`DataError::into_anyhow`]).
    pub(crate) fn load(&self) -> anyhow::Result<Mnist> {
        #[cfg(feature = "hub")]
        if self.hub {
            let mut data =
                crate::data::load_hub(&self.load_options()).map_err(DataError::into_anyhow)?;
            self.corrupt(&mut data)?;
            return Ok(data);
        }
        let mut data =
            load_dir(&self.data_dir, &self.load_options()).map_err(DataError::into_anyhow)?;
        self.corrupt(&mut data)?;
        Ok(data)
    }

    /// The label noise, on the training split alone (validation and test stay clean); a
    /// fraction that would replace no label is refused.
    fn corrupt(&self, data: &mut Mnist) -> anyhow::Result<()> {
        if let Some(noise) = &self.label_noise {
            noise.check_count(data.train.len()).map_err(usage)?;
            noise.apply(&mut data.train.labels);
        }
        Ok(())
    }

    /// Checksums are enforced for the bundled copy and only warned about elsewhere.
    pub(crate) fn load_options(&self) -> LoadOptions {
        LoadOptions {
            val_size: self.val_size,
            train_size: self.train_size,
            strict_checksums: is_bundled(&self.data_dir),
        }
    }
}

/// What names the data in `dir` for a folder derived from it (`compare`'s default --out): empty
/// for the bundled MNIST, so the names of earlier folders stay, else the folder's absolute path.
pub(crate) fn data_identity(dir: &Path) -> String {
    if is_bundled(dir) {
        return String::new();
    }
    dir.canonicalize()
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

/// True when `dir` is the bundled MNIST however it is spelled (`data/mnist`, `./data/mnist/`,
/// an absolute path, a link to it): the working directory's `data/mnist` or the one of the
/// source tree this binary was built from. Its checksums are enforced.
fn is_bundled(dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return dir == Path::new(DEFAULT_DATA_DIR);
    };
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_DATA_DIR);
    [Path::new(DEFAULT_DATA_DIR), &built]
        .iter()
        .any(|b| b.canonicalize().is_ok_and(|b| b == dir))
}

/// A `wdlab train` run, fully resolved (this is what config.json holds): checked parts and
/// where the run writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TrainConfig {
    optim: OptimConfig,
    run: RunConfig,
    data: DataConfig,
    out: Option<PathBuf>,
    save: Option<PathBuf>,
    quiet: bool,
}

impl TrainConfig {
    /// A run of `optim` as `run` says on `data`, writing nothing, with progress shown.
    pub(crate) fn new(optim: OptimConfig, run: RunConfig, data: DataConfig) -> Self {
        TrainConfig {
            optim,
            run,
            data,
            out: None,
            save: None,
            quiet: false,
        }
    }

    /// The same run writing its folder to `out` and its weights to `save`.
    pub(crate) fn writing(self, out: Option<PathBuf>, save: Option<PathBuf>) -> Self {
        TrainConfig { out, save, ..self }
    }

    /// The same run with progress shown or not.
    pub(crate) fn quiet(self, quiet: bool) -> Self {
        TrainConfig { quiet, ..self }
    }

    pub(crate) fn optim(&self) -> &OptimConfig {
        &self.optim
    }

    pub(crate) fn run(&self) -> &RunConfig {
        &self.run
    }

    pub(crate) fn data(&self) -> &DataConfig {
        &self.data
    }

    pub(crate) fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }

    pub(crate) fn save(&self) -> Option<&Path> {
        self.save.as_deref()
    }

    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_noise_touches_the_training_labels_alone_and_the_same_ones_every_time() {
        let clean = DataConfig::from_dir(Path::new(DEFAULT_DATA_DIR), 1000, Some(2000));
        let noisy = clean.clone().with_label_noise(0.3, 7).unwrap();
        let (c, n) = (clean.load().unwrap(), noisy.load().unwrap());
        let changed = (0..c.train.len())
            .filter(|&i| c.train.labels[i] != n.train.labels[i])
            .count();
        assert_eq!(changed, 600, "30 % of 2,000 training labels");
        assert_eq!(c.train.images, n.train.images, "images are never touched");
        let (cv, nv) = (c.val.unwrap(), n.val.unwrap());
        assert_eq!(cv.labels, nv.labels, "validation labels stay clean");
        assert_eq!(c.test.labels, n.test.labels, "test labels stay clean");
        assert_eq!(noisy.load().unwrap().train.labels, n.train.labels);
        // No noise is no field in config.json, so earlier runs' files are unchanged.
        let json = serde_json::to_string(&clean.clone().with_label_noise(0.0, 3).unwrap()).unwrap();
        assert!(!json.contains("label_noise"), "{json}");
        assert!(serde_json::to_string(&noisy)
            .unwrap()
            .contains("\"label_noise\""));
    }
}
