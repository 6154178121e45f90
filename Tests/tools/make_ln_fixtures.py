#!/usr/bin/env python3
"""Writes layer-normalised LSTM and GRU fixtures (shared/fixtures/FORMAT.md, "Layer-normalised cells")
for cases the shared ln_* files do not cover: odd sizes, longer sequences with lengths, batch_first
without bias, three layers, batch 1, bidirectional LSTMs.

The shared generator (../shared/tools/make_fixtures_cells.py) draws each case's parameters, inputs and
upstream gradients and writes the file; then this script recomputes every output and gradient from
those same float32 values in float64, with the shared generator's own reference (`ln_stack`, PyTorch
autograd over FORMAT.md's equations), and stores them rounded to float32. The normalisations make
these cells' float32 gradients sensitive to rounding: PyTorch's own float32 gradients of the cases
below stray from the float64 ones by up to 0.7 of FORMAT.md's layer tolerance (and by 3.7 times it
for an 80-step LSTM, which is why the long cases here are shorter), so a float32 reference would
leave Recur little room of its own. The float64 one is the exact answer the tolerance is measured from.

Usage: make_ln_fixtures.py OUT_DIR   (with the peer's venv: ~/.cache/recur-torch-peer/bin/python)."""
import os, sys
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "tools"))
from make_fixtures_cells import ln_fixture, ln_stack

CASES = [
    # name, mode, input, hidden, T, B, layers, bidirectional, bias, batch_first, lengths
    ("ln_lstm_odd_13x37", "LSTM", 13, 37, 7, 5, 1, False, True, False, None),
    ("ln_lstm_t16_varlen", "LSTM", 6, 19, 16, 3, 1, False, True, False, [16, 5, 11]),
    ("ln_lstm_bf_nobias_2l_bi_varlen", "LSTM", 5, 9, 6, 4, 2, True, False, True, [6, 1, 4, 3]),
    ("ln_lstm_3l_b1", "LSTM", 7, 16, 5, 1, 3, False, True, False, None),
    ("ln_gru_odd_11x29_varlen", "GRU", 11, 29, 9, 5, 1, False, True, False, [9, 2, 7, 1, 5]),
    ("ln_gru_bf_nobias_3l", "GRU", 4, 10, 6, 3, 3, False, False, True, None),
    ("ln_gru_t40_bi", "GRU", 3, 12, 40, 2, 1, True, True, False, None),
]

OUTPUTS = ["output", "h_n", "c_n", "loss", "grad_input", "grad_h0", "grad_c0"]


def reference(path, dtype):
    """Every output and gradient of the case in `path`, recomputed in `dtype` from its float32 values."""
    t = load_file(path)
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    mode, layers = meta["mode"], int(meta["num_layers"])
    directions = 2 if meta["bidirectional"] == "true" else 1
    batch_first = meta["batch_first"] == "true"
    names = [k for k in t if not k.startswith("grad") and k.split("_l")[0] in
             ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "ln_ih_weight", "ln_hh_weight", "ln_cell_weight", "ln_cell_bias")]
    params = {k: t[k].to(dtype).requires_grad_(True) for k in names}
    x = t["input"].to(dtype).requires_grad_(True)
    h0 = t["h0"].to(dtype).requires_grad_(True)
    c0 = t["c0"].to(dtype).requires_grad_(True) if "c0" in t else None
    lengths = t.get("lengths")
    out, hn, cn = ln_stack(mode, x.transpose(0, 1) if batch_first else x, h0, c0, params, layers, directions, lengths)
    if batch_first:
        out = out.transpose(0, 1)
    loss = (out * t["grad_output"].to(dtype)).sum() + (hn * t["grad_h_n"].to(dtype)).sum()
    if cn is not None:
        loss = loss + (cn * t["grad_c_n"].to(dtype)).sum()
    loss.backward()
    exact = {"output": out, "h_n": hn, "loss": loss.reshape(1), "grad_input": x.grad, "grad_h0": h0.grad}
    if c0 is not None:
        exact.update({"c_n": cn, "grad_c0": c0.grad})
    for k, p in params.items():
        exact["grad." + k] = p.grad
    return t, meta, {k: v.detach() for k, v in exact.items()}


def recompute_in_float64(path, limit=1.0):
    """Stores the float64 reference; refuses a case whose float32 gradients (PyTorch's own) stray
    from it by more than FORMAT.md's layer tolerance: float32 cannot be held to it there."""
    t, meta, exact = reference(path, torch.float64)
    _, _, single = reference(path, torch.float32)
    worst = max(((single[k].double() - v).abs() / (1e-5 + 1e-4 * v.abs())).max().item() for k, v in exact.items())
    if worst > limit:
        raise SystemExit(f"{path}: PyTorch's float32 result is {worst:.2f} of the tolerance from float64; choose a "
                         "better-conditioned case (shorter, smaller)")
    for k, v in exact.items():
        t[k] = v.float().contiguous()
    meta["reference"] = "float64 (Tests/tools/make_ln_fixtures.py)"
    save_file(t, path, metadata=meta)


if __name__ == "__main__":
    out = sys.argv[1]
    for seed, (name, mode, I, H, T, B, L, bi, bias, bf, lengths) in enumerate(CASES, start=800):
        path = os.path.join(out, name + ".safetensors")
        ln_fixture(path, mode, I, H, T, B, L=L, bi=bi, bias=bias, batch_first=bf, lengths=lengths, seed=seed)
        recompute_in_float64(path)
        print("wrote", name)
