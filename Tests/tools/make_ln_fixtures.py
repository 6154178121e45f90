#!/usr/bin/env python3
"""Writes layer-normalised LSTM and GRU fixtures (shared/fixtures/FORMAT.md, "Layer-normalised cells")
for cases the shared ln_* files do not cover: odd sizes, longer sequences with lengths, batch_first
without bias, three layers, batch 1, bidirectional LSTMs.

The shared generator (../shared/tools/make_fixtures_cells.py) draws each case's parameters, inputs and
upstream gradients and writes the file; then this script recomputes every output and gradient from
those same float32 values in float64, with the shared generator's own reference (`ln_stack`, PyTorch
autograd over FORMAT.md's equations), and stores them rounded to float32. The normalisations make
these cells' float32 gradients sensitive to rounding: PyTorch's own float32 gradients stray from the
float64 ones by up to 0.8 of FORMAT.md's layer tolerance on some draws of the cases below (and by
3.7 times it for an 80-step LSTM, which is why the long cases here are shorter), so a float32
reference would leave Recur little room of its own. The float64 one is the exact answer the
tolerance is measured from, and a draw is kept only where PyTorch's float32 error uses at most half
the tolerance (FLOAT32_SHARE).

Usage: make_ln_fixtures.py OUT_DIR   (with the peer's venv: ~/.cache/recur-torch-peer/bin/python)."""
import os, sys
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "tools"))
from make_fixtures_cells import ln_fixture, ln_stack

CASES = [
    # name, mode, input, hidden, T, B, layers, bidirectional, bias, batch_first, lengths
    ("ln_lstm_odd_13x21", "LSTM", 13, 21, 7, 5, 1, False, True, False, None),
    ("ln_lstm_t16_varlen", "LSTM", 6, 19, 16, 3, 1, False, True, False, [16, 5, 11]),
    ("ln_lstm_bf_nobias_2l_bi_varlen", "LSTM", 5, 9, 6, 4, 2, True, False, True, [6, 1, 4, 3]),
    ("ln_lstm_3l_b1", "LSTM", 7, 16, 5, 1, 3, False, True, False, None),
    ("ln_gru_odd_11x29_varlen", "GRU", 11, 29, 9, 5, 1, False, True, False, [9, 2, 7, 1, 5]),
    ("ln_gru_bf_nobias_3l", "GRU", 4, 10, 6, 3, 3, False, False, True, None),
    ("ln_gru_t40_bi", "GRU", 3, 12, 40, 2, 1, True, True, False, None),
]

OUTPUTS = ["output", "h_n", "c_n", "loss", "grad_input", "grad_h0", "grad_c0"]


def shifted(v, floats):
    """A copy of v that starts `floats` elements past an allocation's start (another alignment)."""
    storage = torch.empty(v.numel() + floats, dtype=v.dtype)
    out = storage[floats:].view(v.shape)
    out.copy_(v)
    return out


def reference(path, dtype, shift=None, forward=None):
    """Every output and gradient of the case in `path`, recomputed in `dtype` from its float32 values
    (`shift`: from copies of them at that many floats past an allocation's start). `forward(t, x, h0,
    c0, params, lengths)` replaces the layer-normalised stack (zoneout's, make_zoneout_fixtures.py)."""
    t = load_file(path)
    if shift is not None:
        t = {k: shifted(v, shift) for k, v in t.items()}
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
    xt = x.transpose(0, 1) if batch_first else x
    if forward is None:
        out, hn, cn = ln_stack(mode, xt, h0, c0, params, layers, directions, lengths)
    else:
        out, hn, cn = forward(t, xt, h0, c0, params, lengths)
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


# The share of FORMAT.md's layer tolerance that PyTorch's own float32 result may use. Another float32
# implementation rounds differently, and its error is as large as PyTorch's on the same case: a case
# where PyTorch used 0.8 of the tolerance (ln_gru_bf_nobias_3l's first draw) failed on a correct
# implementation that summed in another order (Intel's OpenCL runtime at 1.4 of it). Half leaves the
# other half to the implementation.
FLOAT32_SHARE = 0.5


def float32_share(path, forward=None):
    """How much of the layer tolerance PyTorch's float32 result uses, measured from float64: the
    most over several summation orders. PyTorch's float32 products sum in an order that depends on
    its tensors' alignment and threads, and one case measured 0.35 and 0.79 of the tolerance on
    the same values in two files; so the tensors at 16 alignments, on one thread and on all."""
    _, _, exact = reference(path, torch.float64, forward=forward)
    threads = torch.get_num_threads()
    worst = 0.0
    for count in (threads, 1):
        torch.set_num_threads(count)
        for shift in range(16):
            _, _, single = reference(path, torch.float32, shift=shift, forward=forward)
            worst = max([worst] + [((single[k].double() - v).abs() / (1e-5 + 1e-4 * v.abs())).max().item()
                                   for k, v in exact.items()])
    torch.set_num_threads(threads)
    return worst


def recompute_in_float64(path, forward=None):
    """Stores the float64 reference in place of the float32 one."""
    t, meta, exact = reference(path, torch.float64, forward=forward)
    for k, v in exact.items():
        t[k] = v.float().contiguous()
    meta["reference"] = "float64 (Tests/tools/make_ln_fixtures.py" + (")" if forward is None else ", with zoneout)")
    save_file(t, path, metadata=meta)


def well_conditioned(name, make, first_seed, forward=None):
    """Draws the case with make(seed) from `first_seed`, else the first of 19 further draws (seeds
    100 apart) whose float32 result is well-conditioned, and stores its float64 reference. The
    choice sees PyTorch's float32 error only, never Recur's."""
    for seed in range(first_seed, first_seed + 20 * 100, 100):
        path = make(seed)
        share = float32_share(path, forward)
        if share <= FLOAT32_SHARE:
            recompute_in_float64(path, forward)
            print("wrote", name, "seed", seed, f"(float32 uses {share:.2f} of the tolerance)")
            return
        print(f"{name}: seed {seed}'s float32 result uses {share:.2f} of the tolerance; drawing again")
    raise SystemExit(f"{name}: no draw is well-conditioned in float32; choose a shorter or smaller case")


if __name__ == "__main__":
    out = sys.argv[1]
    for index, (name, mode, I, H, T, B, L, bi, bias, bf, lengths) in enumerate(CASES):
        path = os.path.join(out, name + ".safetensors")
        def make(seed):
            ln_fixture(path, mode, I, H, T, B, L=L, bi=bi, bias=bias, batch_first=bf, lengths=lengths, seed=seed)
            return path
        well_conditioned(name, make, 800 + index)
