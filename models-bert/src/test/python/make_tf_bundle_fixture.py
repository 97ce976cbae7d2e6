#!/usr/bin/python3
"""Writes a tiny TensorFlow tensor bundle BY HAND (no TensorFlow here) for the TF checkpoint tests.

Run from the repository root:  /usr/bin/python3 models-bert/src/test/python/make_tf_bundle_fixture.py
Output: models-bert/src/test/resources/org/pclora/bert/tf/tiny/variables.index and
variables.data-0000{0,1}-of-00002.

Format written (as TensorFlow's tensor_bundle and LevelDB's table format define it):
- variables.index is an SSTable: data blocks of entries (varint shared, varint unshared,
  varint value length, key suffix, value) with restart points (uint32 each, then their count),
  each block followed by a 1-byte compression type (0 = none) and the masked CRC32C of block+type;
  an index block mapping the last key of each data block to its BlockHandle (varint offset,
  varint size); an empty metaindex block; a 48-byte footer (two handles padded to 40 bytes, then
  the magic 0xdb4775248b80fb57 little-endian).
- key "" holds BundleHeaderProto {num_shards=1, endianness=2, version=3{producer=1}}; every other
  key a BundleEntryProto {dtype=1, shape=2{dim=2{size=1}}, shard_id=3, offset=4, size=5,
  crc32c=6 (fixed32, masked CRC32C of the tensor bytes)}.
Tensor k (in sorted key order, header excluded) holds value k*100 + j at flat index j (float32
little-endian) and lives in shard k % 2; module/global_step is an int64 scalar 12345.
"""
import os
import struct

OUT = "models-bert/src/test/resources/org/pclora/bert/tf/tiny"
H, I, V, P, T = 4, 8, 8, 6, 2  # hidden, intermediate, vocab, positions, token types

# CRC32C (Castagnoli), reflected polynomial 0x82F63B78, table driven.
_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3 | 0) + varint(v)


def field_bytes(num, b):
    return varint(num << 3 | 2) + varint(len(b)) + b


def field_fixed32(num, v):
    return varint(num << 3 | 5) + struct.pack("<I", v)


def shape_proto(shape):
    return b"".join(field_bytes(2, field_varint(1, d)) for d in shape)


def tensors():
    t = {}
    pre = "module/bert/"
    t[pre + "embeddings/word_embeddings"] = [V, H]
    t[pre + "embeddings/position_embeddings"] = [P, H]
    t[pre + "embeddings/token_type_embeddings"] = [T, H]
    t[pre + "embeddings/LayerNorm/gamma"] = [H]
    t[pre + "embeddings/LayerNorm/beta"] = [H]
    L = pre + "encoder/layer_0/"
    for x in ("query", "key", "value"):
        t[L + "attention/self/" + x + "/kernel"] = [H, H]
        t[L + "attention/self/" + x + "/bias"] = [H]
    t[L + "attention/output/dense/kernel"] = [H, H]
    t[L + "attention/output/dense/bias"] = [H]
    t[L + "attention/output/LayerNorm/gamma"] = [H]
    t[L + "attention/output/LayerNorm/beta"] = [H]
    t[L + "intermediate/dense/kernel"] = [H, I]
    t[L + "intermediate/dense/bias"] = [I]
    t[L + "output/dense/kernel"] = [I, H]
    t[L + "output/dense/bias"] = [H]
    t[L + "output/LayerNorm/gamma"] = [H]
    t[L + "output/LayerNorm/beta"] = [H]
    t[pre + "pooler/dense/kernel"] = [H, H]
    t[pre + "pooler/dense/bias"] = [H]
    t["module/cls/predictions/output_bias"] = [V]
    t["module/cls/predictions/transform/LayerNorm/gamma"] = [H]
    return t


def block(entries, restart_interval):
    out = bytearray()
    restarts = []
    prev = b""
    for i, (k, v) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(prev), len(k)) and prev[shared] == k[shared]:
                shared += 1
        out += varint(shared) + varint(len(k) - shared) + varint(len(v)) + k[shared:] + v
        prev = k
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    specs = tensors()
    names = sorted(list(specs) + ["module/global_step"])
    shards = [bytearray(), bytearray()]
    entries = [(b"", field_varint(1, 2) + field_bytes(3, field_varint(1, 1)))]
    k = 0
    for name in names:
        if name == "module/global_step":
            data = struct.pack("<q", 12345)
            dtype, shape = 9, []
            shard = 0
        else:
            shape = specs[name]
            n = 1
            for d in shape:
                n *= d
            data = b"".join(struct.pack("<f", k * 100 + j) for j in range(n))
            dtype = 1
            shard = k % 2
            k += 1
        offset = len(shards[shard])
        shards[shard] += data
        e = field_varint(1, dtype) + field_bytes(2, shape_proto(shape))
        if shard:
            e += field_varint(3, shard)
        if offset:
            e += field_varint(4, offset)
        e += field_varint(5, len(data)) + field_fixed32(6, mask(crc32c(data)))
        entries.append((name.encode(), e))
    index = bytearray()
    index_entries = []
    per_block = 4
    for b in range(0, len(entries), per_block):
        chunk = entries[b:b + per_block]
        blk = block(chunk, 3)
        handle = varint(len(index)) + varint(len(blk))
        index += blk + b"\x00" + struct.pack("<I", mask(crc32c(blk + b"\x00")))
        index_entries.append((chunk[-1][0], handle))
    meta = block([], 1)
    meta_handle = varint(len(index)) + varint(len(meta))
    index += meta + b"\x00" + struct.pack("<I", mask(crc32c(meta + b"\x00")))
    idx = block(index_entries, 1)
    idx_handle = varint(len(index)) + varint(len(idx))
    index += idx + b"\x00" + struct.pack("<I", mask(crc32c(idx + b"\x00")))
    footer = meta_handle + idx_handle
    footer += b"\x00" * (40 - len(footer)) + struct.pack("<Q", 0xDB4775248B80FB57)
    index += footer
    # Header says two shards.
    with open(os.path.join(OUT, "variables.index"), "wb") as f:
        f.write(index)
    for s in range(2):
        with open(os.path.join(OUT, "variables.data-%05d-of-00002" % s), "wb") as f:
            f.write(shards[s])
    print(len(names), "tensors;", len(index), "index bytes;", [len(s) for s in shards], "shard bytes")


if __name__ == "__main__":
    main()
