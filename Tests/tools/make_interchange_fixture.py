#!/usr/bin/env python3
"""Writes a PyTorch-saved model checkpoint for the interchange test: a state_dict with Recur's names
(embedding.weight, rnn.*, head.*) saved by safetensors.torch.save_file, plus the logits PyTorch computes
for a fixed token batch (stored as "check.tokens" and "check.logits" in a second file), so the test can
load the checkpoint into Recur and compare outputs.

Usage: make_interchange_fixture.py OUT_DIR   (needs torch and safetensors)."""
import sys, os
import torch
from safetensors.torch import save_file


class CharModel(torch.nn.Module):
    def __init__(self, vocab, emb, hidden, layers, proj_size=0):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, emb)
        self.rnn = torch.nn.LSTM(emb, hidden, layers, proj_size=proj_size)
        self.head = torch.nn.Linear(proj_size or hidden, vocab)

    def forward(self, x):
        y, _ = self.rnn(self.embedding(x))
        return self.head(y)


def write(out, name, seed, proj_size=0):
    torch.manual_seed(seed)
    model = CharModel(11, 6, 10, 2, proj_size)
    tokens = torch.randint(0, 11, (5, 3))
    with torch.no_grad():
        logits = model(tokens)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, name + ".safetensors"),
              metadata={"generator": f"torch {torch.__version__} (Tests/tools/make_interchange_fixture.py)"})
    save_file({"tokens": tokens.to(torch.int64), "logits": logits.reshape(-1, 11).contiguous()},
              os.path.join(out, name + "_check.safetensors"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(out, "pytorch_lstm_charmodel", 7)
    # nn.LSTM with proj_size: weight_hr_l{k} (4, 10), weight_hh_l{k} (40, 4), a head over 4 features.
    write(out, "pytorch_lstmp_charmodel", 8, proj_size=4)
    print("wrote interchange fixtures")


if __name__ == "__main__":
    main()
