#!/usr/bin/env python3
"""Writes LSTM layer fixtures with cuDNN's cell clipping (shared/fixtures/FORMAT.md's "kind": "layer",
metadata `cell_clip`): each step's c = clamp(f * c + i * g, -clip, clip), then h = o * tanh(c). The
reference is a PyTorch autograd forward of our own over PyTorch's LSTM equations with torch.clamp
(whose gradient is zero where it clamped), on nn.LSTM's own parameters; the clips are small enough
that many units clamp.

Usage: make_cell_clip_fixtures.py OUT_DIR   (with the peer's venv: ~/.cache/recur-torch-peer/bin/python)."""
import os, sys
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "tools"))
from make_fixtures_cells import finish


def clipped_fixture(path, I, H, T, B, L=1, bi=False, bias=True, batch_first=False, lengths=None, clip=0.5, seed=0):
    g = torch.Generator().manual_seed(seed); torch.manual_seed(seed)
    m = torch.nn.LSTM(I, H, num_layers=L, bidirectional=bi, bias=bias, batch_first=batch_first)
    named = list(m.named_parameters()); params = dict(named)
    D = 2 if bi else 1
    x = torch.randn((B, T, I) if batch_first else (T, B, I), generator=g).requires_grad_(True)
    h0 = (0.5 * torch.randn(L * D, B, H, generator=g)).requires_grad_(True)
    c0 = (0.5 * torch.randn(L * D, B, H, generator=g)).requires_grad_(True)
    inp = x.transpose(0, 1) if batch_first else x
    lens = torch.tensor(lengths) if lengths is not None else None
    hns, cns, clamped, total = [], [], 0, 0
    for l in range(L):
        outs = []
        for d in range(D):
            s = f"_l{l}" + ("_reverse" if d == 1 else "")
            p = {n[:-len(s)]: v for n, v in params.items() if n.endswith(s)}
            h, c = h0[l * D + d], c0[l * D + d]
            ys = [None] * T
            for t in (range(T - 1, -1, -1) if d == 1 else range(T)):
                a = inp[t] @ p["weight_ih"].T + h @ p["weight_hh"].T + p.get("bias_ih", 0) + p.get("bias_hh", 0)
                i, f, gg, o = a.chunk(4, dim=1)
                raw = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
                c2 = torch.clamp(raw, -clip, clip)
                clamped += int((raw.abs() > clip).sum()); total += raw.numel()
                h2 = torch.sigmoid(o) * torch.tanh(c2)
                run = (t < lens).to(x.dtype).unsqueeze(1) if lens is not None else torch.ones(B, 1)
                h = run * h2 + (1 - run) * h
                c = run * c2 + (1 - run) * c
                ys[t] = h * run
            outs.append(torch.stack(ys)); hns.append(h); cns.append(c)
        inp = torch.cat(outs, dim=2)
    out = inp.transpose(0, 1) if batch_first else inp
    finish(path, "LSTM", I, H, T, B, L, bi, bias, batch_first, lengths, x, h0, c0, out, torch.stack(hns),
           torch.stack(cns), named, g, {"cell_clip": str(clip)})
    return clamped, total


CASES = [
    # name, input, hidden, T, B, layers, bidirectional, bias, batch_first, lengths, clip
    ("cell_clip_lstm", 5, 8, 7, 4, 1, False, True, False, None, 0.4),
    ("cell_clip_lstm_2l_bi_varlen", 4, 6, 6, 3, 2, True, True, False, [6, 2, 5], 0.3),
    ("cell_clip_lstm_bf_nobias_varlen", 3, 9, 9, 3, 1, False, False, True, [9, 4, 7], 0.25),
]

if __name__ == "__main__":
    out = sys.argv[1]
    for seed, (name, I, H, T, B, L, bi, bias, bf, lengths, clip) in enumerate(CASES, start=950):
        clamped, total = clipped_fixture(os.path.join(out, name + ".safetensors"), I, H, T, B, L=L, bi=bi, bias=bias,
                                         batch_first=bf, lengths=lengths, clip=clip, seed=seed)
        print(f"wrote {name}: {clamped} of {total} cell values clamped")
