#!/usr/bin/env python3
"""PyTorch reference timings for `fractalmidi bench engine`: the same two pre-norm blocks,
forward + backward, at 1 and 2 threads, plus a 2048x512 . 512x2048 matmul for the roof.

    /tmp/fixtures-venv/bin/python Tools/bench_pytorch_block.py [--iterations 5] [--json]

FLOPs per block forward: 24*B*L*D^2 (qkv 6, proj 2, MLP 16) + 4*B*L^2*D (QK^T and AV);
forward + backward = 3x that (the same formula as the Swift benchmark).
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def block_flops(b, l, d):
    return 3 * (24 * b * l * d * d + 4 * b * l * l * d)


def median_seconds(fn, iterations, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_block(b, l, d, heads, iterations):
    torch.manual_seed(0)
    block = Block(d, heads)
    x = torch.randn(b, l, d)
    grad = torch.randn(b, l, d)

    def step():
        block.zero_grad(set_to_none=True)
        block(x).backward(grad)

    seconds = median_seconds(step, iterations)
    return seconds * 1e3, block_flops(b, l, d) / seconds / 1e9


def bench_matmul(iterations):
    a, w = torch.randn(2048, 512), torch.randn(512, 2048)
    seconds = median_seconds(lambda: torch.mm(a, w), max(iterations, 10))
    return 2 * 2048 * 512 * 2048 / seconds / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        with torch.no_grad():
            gemm = bench_matmul(args.iterations)
        block_ms, block_gflops = bench_block(8, 256, 512, 8, args.iterations)
        small_ms, small_gflops = bench_block(8000, 21, 128, 2, max(1, args.iterations // 2))
        results.append({
            "threads": threads, "matmul_gflops": gemm,
            "block_ms": block_ms, "block_gflops": block_gflops,
            "small_block_ms": small_ms, "small_block_gflops": small_gflops,
        })
    if args.json:
        print(json.dumps(results))
        return
    print(f"PyTorch {torch.__version__}; block = pre-norm ViT block, forward + backward")
    print(f"{'threads':>7} {'matmul GF/s':>12} {'block ms':>10} {'block GF/s':>11} {'small ms':>10} {'small GF/s':>11} {'small/roof':>10}")
    for r in results:
        print(f"{r['threads']:>7} {r['matmul_gflops']:>12.1f} {r['block_ms']:>10.1f} {r['block_gflops']:>11.1f} "
              f"{r['small_block_ms']:>10.1f} {r['small_block_gflops']:>11.1f} {r['small_block_gflops'] / r['matmul_gflops']:>10.2f}")
    print(f"block: B=8 L=256 D=512 H=8, {block_flops(8, 256, 512) / 1e9:.1f} GFLOP; "
          f"small: B=8000 L=21 D=128 H=2, {block_flops(8000, 21, 128) / 1e9:.1f} GFLOP")


if __name__ == "__main__":
    main()
