#!/usr/bin/python3
"""Parity fixture for the JVM ViT: a tiny ViTForImageClassification written from plain torch ops.

This does not use this project's code nor HF transformers. It follows the HF
ViTForImageClassification layout and tensor names:
  patch embedding (conv PxP stride P) -> [CLS] + patches -> + position embeddings ->
  pre-LN blocks: h = x + attn(LN_before(x)); y = h + fc2(gelu_erf(fc1(LN_after(h)))) ->
  final LayerNorm -> linear head on the [CLS] token.
The blocks are cross-checked against torch.nn.TransformerEncoderLayer (norm_first, exact gelu)
loaded with the same weights. Random weights are rounded to float32 (the stored precision) and the expected outputs are computed
in float64 from those rounded weights.

Writes to models-vit/src/test/resources/fixtures/vit_tiny/:
  model.safetensors  weights in HF names (safetensors written by hand below)
  config.json        HF ViTConfig keys
  input.npy          [2, 3, 8, 8] float32 input (already normalised)
  logits.npy         [2, 3] expected logits
  hidden.npy         [2, 5, 16] final LayerNorm output
  block_0.npy, block_1.npy      [2, 5, 16] output of each block
  attention_0.npy, attention_1.npy  [2, 2, 5, 5] attention probabilities
  pos_embed_12.npy   [1, 10, 16] position embeddings bilinearly interpolated to a 3x3 grid
  input_12.npy, logits_12.npy  a 12x12 input and its logits with the interpolated embeddings

Run: /usr/bin/python3 models-vit/src/test/python/make_vit_fixture.py  (Debian python3-torch)
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "vit_tiny")
IMAGE, PATCH, CH, D, DEPTH, HEADS, MLP, CLASSES, EPS = 8, 4, 3, 16, 2, 2, 32, 3, 1e-12

torch.manual_seed(20240611)


def f32(t):
    """Rounds to float32 (what the file stores) and computes on in float64."""
    return t.float().double()


def rnd(*shape, std=1.0, mean=0.0):
    return f32(torch.randn(*shape, dtype=torch.float64) * std + mean)


# ---- weights in HF names ------------------------------------------------------------------------
W = {}
tokens = (IMAGE // PATCH) ** 2 + 1
W["vit.embeddings.cls_token"] = rnd(1, 1, D, std=0.5)
W["vit.embeddings.position_embeddings"] = rnd(1, tokens, D, std=0.5)
W["vit.embeddings.patch_embeddings.projection.weight"] = rnd(D, CH, PATCH, PATCH, std=0.2)
W["vit.embeddings.patch_embeddings.projection.bias"] = rnd(D, std=0.1)
for i in range(DEPTH):
    p = f"vit.encoder.layer.{i}."
    for n in ("query", "key", "value"):
        W[p + f"attention.attention.{n}.weight"] = rnd(D, D, std=0.3)
        W[p + f"attention.attention.{n}.bias"] = rnd(D, std=0.1)
    W[p + "attention.output.dense.weight"] = rnd(D, D, std=0.3)
    W[p + "attention.output.dense.bias"] = rnd(D, std=0.1)
    W[p + "intermediate.dense.weight"] = rnd(MLP, D, std=0.3)
    W[p + "intermediate.dense.bias"] = rnd(MLP, std=0.1)
    W[p + "output.dense.weight"] = rnd(D, MLP, std=0.3)
    W[p + "output.dense.bias"] = rnd(D, std=0.1)
    W[p + "layernorm_before.weight"] = rnd(D, std=0.1, mean=1.0)
    W[p + "layernorm_before.bias"] = rnd(D, std=0.1)
    W[p + "layernorm_after.weight"] = rnd(D, std=0.1, mean=1.0)
    W[p + "layernorm_after.bias"] = rnd(D, std=0.1)
W["vit.layernorm.weight"] = rnd(D, std=0.1, mean=1.0)
W["vit.layernorm.bias"] = rnd(D, std=0.1)
W["classifier.weight"] = rnd(CLASSES, D, std=0.3)
W["classifier.bias"] = rnd(CLASSES, std=0.1)


# ---- the model in plain ops ---------------------------------------------------------------------
def layer_norm(x, w, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased variance, as torch.nn.LayerNorm
    return (x - mu) / torch.sqrt(var + EPS) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def linear(x, name):
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def forward(pixels, pos):
    b = pixels.shape[0]
    e = F.conv2d(pixels, W["vit.embeddings.patch_embeddings.projection.weight"],
                 W["vit.embeddings.patch_embeddings.projection.bias"], stride=PATCH)  # [B, D, g, g]
    e = e.flatten(2).transpose(1, 2)  # [B, g*g, D], patches in row-major grid order
    x = torch.cat([W["vit.embeddings.cls_token"].expand(b, 1, D), e], dim=1) + pos
    t = x.shape[1]
    hd = D // HEADS
    blocks, probs = [], []
    for i in range(DEPTH):
        p = f"vit.encoder.layer.{i}."
        h = layer_norm(x, W[p + "layernorm_before.weight"], W[p + "layernorm_before.bias"])
        q = linear(h, p + "attention.attention.query").view(b, t, HEADS, hd).transpose(1, 2)
        k = linear(h, p + "attention.attention.key").view(b, t, HEADS, hd).transpose(1, 2)
        v = linear(h, p + "attention.attention.value").view(b, t, HEADS, hd).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        a = torch.exp(s - s.max(-1, keepdim=True).values)
        a = a / a.sum(-1, keepdim=True)
        probs.append(a)
        ctx = (a @ v).transpose(1, 2).reshape(b, t, D)
        x = x + linear(ctx, p + "attention.output.dense")
        h = layer_norm(x, W[p + "layernorm_after.weight"], W[p + "layernorm_after.bias"])
        x = x + linear(gelu(linear(h, p + "intermediate.dense")), p + "output.dense")
        blocks.append(x)
    hidden = layer_norm(x, W["vit.layernorm.weight"], W["vit.layernorm.bias"])
    logits = linear(hidden[:, 0], "classifier")
    return logits, hidden, blocks, probs


# ---- safetensors by hand: u64 LE header length, JSON header, raw LE data --------------------------
def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # pad so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


def check_against_torch_modules(pixels, blocks):
    """Cross-checks the plain-op blocks with torch's own TransformerEncoderLayer (pre-LN, exact gelu)."""
    b = pixels.shape[0]
    e = F.conv2d(pixels, W["vit.embeddings.patch_embeddings.projection.weight"],
                 W["vit.embeddings.patch_embeddings.projection.bias"], stride=PATCH).flatten(2).transpose(1, 2)
    x = torch.cat([W["vit.embeddings.cls_token"].expand(b, 1, D), e], dim=1) + W["vit.embeddings.position_embeddings"]
    for i in range(DEPTH):
        p = f"vit.encoder.layer.{i}."
        layer = torch.nn.TransformerEncoderLayer(D, HEADS, MLP, dropout=0.0, activation="gelu", layer_norm_eps=EPS,
                                                 batch_first=True, norm_first=True).double().eval()
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(torch.cat([W[p + f"attention.attention.{n}.weight"]
                                                            for n in ("query", "key", "value")]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([W[p + f"attention.attention.{n}.bias"]
                                                          for n in ("query", "key", "value")]))
            layer.self_attn.out_proj.weight.copy_(W[p + "attention.output.dense.weight"])
            layer.self_attn.out_proj.bias.copy_(W[p + "attention.output.dense.bias"])
            layer.linear1.weight.copy_(W[p + "intermediate.dense.weight"])
            layer.linear1.bias.copy_(W[p + "intermediate.dense.bias"])
            layer.linear2.weight.copy_(W[p + "output.dense.weight"])
            layer.linear2.bias.copy_(W[p + "output.dense.bias"])
            layer.norm1.weight.copy_(W[p + "layernorm_before.weight"])
            layer.norm1.bias.copy_(W[p + "layernorm_before.bias"])
            layer.norm2.weight.copy_(W[p + "layernorm_after.weight"])
            layer.norm2.bias.copy_(W[p + "layernorm_after.bias"])
            x = layer(x)
        err = (x - blocks[i]).abs().max().item()
        assert err < 1e-10, f"block {i} differs from torch.nn.TransformerEncoderLayer by {err}"


def save(name, t):
    np.save(os.path.join(OUT, name), t.detach().numpy().astype(np.float32))


os.makedirs(OUT, exist_ok=True)
write_safetensors(os.path.join(OUT, "model.safetensors"), W)
labels = {str(i): f"class_{i}" for i in range(CLASSES)}
config = {
    "architectures": ["ViTForImageClassification"], "model_type": "vit",
    "hidden_size": D, "num_hidden_layers": DEPTH, "num_attention_heads": HEADS, "intermediate_size": MLP,
    "image_size": IMAGE, "patch_size": PATCH, "num_channels": CH, "qkv_bias": True,
    "layer_norm_eps": EPS, "hidden_act": "gelu", "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0, "id2label": labels, "label2id": {v: int(k) for k, v in labels.items()},
}
with open(os.path.join(OUT, "config.json"), "w") as f:
    json.dump(config, f, indent=2)

x = rnd(2, CH, IMAGE, IMAGE)
logits, hidden, blocks, probs = forward(x, W["vit.embeddings.position_embeddings"])
with torch.random.fork_rng():  # the modules' own initialisation must not shift the draws below
    check_against_torch_modules(x, blocks)
save("input.npy", x)
save("logits.npy", logits)
save("hidden.npy", hidden)
for i in range(DEPTH):
    save(f"block_{i}.npy", blocks[i])
    save(f"attention_{i}.npy", probs[i])

# Position embeddings for a 12x12 image (3x3 grid): the [CLS] entry kept, the 2x2 patch grid
# resized bilinearly with half-pixel centres (align_corners=False).
pos = W["vit.embeddings.position_embeddings"]
g = IMAGE // PATCH
grid = pos[:, 1:].reshape(1, g, g, D).permute(0, 3, 1, 2)
grid12 = F.interpolate(grid, size=(3, 3), mode="bilinear", align_corners=False)
pos12 = f32(torch.cat([pos[:, :1], grid12.permute(0, 2, 3, 1).reshape(1, 9, D)], dim=1))
save("pos_embed_12.npy", pos12)
x12 = rnd(2, CH, 12, 12)
logits12, _, _, _ = forward(x12, pos12)
save("input_12.npy", x12)
save("logits_12.npy", logits12)
print("logits", logits.numpy())
