//! The networks: the MLP as candle tensors ([`Mlp`], with its hand-written backward pass), G
//! copies of it as one batched candle model ([`PopulationMlp`]) — together the path CUDA
//! runs — and the CPU network on host buffers with gemm called directly ([`CpuNet`]), which
//! trains one run or a population on the CPU. All three share the parameter layout of
//! [`cells`].

pub(crate) mod cells;
mod cpu_net;
pub(crate) mod host_ops;
mod mlp;
mod population_mlp;

pub use cpu_net::CpuNet;
pub(crate) use mlp::layer_sizes;
pub use mlp::{Layer, LossAndGrads, Mlp};
pub(crate) use population_mlp::PopulationMlp;
