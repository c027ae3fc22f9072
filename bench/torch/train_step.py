"""PyTorch twin of ablate's training step, written for `bench/train-step.bench.ts`.

It rebuilds, in plain idiomatic PyTorch, the same network that `runtime/model/` builds
from a Run IR's `model` section (Swin-Unet backbone in 2D, or the nnFormer-style 3D
backbone of `nnformer.py`; per-modality 1x1 image embedding,
class embeddings Q, EAMs with auxiliary heads, Joint separate/V1/V2/V3 sharing, V3's
channel modulation) and the same objective (eq. 12: seg CE + Dice, aux, L_mcr, L_icr),
then times one optimisation step (forward + backward + update, one batch per
modality). Layout is channels-last, `[B, H, W, C]` in 2D as in the tfjs model, and
`[B, D, H, W, C]` in 3D (where the tfjs model folds depth into the batch axis, `[B*D, H,
W, C]`). Parameter count is printed so both sides can be compared.

Input: `--config FILE.json` with
  {"model": <Run IR model>, "loss": <Run IR loss>, "optimizer": <Run IR train.optimizer>,
   "crop": [x, y] or [x, y, z], "modalities": [...], "batch": B, "warmup": 2, "steps": 5,
   "threads": 2, "seed": 0}
Output: human-readable lines, then one JSON line (the last) with the figures.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

# OpenBLAS reads its thread count when it loads: set it before torch is imported.
_THREADS = os.environ.get("ABLATE_BENCH_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", _THREADS)
os.environ.setdefault("OMP_NUM_THREADS", _THREADS)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from nnformer import Decoder3D, Encoder3D, Geometry3D, drop_path_rates  # noqa: E402

SHARED = "shared"


def trunc_normal(shape, std=0.02):
    t = torch.empty(shape)
    nn.init.trunc_normal_(t, std=std, a=-2 * std, b=2 * std)
    return nn.Parameter(t)


class Linear(nn.Module):
    """y = x W + b with W [Cin, Cout], as ablate's LinearLayer (so shapes print alike)."""

    def __init__(self, cin, cout, bias=True):
        super().__init__()
        self.w = trunc_normal((cin, cout))
        self.b = nn.Parameter(torch.zeros(cout)) if bias else None

    def forward(self, x):
        y = x @ self.w
        return y + self.b if self.b is not None else y


def effective_window(grid, window, shifted):
    """Swin's rule per axis: a window at least the grid's size shrinks to it, unshifted."""
    out = []
    for n, w in zip(grid, window):
        out.append((n, 0) if n <= w else (w, w // 2 if shifted else 0))
    return [o[0] for o in out], [o[1] for o in out]


def window_partition(x, wh, ww):
    B, H, W, C = x.shape
    x = x.view(B, H // wh, wh, W // ww, ww, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, wh * ww, C)  # [B*nW, L, C]


def window_reverse(win, wh, ww, H, W):
    C = win.shape[-1]
    B = win.shape[0] // ((H // wh) * (W // ww))
    x = win.view(B, H // wh, W // ww, wh, ww, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(B, H, W, C)


def relative_position_index(wh, ww):
    coords = torch.stack(torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    rel[:, :, 0] += wh - 1
    rel[:, :, 1] += ww - 1
    return rel[:, :, 0] * (2 * ww - 1) + rel[:, :, 1]  # [L, L]


def shift_mask(H, W, win, shift):
    img = torch.zeros(1, H, W, 1)
    cnt = 0
    hs = [slice(0, -win[0]), slice(-win[0], -shift[0]), slice(-shift[0], None)] if shift[0] else [slice(None)]
    ws = [slice(0, -win[1]), slice(-win[1], -shift[1]), slice(-shift[1], None)] if shift[1] else [slice(None)]
    for h in hs:
        for w in ws:
            img[:, h, w, :] = cnt
            cnt += 1
    mw = window_partition(img, win[0], win[1]).squeeze(-1)  # [nW, L]
    m = mw[:, None, :] - mw[:, :, None]
    return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)  # [nW, L, L]


class WindowAttention(nn.Module):
    def __init__(self, dim, heads, win, qkv_bias):
        super().__init__()
        self.heads, self.win = heads, win
        self.scale = (dim // heads) ** -0.5
        self.qkv = Linear(dim, 3 * dim, qkv_bias)
        self.proj = Linear(dim, dim)
        self.relative_position_bias_table = trunc_normal(((2 * win[0] - 1) * (2 * win[1] - 1), heads))
        self.register_buffer("index", relative_position_index(*win).reshape(-1), persistent=False)

    def forward(self, x, mask):
        Bn, L, C = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(Bn, L, 3, h, C // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]  # [B*nW, h, L, dh]
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.index].view(L, L, h).permute(2, 0, 1)
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = (attn.view(Bn // nW, nW, h, L, L) + mask[None, :, None]).view(Bn, h, L, L)
        out = attn.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(Bn, L, C))


def drop_path(x, rate, training):
    if rate <= 0 or not training:
        return x
    keep = (torch.rand(x.shape[0], 1, 1, 1) >= rate).to(x.dtype) / (1 - rate)
    return x * keep


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, grid, window, shifted, mlp_ratio, qkv_bias, dp):
        super().__init__()
        self.grid = grid
        self.win, self.shift = effective_window(grid, window, shifted)
        self.dp = dp
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, self.win, qkv_bias)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.fc1 = Linear(dim, hidden)
        self.fc2 = Linear(hidden, dim)
        shifted_any = any(self.shift)
        self.register_buffer("mask", shift_mask(*grid, self.win, self.shift) if shifted_any else None, persistent=False)

    def forward(self, x, mod):
        H, W = self.grid
        sh, sw = self.shift
        h = self.norm1(x)
        if sh or sw:
            h = torch.roll(h, (-sh, -sw), (1, 2))
        h = window_reverse(self.attn(window_partition(h, *self.win), self.mask), *self.win, H, W)
        if sh or sw:
            h = torch.roll(h, (sh, sw), (1, 2))
        if mod is not None:
            h = h * mod[0]
        x = x + drop_path(h, self.dp, self.training)
        f = self.fc2(F.gelu(self.fc1(self.norm2(x))))
        if mod is not None:
            f = f * mod[1]
        return x + drop_path(f, self.dp, self.training)


def space_to_depth(x, s):
    B, H, W, C = x.shape
    return x.view(B, H // s[0], s[0], W // s[1], s[1], C).permute(0, 1, 3, 2, 4, 5).reshape(B, H // s[0], W // s[1], -1)


def depth_to_space(x, s):
    B, h, w, C = x.shape
    c = C // (s[0] * s[1])
    return x.view(B, h, w, s[0], s[1], c).permute(0, 1, 3, 2, 4, 5).reshape(B, h * s[0], w * s[1], c)


class PatchExpanding(nn.Module):
    def __init__(self, dim, scale, out_dim):
        super().__init__()
        self.scale = scale
        self.expand = Linear(dim, scale[0] * scale[1] * out_dim, bias=False)
        self.norm = nn.LayerNorm(out_dim)

    def forward(self, x):
        return self.norm(depth_to_space(self.expand(x), self.scale))


class Geometry:
    def __init__(self, bb, crop):
        self.K = len(bb["depths"])
        self.patch = (bb["patch"][1], bb["patch"][0])  # (h, w) from [x, y]
        self.window = (bb["window"][1], bb["window"][0])
        H, W = crop[1], crop[0]
        self.dims = [bb["embed"] * 2**k for k in range(self.K)]
        self.grids = [(H // self.patch[0] // 2**k, W // self.patch[1] // 2**k) for k in range(self.K)]


def build_stage(bb, g, k, depth, rates):
    return nn.ModuleList(
        SwinBlock(g.dims[k], bb["heads"][k], g.grids[k], g.window, j % 2 == 1, bb["mlpRatio"], bb["qkvBias"], rates[min(j, len(rates) - 1)])
        for j in range(depth)
    )


class Encoder(nn.Module):
    def __init__(self, bb, g, cin):
        super().__init__()
        self.g = g
        rates = drop_path_rates(bb["depths"], bb["dropPath"])
        self.patch_proj = Linear(g.patch[0] * g.patch[1] * cin, g.dims[0])
        self.patch_norm = nn.LayerNorm(g.dims[0])
        self.stages = nn.ModuleList(build_stage(bb, g, k, d, rates[k]) for k, d in enumerate(bb["depths"]))
        self.merge_norms = nn.ModuleList(nn.LayerNorm(4 * d) for d in g.dims[:-1])
        self.merge_reductions = nn.ModuleList(Linear(4 * d, 2 * d, bias=False) for d in g.dims[:-1])
        self.norm = nn.LayerNorm(g.dims[-1])

    def forward(self, x, mods):
        h = self.patch_norm(self.patch_proj(space_to_depth(x, self.g.patch)))
        skips = []
        for k in range(self.g.K):
            if k < self.g.K - 1:
                skips.append(h)
            for j, blk in enumerate(self.stages[k]):
                h = blk(h, mods.get(f"encoder/stage{k}/block{j}") if mods else None)
            if k < self.g.K - 1:
                h = self.merge_reductions[k](self.merge_norms[k](space_to_depth(h, (2, 2))))
        return skips, self.norm(h)


class Decoder(nn.Module):
    def __init__(self, bb, g, num_classes):
        super().__init__()
        self.g = g
        K, dims = g.K, g.dims
        rates = drop_path_rates(bb["depths"], bb["dropPath"])
        self.bottom_expand = PatchExpanding(dims[K - 1], (2, 2), dims[K - 2])
        self.concats = nn.ModuleList(Linear(2 * d, d) for d in dims[:-1])
        self.stages = nn.ModuleList(build_stage(bb, g, k, bb["decoderDepths"][k], rates[k]) for k in range(K - 1))
        self.expands = nn.ModuleList(PatchExpanding(d, (2, 2), d // 2) for d in dims[1:-1])
        self.norm = nn.LayerNorm(dims[0])
        self.final_expand = PatchExpanding(dims[0], g.patch, dims[0])
        self.head = Linear(dims[0], num_classes, bias=False)

    def forward(self, skips, bottom, mods):
        K = self.g.K
        features = [None] * (K - 1)
        h = self.bottom_expand(bottom)
        for k in range(K - 2, -1, -1):
            h = self.concats[k](torch.cat([h, skips[k]], -1))
            for j, blk in enumerate(self.stages[k]):
                h = blk(h, mods.get(f"decoder/stage{k}/block{j}") if mods else None)
            features[k] = h
            if k > 0:
                h = self.expands[k - 1](h)
        return features, self.head(self.final_expand(self.norm(h)))


class EAM(nn.Module):
    """External attention module, eq. 1-8 (same layout and choices as runtime/model/eam.ts)."""

    def __init__(self, dim, heads, classes, query_dim, next_dim, mlp_ratio):
        super().__init__()
        self.N, self.Z, self.dh = heads, classes, dim // heads
        self.input_reduction = Linear(query_dim, dim) if query_dim != dim else None
        self.norm_q, self.norm_f = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.wq, self.wk = Linear(dim, dim), Linear(dim, dim)
        self.semantic_kernels = trunc_normal((classes, dim, heads))
        self.has_next = next_dim is not None
        if self.has_next:
            self.wv, self.wo = Linear(dim, dim), Linear(dim, dim)
            self.norm_mlp = nn.LayerNorm(dim)
            self.fc1, self.fc2 = Linear(dim, int(dim * mlp_ratio)), Linear(int(dim * mlp_ratio), dim)
            self.reduce = Linear(dim, next_dim)

    def forward(self, Q, Fm):
        """`Fm` `[B, ..., C]` (2D or 3D): its tokens are attended in row-major order."""
        B, C = Fm.shape[0], Fm.shape[-1]
        L, N, Z, dh = Fm[0, ..., 0].numel(), self.N, self.Z, self.dh
        q0 = Q.unsqueeze(0).expand(B, -1, -1) if Q.dim() == 2 else Q
        if self.input_reduction is not None:
            q0 = self.input_reduction(q0)
        fn = self.norm_f(Fm.reshape(B, L, C))
        q = self.wq(self.norm_q(q0)).view(B, Z, N, dh).transpose(1, 2)
        k = self.wk(fn).view(B, L, N, dh).transpose(1, 2)
        A = q @ k.transpose(-2, -1)  # [B, N, Z, L]
        nxt = None
        if self.has_next:
            v = self.wv(fn).view(B, L, N, dh).transpose(1, 2)
            heads = (A / math.sqrt(dh)).softmax(-1) @ v  # [B, N, Z, dh]
            q_hat = self.wo(heads.transpose(1, 2).reshape(B, Z, C)) + q0
            q_tilde = self.fc2(F.gelu(self.fc1(self.norm_mlp(q_hat)))) + q_hat
            nxt = self.reduce(q_tilde)
        kernels = (q0.transpose(0, 1) @ self.semantic_kernels).transpose(0, 1)  # [B, Z, N]
        S = (kernels @ A.reshape(B, N, Z * L)).view(B, Z, Z, L)
        P = S.softmax(2)
        head_sum = A.sum(1, keepdim=True)
        E = (P * head_sum).sum(3) / P.sum(3)
        return A, E, nxt


class SegmentationTwin(nn.Module):
    def __init__(self, ir, crop, modalities):
        super().__init__()
        bb = ir["backbone"]
        if bb["kind"] not in ("swin_unet", "nnformer"):
            raise SystemExit(f"train_step.py: backbone {bb['kind']} is not in the twin (swin_unet, nnformer)")
        if bb["kind"] == "swin_unet":
            g, Enc, Dec = Geometry(bb, crop), Encoder, Decoder
        else:
            g, Enc, Dec = Geometry3D(bb, crop), Encoder3D, Decoder3D
        self.g, self.modalities = g, modalities
        joint = ir["joint"]
        share_enc = joint in ("v2", "v3")
        share_dec = joint in ("v1", "v2", "v3")
        self.enc = nn.ModuleDict({m: Enc(bb, g, ir["inChannels"]) for m in ([SHARED] if share_enc else modalities)})
        self.dec = nn.ModuleDict({m: Dec(bb, g, ir["numClasses"]) for m in ([SHARED] if share_dec else modalities)})
        self.share_enc, self.share_dec = share_enc, share_dec
        cin, Z, K = ir["inChannels"], ir["numClasses"], g.K
        self.embed = nn.ModuleDict({m: nn.Sequential(Linear(cin, cin), Linear(cin, cin)) for m in modalities})
        query_dim = g.dims[K - 2]
        self.Q = nn.ParameterDict({m: trunc_normal((Z, query_dim), std=1.0) for m in modalities}) if ir["classEmbedding"] else None
        scales = sorted(ir["eam"]["stages"]) if ir.get("eam") else []
        self.scales = scales
        eam_heads = ir["eam"]["heads"] if ir.get("eam") else 0
        self.eams = nn.ModuleDict()
        self.aux = nn.ModuleDict()
        for m in modalities:
            for i, s in enumerate(scales):
                stage = K - 1 - s
                dim = g.dims[stage]
                nxt = g.dims[K - 1 - scales[i + 1]] if i + 1 < len(scales) else None
                self.eams[f"{m}{s}"] = EAM(dim, eam_heads, Z, query_dim if i == 0 else dim, nxt, bb["mlpRatio"])
                self.aux[f"{m}{s}"] = Linear(Z * eam_heads, ir["numClasses"])
        self.modulated = joint == "v3"
        if self.modulated:
            self.w1 = nn.Parameter(torch.full((1, Z), 1.0 / Z))
            enc0 = next(iter(self.enc.values()))
            dec0 = next(iter(self.dec.values()))
            keys = [(f"encoder/stage{k}/block{j}", g.dims[k]) for k, st in enumerate(enc0.stages) for j in range(len(st))]
            keys += [(f"decoder/stage{k}/block{j}", g.dims[k]) for k, st in enumerate(dec0.stages) for j in range(len(st))]
            self.mod_keys = keys
            self.w2 = nn.ParameterList(trunc_normal((query_dim, d)) for _, d in keys)
            self.w3 = nn.ParameterList(trunc_normal((query_dim, d)) for _, d in keys)

    def forward(self, x, m):
        Q = self.Q[m] if self.Q is not None else None
        mods = None
        if self.modulated:
            omega = self.w1 @ Q
            mods = {key: ((omega @ self.w2[i]).view(-1), (omega @ self.w3[i]).view(-1)) for i, (key, _) in enumerate(self.mod_keys)}
        enc = self.enc[SHARED if self.share_enc else m]
        dec = self.dec[SHARED if self.share_dec else m]
        skips, bottom = enc(self.embed[m](x), mods)
        features, logits = dec(skips, bottom, mods)
        aux, Es = [], []
        query = Q
        for s in self.scales:
            stage = self.g.K - 1 - s
            A, E, nxt = self.eams[f"{m}{s}"](query, features[stage])
            B, N, Z, L = A.shape
            grid = features[stage].shape[1:-1]  # (H, W) or (D, H, W)
            aux.append(self.aux[f"{m}{s}"](A.reshape(B, N * Z, L).transpose(1, 2).reshape(B, *grid, N * Z)))
            Es.append(E)
            if nxt is not None:
                query = nxt
        return logits, aux, Es, Q


def cross_entropy(logits, y):
    """Channels-last logits `[B, ..., K]`, labels `[B, ...]`; mean over every pixel/voxel."""
    return F.cross_entropy(logits.movedim(-1, 1), y)


def dice_loss(logits, y, smooth=1e-5):
    K = logits.shape[-1]
    p = logits.softmax(-1).reshape(-1, K)
    g = F.one_hot(y, K).to(p.dtype).reshape(-1, K)
    inter = (p * g).sum(0)
    return (1 - (2 * inter + smooth) / (p.sum(0) + g.sum(0) + smooth)).mean()


def total_loss(outs, labels, loss):
    total = 0.0
    for (logits, aux, _, _), y in zip(outs, labels):
        total = total + loss["seg"]["ce"] * cross_entropy(logits, y) + loss["seg"]["dice"] * dice_loss(logits, y)
        if loss.get("aux") and loss["aux"]["weight"] > 0:
            a = 0.0
            for al in aux:
                # nearest down-sampling to the scale: the first label of each block, per axis
                yl = y[(slice(None),) + tuple(slice(None, None, n // a) for n, a in zip(y.shape[1:], al.shape[1:-1]))]
                a = a + loss["aux"]["ce"] * cross_entropy(al, yl) + loss["aux"]["dice"] * dice_loss(al, yl)
            total = total + loss["aux"]["weight"] * a
    if len(outs) >= 2:
        (_, _, Ea, Qa), (_, _, Eb, Qb) = outs[0], outs[1]
        if loss.get("mcr") and loss["mcr"]["weight"] > 0:
            total = total + loss["mcr"]["weight"] * (1 - F.cosine_similarity(Qa, Qb, dim=1, eps=1e-8)).sum()
        if loss.get("icr") and loss["icr"]["weight"] > 0:
            tau, icr = loss["icr"]["tau"], 0.0
            for ea, eb in zip(Ea, Eb):
                lp = (ea / tau).log_softmax(-1)[:, None]
                lq = (eb / tau).log_softmax(-1)[None]
                icr = icr + ((lp.exp() - lq.exp()) * (lp - lq)).sum() / (ea.shape[0] * eb.shape[0])
            total = total + loss["icr"]["weight"] * icr
    return total


def make_optimizer(spec, params):
    if spec["kind"] == "sgd":
        return torch.optim.SGD(params, lr=spec["lr"], momentum=spec["momentum"], weight_decay=spec["weightDecay"], nesterov=spec["nesterov"])
    return torch.optim.AdamW(params, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"], weight_decay=spec["weightDecay"])


def loaded_blas():
    """Which BLAS shared library the process actually mapped (Debian picks it by alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and "/" in line})
        return ", ".join(os.path.realpath(p) for p in libs) or "none mapped"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="JSON file written by bench/train-step.bench.ts")
    cfg = json.load(open(ap.parse_args().config))
    threads = int(cfg.get("threads", 2))
    torch.set_num_threads(threads)
    torch.manual_seed(cfg.get("seed", 0))
    ir, crop, mods, B = cfg["model"], cfg["crop"], cfg["modalities"], cfg["batch"]
    model = SegmentationTwin(ir, crop, mods).train()
    n_params = sum(p.numel() for p in model.parameters())
    opt = make_optimizer(cfg["optimizer"], model.parameters())
    grid = tuple(reversed(crop))  # (H, W) or (D, H, W)
    xs = [torch.randn(B, *grid, ir["inChannels"]) for _ in mods]
    ys = [torch.randint(0, ir["numClasses"], (B, *grid)) for _ in mods]

    def step():
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        outs = [model(x, m) for x, m in zip(xs, mods)]
        loss = total_loss(outs, ys, cfg["loss"])
        loss.backward()
        opt.step()
        return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000

    for _ in range(cfg.get("warmup", 2)):
        step()
    runs = [step() for _ in range(cfg.get("steps", 5))]
    times = [r[0] for r in runs]
    result = {
        "params": n_params,
        "medianMs": statistics.median(times),
        # CPU time of the whole process (all threads): equals wall time at 1 thread on an
        # idle core, and is what a busy machine cannot inflate by preempting the process
        "medianCpuMs": statistics.median(r[1] for r in runs),
        "stepsMs": [round(t, 1) for t in times],
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {result['blas']}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
