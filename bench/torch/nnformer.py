"""nnFormer-style 3D backbone for the PyTorch twin (`train_step.py`), in plain PyTorch.

The same network as ablate's `runtime/model/nnformer.ts` (Zhou et al. 2021, nnFormer,
arXiv:2109.03201, with the simplifications of `runtime/model/README.md`): patch
embedding by one strided `Conv3d` (kernel = stride = patch) + LayerNorm, Swin blocks
with volume windows (relative position bias, cyclic shift by `torch.roll`, -100 masks,
windows clamped to the token grid per axis), down-sampling LayerNorm + `Conv3d`
(kernel = stride = 2, d -> 2d), up-sampling `ConvTranspose3d` (kernel = stride = 2,
2d -> d) with additive skips, and a `ConvTranspose3d` head (kernel = stride = patch) to
the classes. No norm after the bottleneck, none before the head (as the tfjs model).

Token maps are channels-last `[B, D, H, W, C]` (nnFormer's own layout between its
convolutions); convolutions see `[B, C, D, H, W]`. Run IR sizes are `[x, y, z]`, so
`W = x`, `H = y`, `D = z`, and a window `[wx, wy, wz]` is `(wd, wh, ww) = (wz, wy, wx)`.
"""

import torch
import torch.nn as nn


def dhw(xyz):
    """Run IR `[x, y, z]` -> `(d, h, w)`."""
    return (xyz[2], xyz[1], xyz[0])


def to_channels_first(x):
    return x.permute(0, 4, 1, 2, 3)  # [B, C, D, H, W]


def to_channels_last(x):
    return x.permute(0, 2, 3, 4, 1)  # [B, D, H, W, C]


def effective_window(grid, window, shifted):
    """Swin's rule per axis: a window at least the grid's size shrinks to it, unshifted."""
    win = tuple(min(n, w) for n, w in zip(grid, window))
    shift = tuple(w // 2 if shifted and n > w else 0 for n, w in zip(grid, window))
    return win, shift


def window_partition(x, win):
    """`[B, D, H, W, C]` -> `[B*nW, wd*wh*ww, C]`, windows in (d, h, w) order."""
    B, D, H, W, C = x.shape
    wd, wh, ww = win
    x = x.view(B, D // wd, wd, H // wh, wh, W // ww, ww, C)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, wd * wh * ww, C)  # [B*nW, L, C]


def window_reverse(windows, win, grid):
    """Inverse of `window_partition`: `[B*nW, L, C]` -> `[B, D, H, W, C]`."""
    wd, wh, ww = win
    D, H, W = grid
    C = windows.shape[-1]
    x = windows.view(-1, D // wd, H // wh, W // ww, wd, wh, ww, C)
    return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(-1, D, H, W, C)  # [B, D, H, W, C]


def relative_position_index(win):
    """`[L, L]` row of the `(2wd-1)(2wh-1)(2ww-1)` bias table for each token pair."""
    wd, wh, ww = win
    coords = torch.stack(torch.meshgrid(torch.arange(wd), torch.arange(wh), torch.arange(ww), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)  # [L, L, 3]
    rel[:, :, 0] += wd - 1
    rel[:, :, 1] += wh - 1
    rel[:, :, 2] += ww - 1
    return (rel[:, :, 0] * (2 * wh - 1) + rel[:, :, 1]) * (2 * ww - 1) + rel[:, :, 2]


def shift_mask(grid, win, shift):
    """`[nW, L, L]` additive mask of a shifted block: -100 between tokens of different regions."""
    img = torch.zeros(1, *grid, 1)
    cnt = 0
    slices = [
        [slice(0, -w), slice(-w, -s), slice(-s, None)] if s else [slice(None)]
        for w, s in zip(win, shift)
    ]
    for d in slices[0]:
        for h in slices[1]:
            for w in slices[2]:
                img[:, d, h, w, :] = cnt
                cnt += 1
    mw = window_partition(img, win).squeeze(-1)  # [nW, L]
    m = mw[:, None, :] - mw[:, :, None]
    return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)


class DropPath(nn.Module):
    """Stochastic depth per sample (timm's)."""

    def __init__(self, rate):
        super().__init__()
        self.rate = rate

    def forward(self, x):
        if self.rate <= 0 or not self.training:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1 - self.rate)
        return x * keep / (1 - self.rate)


class WindowAttention3D(nn.Module):
    def __init__(self, dim, heads, win, qkv_bias):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        rows = (2 * win[0] - 1) * (2 * win[1] - 1) * (2 * win[2] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(rows, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.register_buffer("index", relative_position_index(win).reshape(-1), persistent=False)

    def forward(self, x, mask):
        Bn, L, C = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(Bn, L, 3, h, C // h).permute(2, 0, 3, 1, 4)  # [3, B*nW, h, L, dh]
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)  # [B*nW, h, L, L]
        bias = self.relative_position_bias_table[self.index].view(L, L, h).permute(2, 0, 1)
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = (attn.view(Bn // nW, nW, h, L, L) + mask[None, :, None]).view(Bn, h, L, L)
        out = attn.softmax(-1) @ v  # [B*nW, h, L, dh]
        return self.proj(out.transpose(1, 2).reshape(Bn, L, C))


class SwinBlock3D(nn.Module):
    """Pre-norm (shifted) volume-window attention and MLP; V3's Φ1, Φ2 scale the branches (eq. 14-15)."""

    def __init__(self, dim, heads, grid, window, shifted, mlp_ratio, qkv_bias, drop_path):
        super().__init__()
        self.grid = grid
        self.win, self.shift = effective_window(grid, window, shifted)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention3D(dim, heads, self.win, qkv_bias)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self.drop_path = DropPath(drop_path)
        mask = shift_mask(grid, self.win, self.shift) if any(self.shift) else None
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x, mod=None):
        shifted = any(self.shift)
        h = self.norm1(x)
        # cyclic shift
        if shifted:
            h = torch.roll(h, tuple(-s for s in self.shift), (1, 2, 3))
        # partition windows, W-MSA/SW-MSA, merge windows
        h = window_reverse(self.attn(window_partition(h, self.win), self.mask), self.win, self.grid)
        # reverse cyclic shift
        if shifted:
            h = torch.roll(h, self.shift, (1, 2, 3))
        if mod is not None:
            h = h * mod[0]
        x = x + self.drop_path(h)
        f = self.mlp(self.norm2(x))
        if mod is not None:
            f = f * mod[1]
        return x + self.drop_path(f)


class PatchEmbed3D(nn.Module):
    """`Conv3d` with kernel = stride = patch, then LayerNorm: `[B, D, H, W, Cin]` -> `[B, D', H', W', C]`."""

    def __init__(self, cin, dim, patch):
        super().__init__()
        self.proj = nn.Conv3d(cin, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(to_channels_last(self.proj(to_channels_first(x))))


class Down3D(nn.Module):
    """LayerNorm, then `Conv3d` d -> 2d with kernel = stride = 2."""

    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.reduction = nn.Conv3d(dim, 2 * dim, kernel_size=2, stride=2)

    def forward(self, x):
        return to_channels_last(self.reduction(to_channels_first(self.norm(x))))


class Up3D(nn.Module):
    """`ConvTranspose3d` cin -> cout with kernel = stride = `scale` (also the head)."""

    def __init__(self, cin, cout, scale):
        super().__init__()
        self.up = nn.ConvTranspose3d(cin, cout, kernel_size=scale, stride=scale)

    def forward(self, x):
        return to_channels_last(self.up(to_channels_first(x)))


def init_weights(m):
    """timm's: truncated normal σ = 0.02 for linear layers, zero bias; convolutions keep PyTorch's default."""
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


class Geometry3D:
    """Stage widths and token grids `(D, H, W)` from the backbone IR and the crop `[x, y, z]`."""

    def __init__(self, bb, crop):
        self.K = len(bb["depths"])
        self.patch = dhw(bb["patch"])
        windows = bb["window"]
        self.windows = [dhw(windows[min(k, len(windows) - 1)]) for k in range(self.K)]
        self.dims = [bb["embed"] * 2**k for k in range(self.K)]
        top = tuple(n // p for n, p in zip(dhw(crop), self.patch))
        self.grids = [tuple(n // 2**k for n in top) for k in range(self.K)]


def drop_path_rates(depths, rate):
    total = sum(depths)
    rates, i = [], 0
    for d in depths:
        rates.append([rate * (i + j) / max(total - 1, 1) for j in range(d)])
        i += d
    return rates


def build_stage(bb, g, k, depth, rates):
    return nn.ModuleList(
        SwinBlock3D(g.dims[k], bb["heads"][k], g.grids[k], g.windows[k], j % 2 == 1, bb["mlpRatio"], bb["qkvBias"], rates[min(j, len(rates) - 1)])
        for j in range(depth)
    )


class Encoder3D(nn.Module):
    def __init__(self, bb, g, cin):
        super().__init__()
        self.g = g
        rates = drop_path_rates(bb["depths"], bb["dropPath"])
        self.patch_embed = PatchEmbed3D(cin, g.dims[0], g.patch)
        self.stages = nn.ModuleList(build_stage(bb, g, k, d, rates[k]) for k, d in enumerate(bb["depths"]))
        self.downs = nn.ModuleList(Down3D(d) for d in g.dims[:-1])
        self.apply(init_weights)

    def forward(self, x, mods=None):
        """`[B, D, H, W, Cin]` -> skips of stages 0..K-2 (after their blocks) and the bottleneck."""
        h = self.patch_embed(x)  # [B, D/pd, H/ph, W/pw, C]
        skips = []
        for k, stage in enumerate(self.stages):
            for j, blk in enumerate(stage):
                h = blk(h, mods.get(f"encoder/stage{k}/block{j}") if mods else None)
            if k < self.g.K - 1:
                skips.append(h)
                h = self.downs[k](h)  # [B, D_k/2, H_k/2, W_k/2, 2C_k]
        return skips, h


class Decoder3D(nn.Module):
    def __init__(self, bb, g, num_classes):
        super().__init__()
        self.g = g
        rates = drop_path_rates(bb["depths"], bb["dropPath"])
        self.ups = nn.ModuleList(Up3D(2 * d, d, 2) for d in g.dims[:-1])
        self.stages = nn.ModuleList(build_stage(bb, g, k, bb["decoderDepths"][k], rates[k]) for k in range(g.K - 1))
        self.head = Up3D(g.dims[0], num_classes, g.patch)
        self.apply(init_weights)

    def forward(self, skips, bottom, mods=None):
        """Features of decoder stages 0..K-2 (the EAM inputs) and `[B, D, H, W, classes]` logits."""
        features = [None] * (self.g.K - 1)
        h = bottom
        for k in range(self.g.K - 2, -1, -1):
            h = self.ups[k](h) + skips[k]  # additive skip
            for j, blk in enumerate(self.stages[k]):
                h = blk(h, mods.get(f"decoder/stage{k}/block{j}") if mods else None)
            features[k] = h
        return features, self.head(h)

