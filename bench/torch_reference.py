#!/usr/bin/python3
"""PyTorch's training speed on the ci-size models, for comparison with
moegap_bench measured in the same session (this machine's speed drifts, so
only ratios taken close together mean anything).

The same architecture as moegap (tied embedding, RMSNorm, rotary
half-split attention, SwiGLU, top-k routed experts grouped per expert with
index_select/index_add, load-balance and z-loss), AdamW with clipping,
fp32, one thread by default. Prints tokens/s per model (median of the
repetitions).

usage: /usr/bin/python3 bench/torch_reference.py [--threads N] [--steps N] [--repeats N]
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F

V, C, L, NH, T, B = 1024, 64, 4, 4, 128, 32
HD = C // NH


def rope_tables():
    i = torch.arange(HD // 2, dtype=torch.float64)
    angle = torch.arange(T, dtype=torch.float64)[:, None] * 10000.0 ** (-2.0 * i / HD)[None, :]
    cos, sin = torch.cos(angle).float(), torch.sin(angle).float()
    return torch.cat([cos, cos], -1), torch.cat([sin, sin], -1)


def rmsnorm(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * g


def rope(x, cos, sin):
    half = HD // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


def make_params(moe):
    g = torch.Generator().manual_seed(1)
    def w(*shape, std=0.02):
        return (torch.randn(*shape, generator=g) * std).requires_grad_()
    p = {"wte": w(V, C), "lnfg": torch.ones(C, requires_grad=True)}
    for l in range(L):
        p[f"ln1g{l}"] = torch.ones(C, requires_grad=True)
        p[f"ln2g{l}"] = torch.ones(C, requires_grad=True)
        p[f"wqkv{l}"] = w(3 * C, C)
        p[f"wo{l}"] = w(C, C)
        if moe:
            p[f"wr{l}"] = w(4, C)
            for e in range(4):
                p[f"w1_{l}_{e}"], p[f"w3_{l}_{e}"], p[f"w2_{l}_{e}"] = w(128, C), w(128, C), w(C, 128)
        else:
            p[f"w1{l}"], p[f"w3{l}"], p[f"w2{l}"] = w(256, C), w(256, C), w(C, 256)
    return p


def moe_ffn(x, p, l):
    logits = x @ p[f"wr{l}"].T
    probs = F.softmax(logits, -1)
    top, choice = torch.topk(logits, 2, -1)
    gates = F.softmax(top, -1)
    out = torch.zeros_like(x)
    for e in range(4):
        token, slot = (choice == e).nonzero(as_tuple=True)
        xe = x.index_select(0, token)
        ye = (F.silu(xe @ p[f"w1_{l}_{e}"].T) * (xe @ p[f"w3_{l}_{e}"].T)) @ p[f"w2_{l}_{e}"].T
        out = out.index_add(0, token, ye * gates[token, slot, None])
    f = torch.bincount(choice.flatten(), minlength=4).float() / choice.numel()
    lb = 0.01 * 4 * (f * probs.mean(0)).sum()
    z = 0.001 * torch.logsumexp(logits, -1).pow(2).mean()
    return out, lb + z


def loss_fn(p, inputs, targets, moe, cos, sin):
    x = p["wte"][inputs]
    aux = 0.0
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(L):
        h = rmsnorm(x, p[f"ln1g{l}"])
        q, k, v = (h @ p[f"wqkv{l}"].T).split(C, -1)
        q, k, v = (t.view(B, T, NH, HD).transpose(1, 2) for t in (q, k, v))
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        s = (q @ k.transpose(-2, -1) / math.sqrt(HD)).masked_fill(~mask, float("-inf"))
        x = x + (F.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, C) @ p[f"wo{l}"].T
        h = rmsnorm(x, p[f"ln2g{l}"])
        if moe:
            y, a = moe_ffn(h.reshape(B * T, C), p, l)
            x, aux = x + y.view(B, T, C), aux + a / L
        else:
            x = x + (F.silu(h @ p[f"w1{l}"].T) * (h @ p[f"w3{l}"].T)) @ p[f"w2{l}"].T
    logits = rmsnorm(x, p["lnfg"]).reshape(B * T, C) @ p["wte"].T
    return F.cross_entropy(logits, targets.reshape(-1)) + aux


def tokens_per_s(moe, steps, repeats):
    p = make_params(moe)
    decay = [t for n, t in p.items() if "ln" not in n]
    gains = [t for n, t in p.items() if "ln" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": gains, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.95), eps=1e-8)
    cos, sin = rope_tables()
    g = torch.Generator().manual_seed(2)
    data = torch.randint(0, V, (B, T + 1), generator=g)
    inputs, targets = data[:, :-1], data[:, 1:]

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(p, inputs, targets, moe, cos, sin).backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()

    for _ in range(2):
        step()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(B * T * steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"PyTorch {torch.__version__}, {a.threads} thread(s), ci-size models, batch {B}x{T}")
    for moe in (False, True):
        print(f"  {'moe' if moe else 'dense':6s} {tokens_per_s(moe, a.steps, a.repeats):8.0f} tokens/s")


if __name__ == "__main__":
    main()
