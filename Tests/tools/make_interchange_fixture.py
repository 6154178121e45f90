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
    def __init__(self, vocab, emb, hidden, layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, emb)
        self.rnn = torch.nn.LSTM(emb, hidden, layers)
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, x):
        y, _ = self.rnn(self.embedding(x))
        return self.head(y)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    model = CharModel(11, 6, 10, 2)
    tokens = torch.randint(0, 11, (5, 3))
    with torch.no_grad():
        logits = model(tokens)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "pytorch_lstm_charmodel.safetensors"),
              metadata={"generator": f"torch {torch.__version__} (Tests/tools/make_interchange_fixture.py)"})
    save_file({"tokens": tokens.to(torch.int64), "logits": logits.reshape(-1, 11).contiguous()},
              os.path.join(out, "pytorch_lstm_charmodel_check.safetensors"))
    print("wrote interchange fixture")


if __name__ == "__main__":
    main()
