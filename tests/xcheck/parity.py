#!/usr/bin/env python3
"""PyTorch parity test of the moegap decoder (label xcheck).

Runs xcheck_dump, which writes a tiny model's weights and what the C library
computed with them (the format is described at the top of xcheck_dump.c),
recomputes it here in fp32 PyTorch from the same weights, and compares. For
a tensor, "ratio" is max|C - ref| / max|ref|:

  * raw logits, the losses (ce, lb, z, total) and every parameter gradient
    of one batch: ratio at most 1e-4;
  * five training steps that the reference takes on its own (clipping to
    norm 1, torch's AdamW, the learning rate C recorded): each step's
    losses and gradient norm within 1e-3 relative, C's learning rate equal
    to the schedule recomputed here;
  * C's gradients of those steps fed through torch's clipping and AdamW:
    the parameters after every step at ratio 1e-4 (see check_optimizer);
  * a longer learning-rate schedule than the run's, step by step.

The reference is written from the model's description, not from the C code:
autograd supplies the gradients, torch.optim.AdamW and clip_grad_norm_ the
update. Routing is discontinuous, so for a MoE model the test also checks
that PyTorch chose the same experts as C for every token and that no choice
was a near tie.

Usage: parity.py --dump-exe PATH --kind dense|moe --workdir DIR [--seed N]
       parity.py --dump FILE          (compare an existing dump)
Exits 0 when every check passes, 1 otherwise.
"""

import argparse
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

GRAD_TOL = 1e-4      # logits, losses, gradients: max|diff| / max|ref|
STEP_TOL = 1e-3      # per-step losses and gradient norms, relative
LR_TOL = 1e-6        # C computes the schedule in float
ROUTE_MARGIN = 1e-4  # smallest allowed gap between the K-th and (K+1)-th router logit
SEED_TRIES = 10      # seeds tried for a dump without near ties

DTYPES = {0: "<f4", 1: "<f8", 2: "<i4"}


def read_dump(path):
    """Returns the records of an xcheck_dump file as {name: numpy array}, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"XCHECK1\0":
        sys.exit(f"{path}: not an xcheck dump")
    pos = 8

    def u32():
        nonlocal pos
        value = int.from_bytes(data[pos:pos + 4], "little")
        pos += 4
        return value

    records = {}
    while pos < len(data):
        length = u32()
        name = data[pos:pos + length].decode()
        pos += length
        dtype = np.dtype(DTYPES[u32()])
        shape = tuple(u32() for _ in range(u32()))
        count = int(np.prod(shape, dtype=np.int64))
        records[name] = np.frombuffer(data, dtype, count, pos).reshape(shape).copy()
        pos += count * dtype.itemsize
    return records


# --- the reference model -----------------------------------------------------

class Config:
    def __init__(self, d):
        (self.V, self.C, self.L, self.NH, self.T, self.ffn_hidden, self.E, self.K,
         self.expert_hidden, self.B, self.steps) = (int(v) for v in d["config"])
        self.lb_coef, self.z_coef, self.rope_theta, self.norm_eps = (float(v) for v in d["config_f"])
        (self.peak_lr, warmup, total, self.min_ratio, self.beta1, self.beta2, self.eps,
         self.weight_decay, self.grad_clip) = (float(v) for v in d["optim"])
        self.warmup, self.total = int(warmup), int(total)
        self.moe = self.E > 0
        self.hd = self.C // self.NH


def rmsnorm(x, g, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g


def rope_tables(T, hd, theta):
    """cos and sin (T, hd/2) of the angles t * theta^(-2i/hd), in float64 then cast."""
    i = np.arange(hd // 2, dtype=np.float64)
    angle = np.arange(T, dtype=np.float64)[:, None] * theta ** (-2.0 * i / hd)[None, :]
    return (torch.from_numpy(np.cos(angle)).float(), torch.from_numpy(np.sin(angle)).float())


def apply_rope(x, cos, sin):
    """Half-split (GPT-NeoX / Hugging Face rotate_half) rotary embedding of x (..., T, hd)."""
    half = x.shape[-1] // 2
    cos = torch.cat([cos, cos], dim=-1)
    sin = torch.cat([sin, sin], dim=-1)
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def attention(h, wqkv, wo, cfg, cos, sin):
    B, T, C = h.shape
    q, k, v = (h @ wqkv.T).split(C, dim=-1)  # wqkv rows are [q; k; v]

    def heads(t):
        return t.view(B, T, cfg.NH, cfg.hd).transpose(1, 2)  # (B, NH, T, hd)

    q, k, v = heads(q), heads(k), heads(v)
    q, k = apply_rope(q, cos[:T], sin[:T]), apply_rope(k, cos[:T], sin[:T])
    scores = q @ k.transpose(-2, -1) / math.sqrt(cfg.hd)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    scores = scores.masked_fill(~causal, float("-inf"))
    y = F.softmax(scores, dim=-1) @ v
    return y.transpose(1, 2).reshape(B, T, C) @ wo.T


def swiglu(x, w1, w3, w2):
    return (F.silu(x @ w1.T) * (x @ w3.T)) @ w2.T


def moe(x, wr, w1, w3, w2, cfg):
    """x (N, C) -> output (N, C), lb, z, router logits (N, E), choices (N, K)."""
    N = x.shape[0]
    logits = x @ wr.T
    probs = F.softmax(logits, dim=-1)
    # torch.topk does not promise C's ties-to-the-lower-index rule; the test
    # rejects near ties instead (check_routing)
    top_logits, choice = torch.topk(logits, cfg.K, dim=-1)
    gates = F.softmax(top_logits, dim=-1)
    # every expert on every token, weighted by a gate that is zero where the
    # expert was not chosen: slow, but plainly the definition
    gate_matrix = torch.zeros_like(logits).scatter(1, choice, gates)
    out = sum(gate_matrix[:, e:e + 1] * swiglu(x, w1[e], w3[e], w2[e]) for e in range(cfg.E))

    counts = torch.bincount(choice.flatten(), minlength=cfg.E).to(x.dtype)
    f = counts / (N * cfg.K)   # integer counts: no gradient flows through f
    P = probs.mean(dim=0)
    lb = cfg.lb_coef * cfg.E * (f * P).sum()
    z = cfg.z_coef * torch.logsumexp(logits, dim=-1).pow(2).mean()
    return out, lb, z, logits, choice


def forward(p, cfg, rope, inputs, targets=None):
    """Returns logits (N, V), the losses {ce, lb, z, total} and per layer
    (router logits, choices) for a MoE model."""
    cos, sin = rope
    B, T = inputs.shape
    N = B * T
    x = p["wte"][inputs]
    lb = z = torch.zeros(())
    routes = []
    for l in range(cfg.L):
        x = x + attention(rmsnorm(x, p["ln1g"][l], cfg.norm_eps), p["wqkv"][l], p["wo"][l],
                          cfg, cos, sin)
        h = rmsnorm(x, p["ln2g"][l], cfg.norm_eps)
        if cfg.moe:
            y, lb_l, z_l, rlogits, choice = moe(h.reshape(N, cfg.C), p["wr"][l], p["w1"][l],
                                                p["w3"][l], p["w2"][l], cfg)
            y = y.view(B, T, cfg.C)
            lb, z = lb + lb_l / cfg.L, z + z_l / cfg.L
            routes.append((rlogits.detach(), choice))
        else:
            y = swiglu(h, p["w1"][l], p["w3"][l], p["w2"][l])
        x = x + y
    logits = rmsnorm(x, p["lnfg"], cfg.norm_eps).reshape(N, cfg.C) @ p["wte"].T  # tied head
    losses = None
    if targets is not None:
        ce = F.cross_entropy(logits, targets.reshape(N))
        losses = {"ce": ce, "lb": lb, "z": z, "total": ce + lb + z}
    return logits, losses, routes


def schedule_lr(step, peak, warmup, total, min_ratio):
    """Linear warm-up to the peak over `warmup` steps, then cosine from the
    peak at step `warmup` to min_ratio * peak at step total-1, and after."""
    if step < warmup:
        return peak * (step + 1) / warmup
    span = total - 1 - warmup
    progress = min((step - warmup) / span, 1.0) if span > 0 else 1.0
    lo = min_ratio * peak
    return lo + (peak - lo) * 0.5 * (1.0 + math.cos(math.pi * progress))


# --- comparison --------------------------------------------------------------

class Checks:
    def __init__(self):
        self.failures = 0

    def header(self, title):
        print(f"\n{title}")
        print(f"  {'tensor':<22} {'max|diff|':>11} {'max|ref|':>11} {'ratio':>10} {'tol':>8}  result")

    def compare(self, name, c_value, ref, tol):
        """max|C - ref| <= tol * max|ref|; an all-zero reference must be matched exactly."""
        c_value = np.asarray(c_value, dtype=np.float64)
        ref = np.asarray(ref, dtype=np.float64)
        if c_value.shape != ref.shape:
            self.fail(f"  {name:<22} shape {c_value.shape} in C, {ref.shape} in the reference  FAIL")
            return
        diff = float(np.max(np.abs(c_value - ref)))
        scale = float(np.max(np.abs(ref)))
        ok = diff <= tol * scale and np.all(np.isfinite(c_value))
        ratio = diff / scale if scale > 0 else (0.0 if diff == 0 else math.inf)
        line = f"  {name:<22} {diff:11.3e} {scale:11.3e} {ratio:10.2e} {tol:8.0e}  {'OK' if ok else 'FAIL'}"
        if ok:
            print(line)
        else:
            self.fail(line)

    def check(self, ok, message):
        if ok:
            print(f"  {message}  OK")
        else:
            self.fail(f"  {message}  FAIL")

    def fail(self, line):
        print(line)
        self.failures += 1


def routing_margin(d):
    """Smallest gap between the K-th and (K+1)-th router logit of any token
    in any forward pass of a dump (infinite for a dense model)."""
    K = int(d["config"][7])
    margin = math.inf
    for name, rlogits in d.items():
        if name.endswith("/rlogits") and K < rlogits.shape[-1]:
            top = -np.sort(-rlogits, axis=-1)
            margin = min(margin, float((top[..., K - 1] - top[..., K]).min()))
    return margin


def check_routing(checks, where, routes, d, K):
    """Same router logits and experts as C for every token, and no near tie
    at the K-th choice."""
    c_choice = d[where + "/choice"]
    checks.compare(where + " router logits", d[where + "/rlogits"],
                   torch.stack([r for r, _ in routes]).numpy(), GRAD_TOL)
    mismatches = 0
    margin = math.inf
    for l, (rlogits, choice) in enumerate(routes):
        # the order within the K chosen does not change the output
        ours = np.sort(choice.numpy(), axis=1)
        theirs = np.sort(c_choice[l], axis=1)
        mismatches += int(np.sum(np.any(ours != theirs, axis=1)))
        if K < rlogits.shape[1]:
            top = torch.sort(rlogits, dim=1, descending=True).values
            margin = min(margin, float((top[:, K - 1] - top[:, K]).min()))
    checks.check(mismatches == 0 and margin >= ROUTE_MARGIN,
                 f"{where + ' routing':<22} {mismatches} tokens routed differently; "
                 f"smallest K-th/(K+1)-th logit gap {margin:.2e} (>= {ROUTE_MARGIN:.0e})")


def make_adamw(params, names, decay, cfg):
    """torch's AdamW with weight decay only on the tensors C decays."""
    groups = [
        {"params": [params[n] for n in names if decay[n]], "weight_decay": cfg.weight_decay},
        {"params": [params[n] for n in names if not decay[n]], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.peak_lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps)


def set_lr(opt, lr):
    for group in opt.param_groups:
        group["lr"] = lr


class Parity:
    def __init__(self, d):
        self.d = d
        self.cfg = Config(d)
        self.names = [k.split("/", 1)[1] for k in d if k.startswith("param/")]
        self.decay = {n: bool(d["decay/" + n]) for n in self.names}
        self.rope = rope_tables(self.cfg.T, self.cfg.hd, self.cfg.rope_theta)
        self.checks = Checks()

    def tokens(self, name):
        return torch.from_numpy(self.d[name].astype(np.int64))

    def initial_params(self):
        return {n: torch.from_numpy(self.d["param/" + n]).clone().requires_grad_(True)
                for n in self.names}

    def check_initial(self):
        """Logits, losses and gradients of one batch at the initial weights."""
        d, cfg, checks = self.d, self.cfg, self.checks
        params = self.initial_params()
        inputs, targets = self.tokens("inputs"), self.tokens("targets")
        checks.header("forward and backward, initial weights")
        with torch.no_grad():
            logits, _, _ = forward(params, cfg, self.rope, inputs)
        checks.compare("logits", d["logits"], logits.numpy(), GRAD_TOL)
        _, losses, routes = forward(params, cfg, self.rope, inputs, targets)
        if cfg.moe:
            check_routing(checks, "initial", routes, d, cfg.K)
        for i, key in enumerate(("ce", "lb", "z", "total")):
            checks.compare("loss " + key, d["losses"][i], losses[key].item(), GRAD_TOL)
        losses["total"].backward()
        for n in self.names:
            checks.compare("grad " + n, d["grad/" + n], params[n].grad.numpy(), GRAD_TOL)

    def check_training(self):
        """The reference trains on its own from the initial weights, at the
        learning rates C used; its losses must follow C's."""
        d, cfg, checks = self.d, self.cfg, self.checks
        params = self.initial_params()
        opt = make_adamw(params, self.names, self.decay, cfg)
        checks.header(f"{cfg.steps} training steps taken by the reference (losses before each update)")
        for step in range(cfg.steps):
            s = f"step{step}"
            _, losses, routes = forward(params, cfg, self.rope, self.tokens(s + "/inputs"),
                                        self.tokens(s + "/targets"))
            if cfg.moe:
                check_routing(checks, s, routes, d, cfg.K)
            for i, key in enumerate(("ce", "lb", "z", "total")):
                checks.compare(f"{s} {key}", d[s + "/losses"][i], losses[key].item(), STEP_TOL)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            gnorm = torch.nn.utils.clip_grad_norm_(list(params.values()), cfg.grad_clip)
            checks.compare(f"{s} grad norm", d[s + "/gnorm"][0], gnorm.item(), STEP_TOL)
            lr = float(d[s + "/lr"][0])
            checks.compare(f"{s} lr", lr, schedule_lr(step, cfg.peak_lr, cfg.warmup, cfg.total,
                                                      cfg.min_ratio), LR_TOL)
            set_lr(opt, lr)
            opt.step()

    def check_optimizer(self):
        """C's own gradients of every step through torch's clipping and AdamW,
        against C's parameters after each step.

        The training run above cannot compare parameters: where a gradient
        element is near AdamW's eps, the update lr * g / (|g| + eps) turns
        fp32 rounding of g (~1e-10) into parameter differences of ~1e-4. Fed
        the same gradients, the two optimizers must agree to rounding."""
        d, cfg, checks = self.d, self.cfg, self.checks
        params = self.initial_params()
        opt = make_adamw(params, self.names, self.decay, cfg)
        checks.header(f"clipping and AdamW on C's gradients, parameters after steps 0..{cfg.steps - 1}\n"
                      f"(weight decay on {', '.join(n for n in self.names if self.decay[n])}; "
                      f"not on {', '.join(n for n in self.names if not self.decay[n])})")
        ours = {n: [] for n in self.names}
        for step in range(cfg.steps):
            for n in self.names:
                params[n].grad = torch.from_numpy(d[f"step{step}/grad/{n}"]).clone()
            torch.nn.utils.clip_grad_norm_(list(params.values()), cfg.grad_clip)
            set_lr(opt, float(d[f"step{step}/lr"][0]))
            opt.step()
            for n in self.names:
                ours[n].append(params[n].detach().numpy().copy())
        for n in self.names:
            theirs = np.stack([d[f"step{step}/param/{n}"] for step in range(cfg.steps)])
            checks.compare("param " + n, theirs, np.stack(ours[n]), GRAD_TOL)

    def check_schedule(self):
        """A longer schedule than the run's five steps, whose cosine points
        (progress 0, 1/2, 1) a linear decay would match as well."""
        d, checks = self.d, self.checks
        peak, warmup, total, min_ratio = d["lr_curve/config"]
        checks.header(f"learning-rate schedule: peak {peak:g}, warm-up {warmup:g}, "
                      f"{total:g} steps, min ratio {min_ratio:g}")
        ours = [schedule_lr(step, peak, int(warmup), int(total), min_ratio)
                for step in range(len(d["lr_curve"]))]
        checks.compare("lr of steps 0..total+1", d["lr_curve"], ours, LR_TOL)

    def run(self):
        cfg = self.cfg
        kind = "moe" if cfg.moe else "dense"
        detail = f", E={cfg.E} K={cfg.K} lb_coef={cfg.lb_coef:g} z_coef={cfg.z_coef:g}" if cfg.moe else ""
        print(f"xcheck {kind}: V={cfg.V} C={cfg.C} L={cfg.L} NH={cfg.NH} B={cfg.B} T={cfg.T}{detail}")
        self.check_initial()
        self.check_training()
        self.check_optimizer()
        self.check_schedule()
        print()
        if self.checks.failures:
            print(f"xcheck {kind}: FAILED ({self.checks.failures} checks)")
            return 1
        print(f"xcheck {kind}: all checks passed")
        return 0


def run_parity(d):
    torch.set_num_threads(1)  # the machines are shared; the model is tiny
    return Parity(d).run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump-exe", help="the xcheck_dump program")
    ap.add_argument("--kind", choices=("dense", "moe"), default="moe")
    ap.add_argument("--workdir", default=".", help="where the dump file is written")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--dump", help="compare this existing dump instead of running --dump-exe")
    args = ap.parse_args()
    if args.dump:
        return run_parity(read_dump(args.dump))
    if not args.dump_exe:
        ap.error("give --dump-exe or --dump")

    # A token whose K-th and (K+1)-th router logits nearly tie could be
    # routed either way by rounding, and the comparison would then measure
    # rounding. Such a draw says nothing about correctness, so it is set
    # aside (judged on C's logits alone, before any comparison) for the next
    # seed; the checks below still demand identical routing.
    path = os.path.join(args.workdir, f"xcheck_{args.kind}.bin")
    for seed in range(args.seed, args.seed + SEED_TRIES):
        subprocess.run([args.dump_exe, args.kind, path, str(seed)], check=True)
        d = read_dump(path)
        margin = routing_margin(d)
        if margin >= ROUTE_MARGIN:
            print(f"xcheck: seed {seed}")
            return run_parity(d)
        print(f"xcheck: seed {seed}: a router near tie (logit gap {margin:.1e} < "
              f"{ROUTE_MARGIN:.0e}); trying the next seed")
    print(f"xcheck {args.kind}: FAILED: every seed from {args.seed} to "
          f"{args.seed + SEED_TRIES - 1} has a router near tie")
    return 1


if __name__ == "__main__":
    sys.exit(main())
