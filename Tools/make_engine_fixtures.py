#!/usr/bin/env python3
"""Writes the PyTorch parity fixtures for the NN module (Tests/NNTests/Fixtures/*.safetensors).

Run by hand, never by CI (the Swift tests only read the committed files):

    python3 -m venv /tmp/fixtures-venv
    /tmp/fixtures-venv/bin/pip install /opt/wheels/torch-2.13.0+cpu-*.whl safetensors numpy
    /tmp/fixtures-venv/bin/python Tools/make_engine_fixtures.py

Conventions (they are the Swift layers' conventions too):
- Linear: y = x @ W.T + b with W of shape [out, in] (as torch.nn.Linear).
- LayerNorm over the last axis, biased variance, eps from each file's metadata.
- GELU: the exact erf form (PyTorch's default).
- Weighted cross-entropy: loss = sum_i w_i * CE(logits_i, target_i) / sum_i w_i (the weighted mean over rows).
- Attention (timm layout): qkv = Linear(D, 3D) with bias; its output columns are
  [q | k | v], each split into heads of D/H contiguous columns; scores scaled by 1/sqrt(D/H);
  `key_padding_mask` (I64, 1 = padded key, ignored) as in torch's key_padding_mask; causal: query i
  sees keys j <= i; then proj = Linear(D, D).
- Pre-norm block (timm ViT Block, FractalGen): x + attn(norm1(x)); x + mlp(norm2(x)),
  mlp = fc2(GELU(fc1(x))), fc1: D -> 4D. Parameter names as in PyTorch (`norm1.weight`, `attn.qkv.weight`, ...).
- Backward fixtures use a random upstream gradient `grad_output`: gradients are those of sum(y * grad_output).

Layer references are computed in float64 from float32-rounded inputs, then stored as float32.
The AdamW fixture runs in float32 exactly as a PyTorch training step would.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NNTests", "Fixtures")


def rand(gen, *shape, scale=1.0):
    """float32-rounded normal values, returned as float64 for the reference computation."""
    return (torch.randn(*shape, generator=gen, dtype=torch.float32) * scale).double()


def save(name, tensors, metadata):
    path = os.path.join(OUT, name)
    out = {}
    for k, v in tensors.items():
        v = v.detach()
        out[k] = (v.float() if v.is_floating_point() else v).contiguous()
    save_file(out, path, metadata={k: str(v) for k, v in metadata.items()})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def leaf(t):
    return t.clone().requires_grad_(True)


def linear_fixture(gen):
    x, w, b = leaf(rand(gen, 2, 3, 6)), leaf(rand(gen, 4, 6, scale=0.4)), leaf(rand(gen, 4, scale=0.1))
    y = F.linear(x, w, b)
    g = rand(gen, *y.shape)
    (y * g).sum().backward()
    save("linear.safetensors", {
        "input": x, "weight": w, "bias": b, "output": y, "grad_output": g,
        "grad_input": x.grad, "grad_weight": w.grad, "grad_bias": b.grad,
    }, {"layer": "Linear(6, 4)"})


def layer_norm_fixture(gen):
    x = leaf(rand(gen, 2, 3, 8, scale=2.0) + 0.5)
    w, b = leaf(1 + rand(gen, 8, scale=0.2)), leaf(rand(gen, 8, scale=0.2))
    eps = 1e-5
    y = F.layer_norm(x, (8,), w, b, eps)
    g = rand(gen, *y.shape)
    (y * g).sum().backward()
    save("layer_norm.safetensors", {
        "input": x, "weight": w, "bias": b, "output": y, "grad_output": g,
        "grad_input": x.grad, "grad_weight": w.grad, "grad_bias": b.grad,
    }, {"eps": eps})


def gelu_fixture(gen):
    base = torch.linspace(-5, 5, 41, dtype=torch.float32).double()
    x = leaf(base)
    g = rand(gen, base.numel())
    y = F.gelu(x)
    (y * g).sum().backward()
    save("gelu.safetensors", {"input": x, "output": y, "grad_output": g, "grad_input": x.grad}, {})


def softmax_cross_entropy_fixture(gen):
    x = leaf(rand(gen, 3, 7, scale=2.0))
    y = torch.softmax(x, dim=-1)
    g = rand(gen, *y.shape)
    (y * g).sum().backward()
    logits = leaf(rand(gen, 10, 5, scale=2.0))
    targets = torch.randint(0, 5, (10,), generator=gen, dtype=torch.int64)
    weights = torch.rand(10, generator=gen, dtype=torch.float32).double() * 2
    weights[[2, 7]] = 0.0
    per_row = F.cross_entropy(logits, targets, reduction="none")
    loss = (weights * per_row).sum() / weights.sum()
    loss.backward()
    save("softmax_cross_entropy.safetensors", {
        "softmax.input": x, "softmax.output": y, "softmax.grad_output": g, "softmax.grad_input": x.grad,
        "ce.logits": logits, "ce.targets": targets, "ce.weights": weights,
        "ce.per_row": per_row, "ce.loss": loss.reshape(1), "ce.grad_logits": logits.grad,
    }, {"ce_reduction": "sum(w * ce) / sum(w)"})


def attention(x, qkv_w, qkv_b, proj_w, proj_b, heads, causal, key_padding_mask=None):
    b, n, d = x.shape
    dh = d // heads
    qkv = F.linear(x, qkv_w, qkv_b).reshape(b, n, 3, heads, dh).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    if causal:
        scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    if key_padding_mask is not None:
        scores = scores.masked_fill(key_padding_mask.bool()[:, None, None, :], float("-inf"))
    out = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, d)
    return F.linear(out, proj_w, proj_b)


def attention_fixture(gen, causal):
    b, n, d, heads = 2, 5, 8, 2
    x = leaf(rand(gen, b, n, d))
    params = {
        "qkv.weight": leaf(rand(gen, 3 * d, d, scale=0.35)), "qkv.bias": leaf(rand(gen, 3 * d, scale=0.1)),
        "proj.weight": leaf(rand(gen, d, d, scale=0.35)), "proj.bias": leaf(rand(gen, d, scale=0.1)),
    }
    mask = None
    tensors = {}
    if not causal:
        mask = torch.zeros(b, n, dtype=torch.int64)
        mask[1, 3:] = 1
        tensors["key_padding_mask"] = mask
    y = attention(x, params["qkv.weight"], params["qkv.bias"], params["proj.weight"], params["proj.bias"],
                  heads, causal, mask)
    g = rand(gen, *y.shape)
    (y * g).sum().backward()
    tensors.update({"input": x, "output": y, "grad_output": g, "grad_input": x.grad})
    for k, p in params.items():
        tensors["param." + k] = p
        tensors["grad." + k] = p.grad
    name = "attention_causal.safetensors" if causal else "attention_bidirectional.safetensors"
    save(name, tensors, {"heads": heads, "causal": causal})


def block_forward(x, p, heads, eps, causal):
    h = F.layer_norm(x, (x.shape[-1],), p["norm1.weight"], p["norm1.bias"], eps)
    x = x + attention(h, p["attn.qkv.weight"], p["attn.qkv.bias"], p["attn.proj.weight"], p["attn.proj.bias"],
                      heads, causal)
    h = F.layer_norm(x, (x.shape[-1],), p["norm2.weight"], p["norm2.bias"], eps)
    h = F.linear(F.gelu(F.linear(h, p["mlp.fc1.weight"], p["mlp.fc1.bias"])), p["mlp.fc2.weight"], p["mlp.fc2.bias"])
    return x + h


def block_fixture(gen):
    b, n, d, heads, eps = 2, 7, 16, 2, 1e-6
    x = leaf(rand(gen, b, n, d))
    p = {
        "norm1.weight": leaf(1 + rand(gen, d, scale=0.1)), "norm1.bias": leaf(rand(gen, d, scale=0.1)),
        "attn.qkv.weight": leaf(rand(gen, 3 * d, d, scale=0.25)), "attn.qkv.bias": leaf(rand(gen, 3 * d, scale=0.1)),
        "attn.proj.weight": leaf(rand(gen, d, d, scale=0.25)), "attn.proj.bias": leaf(rand(gen, d, scale=0.1)),
        "norm2.weight": leaf(1 + rand(gen, d, scale=0.1)), "norm2.bias": leaf(rand(gen, d, scale=0.1)),
        "mlp.fc1.weight": leaf(rand(gen, 4 * d, d, scale=0.25)), "mlp.fc1.bias": leaf(rand(gen, 4 * d, scale=0.1)),
        "mlp.fc2.weight": leaf(rand(gen, d, 4 * d, scale=0.12)), "mlp.fc2.bias": leaf(rand(gen, d, scale=0.1)),
    }
    y = block_forward(x, p, heads, eps, causal=False)
    g = rand(gen, *y.shape)
    (y * g).sum().backward()
    tensors = {"input": x, "output": y, "grad_output": g, "grad_input": x.grad}
    for k, v in p.items():
        tensors["param." + k] = v
        tensors["grad." + k] = v.grad
    with torch.no_grad():
        tensors["causal.output"] = block_forward(x, p, heads, eps, causal=True)
    save("block.safetensors", tensors, {"heads": heads, "eps": eps, "mlp_ratio": 4})


def no_weight_decay(name, shape):
    """The NN module's rule (ParameterGroups): no decay for rank < 2, biases, norms,
    embeddings, positions and tokens (mask / condition tokens)."""
    parts = name.split(".")
    if len(shape) < 2 or parts[-1] == "bias":
        return True
    return any("norm" in c or "emb" in c or c.startswith("pos") or "token" in c for c in parts)


def adamw_fixture(gen):
    shapes = {
        "blocks.0.attn.qkv.weight": (6, 4), "blocks.0.attn.qkv.bias": (6,),
        "blocks.0.norm1.weight": (4,), "pos_embed": (1, 3, 4), "mask_token": (1, 1, 4),
        "class_emb.weight": (2, 4), "head.fc.weight": (3, 4),
    }
    lrs = [1e-2, 8e-3, 5e-3]
    grad_scales = [2.0, 0.2, 3.0]  # total gradient norm above, below, above the clip of 3.0
    max_norm, wd, betas, eps = 3.0, 0.05, (0.9, 0.95), 1e-8
    params = {k: torch.randn(*s, generator=gen, dtype=torch.float32).requires_grad_(True) for k, s in shapes.items()}
    decay = [p for k, p in params.items() if not no_weight_decay(k, p.shape)]
    other = [p for k, p in params.items() if no_weight_decay(k, p.shape)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": other, "weight_decay": 0.0}],
                            lr=lrs[0], betas=betas, eps=eps, foreach=False)
    tensors = {f"initial.{k}": p.detach().clone() for k, p in params.items()}
    for step, (lr, scale) in enumerate(zip(lrs, grad_scales)):
        for k, p in params.items():
            p.grad = torch.randn(*p.shape, generator=gen, dtype=torch.float32) * scale
            tensors[f"step{step}.grad.{k}"] = p.grad.clone()
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        tensors[f"step{step}.norm"] = norm.reshape(1)
        for k, p in params.items():
            tensors[f"step{step}.param.{k}"] = p.detach().clone()
    for k, p in params.items():
        tensors[f"state.exp_avg.{k}"] = opt.state[p]["exp_avg"]
        tensors[f"state.exp_avg_sq.{k}"] = opt.state[p]["exp_avg_sq"]
    save("adamw.safetensors", tensors, {
        "lrs": ",".join(repr(v) for v in lrs), "max_norm": max_norm, "weight_decay": wd,
        "beta1": betas[0], "beta2": betas[1], "eps": eps, "steps": len(lrs),
        "decay_names": ",".join(sorted(k for k, p in params.items() if not no_weight_decay(k, p.shape))),
    })


def python_written_fixture():
    save("python_written.safetensors", {
        "floats": torch.tensor([[0.0, -1.5, 3.25], [1e-7, 6.0e5, -0.0]], dtype=torch.float32),
        "int32s": torch.tensor([-2147483648, -1, 0, 7, 2147483647], dtype=torch.int32),
        "int64s": torch.tensor([[-(2 ** 40), 1], [2 ** 62, -3]], dtype=torch.int64),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }, {"producer": "torch " + torch.__version__, "note": "quote \" and é"})


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20260601)
    linear_fixture(gen)
    layer_norm_fixture(gen)
    gelu_fixture(gen)
    softmax_cross_entropy_fixture(gen)
    attention_fixture(gen, causal=True)
    attention_fixture(gen, causal=False)
    block_fixture(gen)
    adamw_fixture(gen)
    python_written_fixture()


if __name__ == "__main__":
    sys.exit(main())
