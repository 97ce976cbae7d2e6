#!/usr/bin/python3
"""Parity fixture for the BERT model: a tiny BERT written INDEPENDENTLY in plain torch ops
(Debian's python3-torch; no transformers), following HF BertForSequenceClassification.

Run from the repository root:  /usr/bin/python3 models-bert/src/test/python/make_bert_fixture.py
Writes models-bert/src/test/resources/org/pclora/bert/fixture/:
- model.safetensors: random weights under HF names (float32), written by hand (8-byte header
  length, JSON header, raw little-endian data);
- config.json: the HF config of those sizes;
- expected.safetensors: input_ids, attention_mask, token_type_ids (int64 [3, 7], with padding),
  hidden.<i> (each layer's output [3, 7, 16]), attention.0 ([3, 2, 7, 7]), pooled [3, 16] and
  logits [3, 3], computed in float64 from the float32 weights.
"""
import json
import math
import os
import struct

import torch

OUT = "models-bert/src/test/resources/org/pclora/bert/fixture"
V, D, H, L, F, P, T, C = 40, 16, 2, 2, 24, 12, 2, 3
EPS = 1e-12

torch.manual_seed(20240613)


def rnd(*shape, std=0.3):
    return (torch.randn(*shape) * std).float()


def weights():
    w = {}
    w["bert.embeddings.word_embeddings.weight"] = rnd(V, D, std=1.0)
    w["bert.embeddings.position_embeddings.weight"] = rnd(P, D, std=0.5)
    w["bert.embeddings.token_type_embeddings.weight"] = rnd(T, D, std=0.5)
    w["bert.embeddings.LayerNorm.weight"] = 1 + rnd(D, std=0.1)
    w["bert.embeddings.LayerNorm.bias"] = rnd(D, std=0.1)
    for i in range(L):
        p = "bert.encoder.layer.%d." % i
        for n in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            w[p + n + ".weight"] = rnd(D, D)
            w[p + n + ".bias"] = rnd(D, std=0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1 + rnd(D, std=0.1)
        w[p + "attention.output.LayerNorm.bias"] = rnd(D, std=0.1)
        w[p + "intermediate.dense.weight"] = rnd(F, D)
        w[p + "intermediate.dense.bias"] = rnd(F, std=0.1)
        w[p + "output.dense.weight"] = rnd(D, F)
        w[p + "output.dense.bias"] = rnd(D, std=0.1)
        w[p + "output.LayerNorm.weight"] = 1 + rnd(D, std=0.1)
        w[p + "output.LayerNorm.bias"] = rnd(D, std=0.1)
    w["bert.pooler.dense.weight"] = rnd(D, D)
    w["bert.pooler.dense.bias"] = rnd(D, std=0.1)
    w["classifier.weight"] = rnd(C, D)
    w["classifier.bias"] = rnd(C, std=0.1)
    return w


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + EPS) * g + b


def linear(x, w, name):
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def forward(w, ids, mask, types):
    w = {k: v.double() for k, v in w.items()}
    b, t = ids.shape
    x = w["bert.embeddings.word_embeddings.weight"][ids]
    x = x + w["bert.embeddings.position_embeddings.weight"][torch.arange(t)][None, :, :]
    x = x + w["bert.embeddings.token_type_embeddings.weight"][types]
    x = layer_norm(x, w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"])
    additive = (1.0 - mask.double())[:, None, None, :] * -1e30
    hs, probs0 = [], None
    hd = D // H
    for i in range(L):
        p = "bert.encoder.layer.%d." % i

        def heads(y):
            return y.view(b, t, H, hd).permute(0, 2, 1, 3)

        q = heads(linear(x, w, p + "attention.self.query"))
        k = heads(linear(x, w, p + "attention.self.key"))
        v = heads(linear(x, w, p + "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + additive
        pr = torch.softmax(scores, dim=-1)
        if i == 0:
            probs0 = pr
        ctx = (pr @ v).permute(0, 2, 1, 3).reshape(b, t, D)
        a = linear(ctx, w, p + "attention.output.dense")
        h = layer_norm(x + a, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        m = linear(gelu(linear(h, w, p + "intermediate.dense")), w, p + "output.dense")
        x = layer_norm(h + m, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        hs.append(x)
    pooled = torch.tanh(linear(x[:, 0, :], w, "bert.pooler.dense"))
    logits = linear(pooled, w, "classifier")
    return hs, probs0, pooled, logits


def write_safetensors(path, tensors, metadata=None):
    header = {}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        t = t.contiguous()
        if t.dtype == torch.float32:
            dt, fmt = "F32", "<%df" % t.numel()
        elif t.dtype == torch.int64:
            dt, fmt = "I64", "<%dq" % t.numel()
        else:
            raise ValueError(t.dtype)
        data = struct.pack(fmt, *t.flatten().tolist())
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    os.makedirs(OUT, exist_ok=True)
    w = weights()
    ids = torch.tensor([[2, 17, 5, 33, 3, 9, 3],
                        [2, 8, 39, 1, 3, 0, 0],
                        [2, 11, 3, 0, 0, 0, 0]], dtype=torch.int64)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 1, 0, 0],
                         [1, 1, 1, 0, 0, 0, 0]], dtype=torch.int64)
    types = torch.tensor([[0, 0, 0, 0, 0, 1, 1],
                          [0, 0, 0, 0, 0, 0, 0],
                          [0, 0, 0, 0, 0, 0, 0]], dtype=torch.int64)
    hs, probs0, pooled, logits = forward(w, ids, mask, types)
    write_safetensors(os.path.join(OUT, "model.safetensors"), w)
    cfg = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": V,
           "hidden_size": D, "num_hidden_layers": L, "num_attention_heads": H, "intermediate_size": F,
           "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
           "max_position_embeddings": P, "type_vocab_size": T, "layer_norm_eps": EPS,
           "id2label": {str(i): "LABEL_%d" % i for i in range(C)},
           "label2id": {"LABEL_%d" % i: i for i in range(C)}}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    exp = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    for i, h in enumerate(hs):
        exp["hidden.%d" % i] = h.float()
    exp["attention.0"] = probs0.float()
    exp["pooled"] = pooled.float()
    exp["logits"] = logits.float()
    write_safetensors(os.path.join(OUT, "expected.safetensors"), exp)
    print("logits", logits)


if __name__ == "__main__":
    main()
