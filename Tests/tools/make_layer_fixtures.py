#!/usr/bin/env python3
"""Writes layer fixtures in the format of shared/fixtures/FORMAT.md ("kind": "layer") for cases the
shared set does not cover (odd sizes, 3 layers, T=200, batch 1, batch_first with lengths, no bias),
computed by PyTorch's own nn.RNN / nn.LSTM / nn.GRU on the CPU in float32.

Usage: make_layer_fixtures.py OUT_DIR   (needs torch and safetensors; ../shared/tools/torch-peer.sh
installs both into ~/.cache/recur-torch-peer)."""
import sys, os
import torch
from safetensors.torch import save_file

CASES = [
    # name, mode, input, hidden, layers, bidirectional, bias, batch_first, T, B, variable lengths
    ("gru_odd_13x37", "GRU", 13, 37, 1, False, True, False, 6, 5, False),
    ("lstm_3l", "LSTM", 6, 9, 3, False, True, False, 5, 3, False),
    ("rnn_tanh_t200", "RNN_TANH", 4, 8, 1, False, True, False, 200, 2, False),
    ("lstm_b1", "LSTM", 5, 11, 1, False, True, False, 9, 1, False),
    ("gru_bf_varlen_bi_2l", "GRU", 7, 6, 2, True, True, True, 8, 4, True),
    ("rnn_relu_nobias_bi_varlen", "RNN_RELU", 5, 7, 1, True, False, False, 6, 3, True),
    ("lstm_bf_varlen_bi_nobias_2l", "LSTM", 4, 5, 2, True, False, True, 7, 5, True),
    ("lstm_t200_varlen", "LSTM", 3, 10, 1, False, True, False, 200, 3, True),
]


def make(case, seed):
    name, mode, I, H, L, bi, bias, bf, T, B, varlen = case
    torch.manual_seed(seed)
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN_TANH": torch.nn.RNN, "RNN_RELU": torch.nn.RNN}[mode]
    kw = dict(num_layers=L, bidirectional=bi, bias=bias, batch_first=bf)
    if cls is torch.nn.RNN:
        kw["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
    m = cls(I, H, **kw)
    D = 2 if bi else 1
    x = torch.randn(*((B, T, I) if bf else (T, B, I)), requires_grad=True)
    h0 = torch.randn(L * D, B, H, requires_grad=True)
    c0 = torch.randn(L * D, B, H, requires_grad=True) if mode == "LSTM" else None
    lengths = None
    if varlen:
        lengths = torch.randint(1, T + 1, (B,))
        lengths[torch.randint(0, B, (1,))] = T  # one full-length sequence, the rest any length, unsorted
    state = (h0, c0) if c0 is not None else h0
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
        out, st = m(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=bf, total_length=T)
    else:
        out, st = m(x, state)
    h_n, c_n = (st if c0 is not None else (st, None))
    g_out = torch.randn_like(out)
    g_hn = torch.randn_like(h_n)
    loss = (out * g_out).sum() + (h_n * g_hn).sum()
    tensors = {}
    if c_n is not None:
        g_cn = torch.randn_like(c_n)
        loss = loss + (c_n * g_cn).sum()
        tensors["grad_c_n"] = g_cn
    loss.backward()
    for pname, p in m.named_parameters():
        tensors[pname] = p.detach()
        tensors["grad." + pname] = p.grad
    tensors.update(input=x.detach(), h0=h0.detach(), output=out.detach(), h_n=h_n.detach(), grad_output=g_out,
                   grad_h_n=g_hn, loss=loss.detach().reshape(1), grad_input=x.grad, grad_h0=h0.grad)
    if c0 is not None:
        tensors.update(c0=c0.detach(), c_n=c_n.detach(), grad_c0=c0.grad)
    if lengths is not None:
        tensors["lengths"] = lengths.to(torch.int64)
    meta = dict(kind="layer", mode=mode, input_size=str(I), hidden_size=str(H), num_layers=str(L),
                bidirectional=str(bi).lower(), bias=str(bias).lower(), batch_first=str(bf).lower(),
                seq_len=str(T), batch=str(B), generator=f"torch {torch.__version__} (Tests/tools/make_layer_fixtures.py)")
    return name, {k: v.contiguous().clone() for k, v in tensors.items()}, meta


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for seed, case in enumerate(CASES):
        name, tensors, meta = make(case, 1000 + seed)
        save_file(tensors, os.path.join(out_dir, name + ".safetensors"), metadata=meta)
        print("wrote", name)


if __name__ == "__main__":
    main()
