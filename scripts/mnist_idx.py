"""The bundled MNIST for the PyTorch scripts (bench_torch.py, load_torch.py): gzipped IDX files
read with numpy, as torch tensors."""

import gzip
from pathlib import Path

import numpy as np
import torch

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # IDX headers: 0x00000803, 0x00000801


def read_idx(path, magic, header_ints):
    """Reads a gzipped IDX file (big-endian int32 header, then unsigned bytes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = np.frombuffer(raw, dtype=">i4", count=header_ints)
    if header[0] != magic:
        raise ValueError(f"{path}: magic {header[0]}, expected {magic}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * header_ints)
    if data.size != int(np.prod(header[1:])):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {header[1:]}")
    return data.reshape(header[1], -1)


def load_split(data_dir, prefix):
    """Images as f32 in [0, 1], shape (n, 784), and labels as int64, shape (n,)."""
    images = read_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz", IMAGES_MAGIC, 4)
    labels = read_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz", LABELS_MAGIC, 2)
    x = images.astype(np.float32)
    x /= 255.0  # in place: a second 188 MB copy of the training set would raise peak RSS
    x = torch.from_numpy(x)
    y = torch.from_numpy(labels.reshape(-1).astype(np.int64))
    return x, y
