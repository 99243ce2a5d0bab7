#!/usr/bin/python3
"""PyTorch's training speed on the ci-size models, for comparison with
moegap_bench measured in the same session (this machine's speed drifts, so
only ratios taken close together mean anything).

The same architecture as moegap (tied embedding, RMSNorm, rotary
half-split attention, SwiGLU, top-k routed experts grouped per expert with
index_select/index_add, load-balance and z-loss), AdamW with clipping,
fp32, one thread by default. Prints tokens/s per model (median of the
repetitions).

--serve is how moegap_bench runs it: both models are built and warmed up
once, then each line on stdin is answered with one line on stdout, so the
bench can put a PyTorch repetition right after each of its own:
  (first line out)          ready <shapes>   or   unavailable: <why>
  run MODEL STEPS THREADS   -> tokens/s over STEPS steps (MODEL dense|moe)
  quit (or end of input)    -> exits
A malformed command is answered "error: <why>".

usage: /usr/bin/python3 bench/torch_reference.py [--threads N] [--steps N] [--repeats N]
       /usr/bin/python3 bench/torch_reference.py --serve
"""
import argparse
import ctypes
import math
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the bench goes on without PyTorch and says why
    torch = None
    TORCH_MISSING = f"{type(e).__name__}: {e}"

V, C, L, NH, T, B = 1024, 64, 4, 4, 128, 32
H, E, EH, K = 256, 4, 128, 2  # dense ffn_hidden; experts, expert_hidden, top-k
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
            p[f"wr{l}"] = w(E, C)
            for e in range(E):
                p[f"w1_{l}_{e}"], p[f"w3_{l}_{e}"], p[f"w2_{l}_{e}"] = w(EH, C), w(EH, C), w(C, EH)
        else:
            p[f"w1{l}"], p[f"w3{l}"], p[f"w2{l}"] = w(H, C), w(H, C), w(C, H)
    return p


def moe_ffn(x, p, l):
    logits = x @ p[f"wr{l}"].T
    probs = F.softmax(logits, -1)
    top, choice = torch.topk(logits, K, -1)
    gates = F.softmax(top, -1)
    out = torch.zeros_like(x)
    for e in range(E):
        token, slot = (choice == e).nonzero(as_tuple=True)
        xe = x.index_select(0, token)
        ye = (F.silu(xe @ p[f"w1_{l}_{e}"].T) * (xe @ p[f"w3_{l}_{e}"].T)) @ p[f"w2_{l}_{e}"].T
        out = out.index_add(0, token, ye * gates[token, slot, None])
    f = torch.bincount(choice.flatten(), minlength=E).float() / choice.numel()
    lb = 0.01 * E * (f * probs.mean(0)).sum()
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


def make_trainer(moe):
    """The model, its optimizer and a fixed batch; returns step()."""
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

    return step


def timed(step, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return B * T * steps / (time.perf_counter() - t0)


def tokens_per_s(moe, steps, repeats):
    step = make_trainer(moe)
    for _ in range(2):
        step()
    return statistics.median(timed(step, steps) for _ in range(repeats))


def blas_thread_setter():
    """torch.set_num_threads sets the OpenMP pool; Debian's torch does its
    products through the system BLAS (BLAS_INFO=generic), which is
    OpenBLAS's pthread build here and keeps its own thread count, so that
    one is set too when it is loaded in this process."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line and "/" in line}
    for path in sorted(libs):
        try:
            return ctypes.CDLL(path).openblas_set_num_threads
        except (AttributeError, OSError):
            continue
    return None


def set_threads(n, blas_set):
    torch.set_num_threads(n)
    if blas_set is not None:
        blas_set(ctypes.c_int(n))


def serve():
    if torch is None:
        print(f"unavailable: PyTorch is not importable ({TORCH_MISSING})", flush=True)
        return
    blas_set = blas_thread_setter()
    steps = {"dense": make_trainer(False), "moe": make_trainer(True)}
    set_threads(1, blas_set)
    for step in steps.values():
        for _ in range(2):
            step()
    print(f"ready PyTorch {torch.__version__} V={V} C={C} L={L} NH={NH} T={T} B={B}"
          f" H={H} E={E} EH={EH} K={K} blas_threads={'set' if blas_set else 'unknown'}", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            break
        if len(words) != 4 or words[0] != "run" or words[1] not in steps \
                or not words[2].isdigit() or not words[3].isdigit() \
                or int(words[2]) < 1 or int(words[3]) < 1:
            print(f"error: expected 'run dense|moe STEPS THREADS', got {line.strip()!r}",
                  flush=True)
            continue
        set_threads(int(words[3]), blas_set)
        print(f"{timed(steps[words[1]], int(words[2])):.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--serve", action="store_true",
                    help="answer 'run MODEL STEPS THREADS' lines on stdin (moegap_bench)")
    a = ap.parse_args()
    if a.serve:
        serve()
        return
    if torch is None:
        sys.exit(f"torch_reference.py: PyTorch is not importable ({TORCH_MISSING})")
    torch.set_num_threads(a.threads)
    print(f"PyTorch {torch.__version__}, {a.threads} thread(s), ci-size models, batch {B}x{T}")
    for moe in (False, True):
        print(f"  {'moe' if moe else 'dense':6s} {tokens_per_s(moe, a.steps, a.repeats):8.0f} tokens/s")


if __name__ == "__main__":
    main()
