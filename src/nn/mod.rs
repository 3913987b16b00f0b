//! The networks: the MLP as candle tensors ([`Mlp`], with its hand-written backward pass), G
//! copies of it as one batched candle model ([`PopulationMlp`]) — together the path CUDA
//! runs — and the CPU network on host buffers with gemm called directly ([`CpuNet`]), which
//! trains one run or a population on the CPU. All three share the parameter layout of
//! [`cells`] and may normalise their hidden layers ([`Norm`], [`layer_norm`]).

pub(crate) mod cells;
mod cpu_net;
pub(crate) mod host_ops;
pub(crate) mod layer_norm;
mod mlp;
mod population_mlp;

pub use cpu_net::CpuNet;
pub use layer_norm::Norm;
pub(crate) use mlp::layer_sizes;
pub use mlp::{Layer, LossAndGrads, Mlp, NormParams};
pub(crate) use population_mlp::PopulationMlp;
