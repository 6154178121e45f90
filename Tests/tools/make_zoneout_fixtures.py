#!/usr/bin/env python3
"""Writes zoneout fixtures: layer cases (shared/fixtures/FORMAT.md's "kind": "layer") of LSTMs and
GRUs, plain and layer-normalised, trained with zoneout (Krueger et al. 2016, as Recur defines it in
RNNDescriptor.zoneout): after each step, every unit of h (and of the LSTM's c) keeps its previous
value where its mask holds, and the layer's output is the state so kept.

The masks are Recur's (`ZoneoutMask`): this script draws them with the same 32-bit hash and seeds,
stores them in the file (`zoneout_mask.<h|c><suffix>`, (T, B, H), 1 where the unit holds), and the
reference below reads them from there: a PyTorch autograd forward over PyTorch's cell equations (the
layer-normalised ones from ../shared/tools/make_fixtures_cells.py), whose gradients are the oracle.
Metadata `zoneout` (p) and `zoneout_seed` (the forward's seed) tell Recur how to draw the masks.

Usage: make_zoneout_fixtures.py OUT_DIR   (with the peer's venv: ~/.cache/recur-torch-peer/bin/python)."""
import os, sys
import torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "tools"))
from make_fixtures_cells import finish, ln_cell_step

sys.path.insert(0, os.path.dirname(__file__))
from make_ln_fixtures import well_conditioned

M32 = 0xFFFFFFFF


def mask_hash(seed, index):
    """Recur's DropoutMask.hash, bit for bit."""
    x = ((index * 0x9E3779B9) & M32) ^ seed
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def state_seed(base, layer, direction, directions, cell):
    """Recur's ZoneoutMask.seed."""
    return ((base ^ 0x2E0F0A75) + (2 * (layer * directions + direction) + (1 if cell else 0)) * 0x01000193) & M32


def masks(seed, T, B, H, p):
    threshold = min(int(p * 4294967296.0), M32)
    m = torch.zeros(T, B, H)
    for t in range(T):
        for b in range(B):
            for j in range(H):
                m[t, b, j] = 1.0 if mask_hash(seed, (t * B + b) * H + j) < threshold else 0.0
    return m


def plain_step(mode, x, h, c, p):
    gx = x @ p["weight_ih"].T + p.get("bias_ih", 0)
    gh = h @ p["weight_hh"].T + p.get("bias_hh", 0)
    if mode == "LSTM":
        i, f, g, o = (gx + gh).chunk(4, dim=1)
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c2), c2
    xr, xz, xn = gx.chunk(3, dim=1); hr, hz, hn = gh.chunk(3, dim=1)
    r = torch.sigmoid(xr + hr); z = torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h, None


def zoneout_stack(mode, inp, h0, c0, params, masks, L, D, lens, layer_norm):
    """The stack's forward, time-major, with zoneout from `masks` (by stored name); (out, h_n, c_n)."""
    hns, cns = [], []
    B = inp.shape[1]
    for l in range(L):
        outs = []
        for d in range(D):
            s = f"_l{l}" + ("_reverse" if d == 1 else "")
            p = {n[:-len(s)]: v for n, v in params.items() if n.endswith(s)}
            h = h0[l * D + d]; c = c0[l * D + d] if c0 is not None else None
            mh = masks["zoneout_mask.h" + s].to(inp.dtype)
            mc = masks["zoneout_mask.c" + s].to(inp.dtype) if c is not None else None
            T = inp.shape[0]
            ys = [None] * T
            for t in (range(T - 1, -1, -1) if d == 1 else range(T)):
                h2, c2 = (ln_cell_step(mode, inp[t], h, c, p) if layer_norm else plain_step(mode, inp[t], h, c, p))
                h2 = mh[t] * h + (1 - mh[t]) * h2            # zoneout: hold where the mask is 1
                if c is not None: c2 = mc[t] * c + (1 - mc[t]) * c2
                run = (t < lens).to(inp.dtype).unsqueeze(1) if lens is not None else torch.ones(B, 1, dtype=inp.dtype)
                h = run * h2 + (1 - run) * h
                if c is not None: c = run * c2 + (1 - run) * c
                ys[t] = h * run
            outs.append(torch.stack(ys)); hns.append(h)
            if c is not None: cns.append(c)
        inp = torch.cat(outs, dim=2)
    return inp, torch.stack(hns), (torch.stack(cns) if cns else None)


def zoneout_fixture(path, mode, I, H, T, B, L=1, bi=False, bias=True, batch_first=False, lengths=None,
                    layer_norm=False, zoneout=0.25, seed=0):
    g = torch.Generator().manual_seed(seed)
    G = 4 if mode == "LSTM" else 3; D = 2 if bi else 1; k = H ** -0.5
    base = seed * 7919 + 12345
    named, stored = [], {}
    for l in range(L):
        Il = I if l == 0 else H * D
        for d in range(D):
            s = f"_l{l}" + ("_reverse" if d == 1 else "")
            ps = [("weight_ih" + s, (torch.rand(G * H, Il, generator=g) * 2 - 1) * k),
                  ("weight_hh" + s, (torch.rand(G * H, H, generator=g) * 2 - 1) * k)]
            if bias:
                ps += [("bias_ih" + s, (torch.rand(G * H, generator=g) * 2 - 1) * k),
                       ("bias_hh" + s, (torch.rand(G * H, generator=g) * 2 - 1) * k)]
            if layer_norm:
                ps += [("ln_ih_weight" + s, 1 + 0.2 * torch.randn(G * H, generator=g)),
                       ("ln_hh_weight" + s, 1 + 0.2 * torch.randn(G * H, generator=g))]
                if mode == "LSTM":
                    ps += [("ln_cell_weight" + s, 1 + 0.2 * torch.randn(H, generator=g)),
                           ("ln_cell_bias" + s, 0.1 * torch.randn(H, generator=g))]
            named += [(n, v.requires_grad_(True)) for n, v in ps]
            stored["zoneout_mask.h" + s] = masks(state_seed(base, l, d, D, False), T, B, H, zoneout)
            if mode == "LSTM":
                stored["zoneout_mask.c" + s] = masks(state_seed(base, l, d, D, True), T, B, H, zoneout)
    params = dict(named)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), generator=g).requires_grad_(True)
    h0 = (0.5 * torch.randn(L * D, B, H, generator=g)).requires_grad_(True)
    c0 = (0.5 * torch.randn(L * D, B, H, generator=g)).requires_grad_(True) if mode == "LSTM" else None
    inp = x.transpose(0, 1) if batch_first else x
    lens = torch.tensor(lengths) if lengths is not None else None
    out, hn, cn = zoneout_stack(mode, inp, h0, c0, params, stored, L, D, lens, layer_norm)
    out = out.transpose(0, 1) if batch_first else out
    meta = {"zoneout": str(zoneout), "zoneout_seed": str(base)}
    if layer_norm: meta.update({"cell": "layer_norm", "layer_norm_eps": "1e-05"})
    finish(path, mode, I, H, T, B, L, bi, bias, batch_first, lengths, x, h0, c0, out, hn, cn, named, g, meta)
    tensors = load_file(path)
    with safe_open(path, "pt") as f: metadata = f.metadata()
    tensors.update({n: v.contiguous() for n, v in stored.items()})
    save_file(tensors, path, metadata=metadata)


CASES = [
    # name, mode, input, hidden, T, B, layers, bidirectional, bias, batch_first, lengths, layer_norm, p
    ("zoneout_lstm", "LSTM", 5, 8, 7, 4, 1, False, True, False, None, False, 0.25),
    ("zoneout_gru_2l_bi_varlen", "GRU", 4, 6, 6, 3, 2, True, True, False, [6, 2, 4], False, 0.3),
    ("zoneout_lstm_bf_nobias_varlen", "LSTM", 3, 9, 8, 3, 1, False, False, True, [8, 3, 5], False, 0.5),
    ("zoneout_ln_lstm_2l", "LSTM", 4, 7, 5, 3, 2, False, True, False, None, True, 0.2),
    ("zoneout_ln_gru_bi_varlen", "GRU", 5, 6, 6, 3, 1, True, True, False, [6, 1, 4], True, 0.15),
]

def layer_norm_forward(mode, L, D):
    """make_ln_fixtures.reference's forward for a layer-normalised zoneout case: the masks from the file."""
    def forward(t, xt, h0, c0, params, lengths):
        return zoneout_stack(mode, xt, h0, c0, params, t, L, D, lengths, True)
    return forward


if __name__ == "__main__":
    out = sys.argv[1]
    for seed, (name, mode, I, H, T, B, L, bi, bias, bf, lengths, ln, p) in enumerate(CASES, start=900):
        path = os.path.join(out, name + ".safetensors")
        def make(seed):
            zoneout_fixture(path, mode, I, H, T, B, L=L, bi=bi, bias=bias, batch_first=bf, lengths=lengths,
                            layer_norm=ln, zoneout=p, seed=seed)
            return path
        if ln:
            # Layer-normalised cells need make_ln_fixtures' float64 reference and its conditioning rule.
            well_conditioned(name, make, seed, layer_norm_forward(mode, L, 2 if bi else 1))
        else:
            make(seed)
            print("wrote", name)
