//! wdlab: what weight decay does, and why it is not L2 regularisation for Adam, on MNIST.
//!
//! The modules, from the bottom up; each uses only modules above it in this list (`plot` is a
//! leaf any may use), and nothing but `commands` uses `cli`:
//!
//! - [`util`]: the one atomic write, number formatting, CSV rows, statistics;
//!   [`error`]: failures and exit codes.
//! - [`device`]: `--device` as a typed [`device::DeviceSpec`], CPU floating-point settings.
//! - [`data`]: the MNIST IDX files, checked and split.
//! - [`optim`]: the four methods as one coefficient table, their kernels and front ends.
//! - [`nn`]: the MLP (candle), the CPU network (host buffers + gemm), the population MLP.
//! - [`progress`]: bars and lines; [`jobs`]: runs side by side on the cores.
//! - [`train`]: run configurations, data on the device, the learners, the loop, metrics.
//! - [`study`]: settings, grid and shards, results files, study folders, running cells,
//!   sweep, presets, the equivalence check, compare's runs.
//! - [`analysis`]: best cells, per-α best decays and the coupling fit of a study folder.
//! - [`report`]: verdicts, figures and report.md (and compare.md).
//! - [`map`]: regime maps, one study per value of an axis, read against two limits.
//! - Side rooms: [`plot`] (SVG figures), [`trajectory`] (paths on 2-D surfaces), [`norms`]
//!   (‖θ‖ over epochs on MNIST), [`bench`] (timings).
//! - [`cli`]: the flags and the resolve step; [`commands`]: one module per subcommand.

pub mod analysis;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod data;
pub mod device;
pub mod error;
pub mod jobs;
pub mod map;
pub mod nn;
pub mod norms;
pub mod optim;
pub mod plot;
pub mod progress;
pub mod report;
pub mod study;
pub mod train;
pub mod trajectory;
pub mod util;
