#!/usr/bin/env python3
"""Makes the class-balanced Fashion-MNIST subset embedded in models-vit.

Reads the full IDX files of Fashion-MNIST (Debian package dataset-fashion-mnist puts them in
/usr/share/datasets/fashion-mnist) and writes, in the same gzip IDX format, the first 1,000
training images of every class (10,000 in all) and the first 200 test images of every class
(2,000 in all), in their original file order. The selection is deterministic and the gzip
streams carry no timestamp, so running this again gives byte-identical files.

Usage: python3 make_fashion_mnist_subset.py [SOURCE_DIR] [TARGET_DIR]
Only the standard library is used; the Maven build never runs this script.
"""
import gzip
import os
import struct
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
DST = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "resources", "org", "pclora", "vit", "data",
    "fashion-mnist")
CLASSES = 10


def read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        data = f.read()
    m, = struct.unpack(">I", data[:4])
    assert m == magic, f"{path}: magic {m:#x}, expected {magic:#x}"
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def write_gz(path, payload):
    # mtime=0 and no file name in the header: reproducible bytes.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(payload)


def subset(split_in, split_out, per_class):
    (n, rows, cols), pixels = read_idx(os.path.join(SRC, f"{split_in}-images-idx3-ubyte.gz"), 0x803, 3)
    (nl,), labels = read_idx(os.path.join(SRC, f"{split_in}-labels-idx1-ubyte.gz"), 0x801, 1)
    assert n == nl
    taken = [0] * CLASSES
    chosen = []
    for i in range(n):
        k = labels[i]
        if taken[k] < per_class:
            taken[k] += 1
            chosen.append(i)
    assert taken == [per_class] * CLASSES, taken
    size = rows * cols
    img = struct.pack(">IIII", 0x803, len(chosen), rows, cols) + b"".join(
        pixels[i * size:(i + 1) * size] for i in chosen)
    lab = struct.pack(">II", 0x801, len(chosen)) + bytes(labels[i] for i in chosen)
    write_gz(os.path.join(DST, f"{split_out}-images-idx3-ubyte.gz"), img)
    write_gz(os.path.join(DST, f"{split_out}-labels-idx1-ubyte.gz"), lab)
    print(f"{split_out}: {len(chosen)} images ({per_class} per class) from {n}")


os.makedirs(DST, exist_ok=True)
subset("train", "train", 1000)
subset("t10k", "t10k", 200)
