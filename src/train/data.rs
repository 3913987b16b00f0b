//! The data of a run on its training device: every split uploaded once ([`DeviceData`]), the
//! batch order of each epoch, and a batch.

use crate::data::{Mnist, Split, NUM_CLASSES};
use candle_core::{Device, Result, Tensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One split on the training device: images scaled to [0, 1] (n × pixels), labels, and
/// one-hot targets.
pub(crate) struct TensorSplit {
    pub(crate) x: Tensor,
    pub(crate) labels: Tensor,
    pub(crate) one_hot: Tensor,
}

impl TensorSplit {
    pub(crate) fn new(split: &Split, pixels: usize, device: &Device) -> Result<Self> {
        let n = split.len();
        let x = Tensor::from_slice(&split.images, (n, pixels), device)?;
        let labels: Vec<u32> = split.labels.iter().map(|&l| l as u32).collect();
        let mut one_hot = vec![0f32; n * NUM_CLASSES];
        for (i, &l) in split.labels.iter().enumerate() {
            one_hot[i * NUM_CLASSES + l as usize] = 1.0;
        }
        Ok(TensorSplit {
            x,
            labels: Tensor::from_vec(labels, n, device)?,
            one_hot: Tensor::from_vec(one_hot, (n, NUM_CLASSES), device)?,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.labels.dims1().unwrap_or(0)
    }
}

/// Every split of a data set, uploaded once to the device.
pub struct DeviceData {
    pub(crate) train: TensorSplit,
    pub(crate) val: Option<TensorSplit>,
    pub(crate) test: TensorSplit,
    pub(crate) pixels: usize,
    pub(crate) device: Device,
}

impl DeviceData {
    pub fn new(data: &Mnist, device: &Device) -> Result<Self> {
        let pixels = data.pixels();
        Ok(DeviceData {
            train: TensorSplit::new(&data.train, pixels, device)?,
            val: data
                .val
                .as_ref()
                .map(|v| TensorSplit::new(v, pixels, device))
                .transpose()?,
            test: TensorSplit::new(&data.test, pixels, device)?,
            pixels,
            device: device.clone(),
        })
    }
}

/// The order in which epoch `epoch` visits the `n` training images: a Fisher–Yates shuffle
/// from ChaCha8 seeded with `seed` on stream `epoch + 1` (stream 0 draws the initial weights),
/// so the order depends only on (seed, epoch) and every method sees the same batches.
pub(crate) fn batch_order(seed: u64, epoch: usize, n: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(epoch as u64 + 1);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(&mut rng);
    order
}

/// One batch: positions `start..start + len` of an epoch's order over the training set.
pub(crate) struct Batch<'a> {
    pub(crate) set: &'a TensorSplit,
    /// The epoch's order on the host and on the set's device.
    pub(crate) order: &'a [u32],
    pub(crate) order_tensor: &'a Tensor,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

impl Batch<'_> {
    /// Indices of the batch's images in the training set.
    pub(crate) fn indices(&self) -> &[u32] {
        &self.order[self.start..self.start + self.len]
    }

    /// Images and one-hot targets of the batch, gathered on the set's device.
    pub(crate) fn tensors(&self) -> Result<(Tensor, Tensor)> {
        let idx = self.order_tensor.narrow(0, self.start, self.len)?;
        Ok((
            self.set.x.index_select(&idx, 0)?,
            self.set.one_hot.index_select(&idx, 0)?,
        ))
    }
}
