#!/usr/bin/env python3
"""Writes LSTM-with-projection layer fixtures (nn.LSTM's proj_size; shared/fixtures/FORMAT.md, "LSTM
with a projection") for cases the shared lstm_proj* files do not cover: odd sizes, P = 1 and P = H-1,
3 layers, batch_first without bias, long sequences with lengths. The reference is the shared generator
itself (../shared/tools/make_fixtures_cells.py, PyTorch's own nn.LSTM on the CPU in float32); only the
cases are ours.

Usage: make_proj_fixtures.py OUT_DIR   (with the peer's venv: ~/.cache/recur-torch-peer/bin/python)."""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "tools"))
from make_fixtures_cells import proj_fixture

CASES = [
    # name, input, hidden, projection, T, B, layers, bidirectional, bias, batch_first, lengths
    ("lstm_proj_odd_bf_nobias_2l_varlen", 13, 37, 11, 9, 5, 2, False, False, True, [9, 1, 5, 3, 7]),
    ("lstm_proj_p1_t60_varlen", 6, 19, 1, 60, 3, 1, False, True, False, [60, 17, 41]),
    ("lstm_proj_3l_bi_p_h_minus_1", 7, 24, 23, 5, 2, 3, True, True, False, None),
    ("lstm_proj_b1_bi_bf", 5, 33, 8, 7, 1, 1, True, True, True, None),
]

if __name__ == "__main__":
    out = sys.argv[1]
    for seed, (name, I, H, P, T, B, L, bi, bias, bf, lengths) in enumerate(CASES, start=700):
        proj_fixture(os.path.join(out, name + ".safetensors"), I, H, P, T, B, L=L, bi=bi, bias=bias,
                     batch_first=bf, lengths=lengths, seed=seed)
        print("wrote", name)
