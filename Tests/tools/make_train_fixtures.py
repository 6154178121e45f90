#!/usr/bin/env python3
"""Writes training fixtures in the format of shared/fixtures/FORMAT.md ("kind": "train") for settings the
shared set does not cover (other cells, layers, weight decay, momentum, AdamW, RMSprop with momentum and
centering, Adagrad with a decay and an initial accumulator, no clipping), computed by
PyTorch's own nn.Embedding, nn.RNN/LSTM/GRU, nn.Linear, cross_entropy, clip_grad_norm_ and optimizers on
the CPU in float32. Extra optimizer settings go into the metadata (momentum, nesterov; RMSprop's alpha,
centered, eps; Adagrad's lr_decay, initial_accumulator_value, eps).

Usage: make_train_fixtures.py OUT_DIR   (needs torch and safetensors)."""
import sys, os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

CASES = [
    # name, mode, vocab, emb, hidden, layers, T, B, optimizer, lr, weight_decay, clip, momentum, nesterov, steps[, extra]
    ("train_rnn_tanh_sgd_momentum", "RNN_TANH", 7, 5, 9, 1, 8, 3, "sgd", 0.3, 0.0, 1.0, 0.9, False, 4),
    ("train_lstm_2l_adam_wd_noclip", "LSTM", 13, 6, 11, 2, 9, 2, "adam", 0.02, 0.01, None, 0.0, False, 3),
    ("train_gru_sgd_nesterov_wd", "GRU", 10, 4, 8, 1, 7, 4, "sgd", 0.2, 0.001, 0.5, 0.8, True, 4),
    ("train_rnn_relu_adamw", "RNN_RELU", 9, 5, 6, 2, 6, 3, "adamw", 0.01, 0.05, 2.0, 0.0, False, 3),
    ("train_lstm_2l_rmsprop_centered_momentum_wd", "LSTM", 11, 5, 7, 2, 6, 3, "rmsprop", 0.005, 0.01, 1.0, 0.9, False, 4,
     dict(alpha=0.9, centered=True)),
    ("train_rnn_tanh_rmsprop_momentum_noclip", "RNN_TANH", 8, 4, 6, 1, 7, 2, "rmsprop", 0.01, 0.0, None, 0.5, False, 3,
     dict(alpha=0.99, centered=False)),
    ("train_gru_2l_adagrad_decay_init_wd", "GRU", 9, 6, 5, 2, 5, 4, "adagrad", 0.05, 0.001, 1.0, 0.0, False, 4,
     dict(lr_decay=0.1, initial_accumulator_value=0.1)),
]


class Model(torch.nn.Module):
    def __init__(self, mode, vocab, emb, hidden, layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, emb)
        if mode.startswith("RNN"):
            self.rnn = torch.nn.RNN(emb, hidden, layers, nonlinearity="tanh" if mode == "RNN_TANH" else "relu")
        else:
            self.rnn = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[mode](emb, hidden, layers)
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, x):
        y, _ = self.rnn(self.embedding(x))
        return self.head(y)


def make(case, seed):
    name, mode, V, E, H, L, T, B, opt, lr, wd, clip, momentum, nesterov, steps = case[:15]
    extra = case[15] if len(case) > 15 else {}
    torch.manual_seed(seed)
    model = Model(mode, V, E, H, L)
    tokens = torch.randint(0, V, (T + 1, B))
    tensors = {"init." + k: v.detach().clone() for k, v in model.state_dict().items()}
    if opt == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=wd)
    elif opt == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    elif opt == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    elif opt == "rmsprop":
        optimizer = torch.optim.RMSprop(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd, **extra)
    else:
        optimizer = torch.optim.Adagrad(model.parameters(), lr=lr, weight_decay=wd, **extra)
    losses, norms = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        logits = model(tokens[:-1])
        loss = F.cross_entropy(logits.reshape(-1, V), tokens[1:].reshape(-1))
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip is not None else float("inf"))
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm.item())
    tensors.update({"final." + k: v.detach().clone() for k, v in model.state_dict().items()})
    tensors["tokens"] = tokens.to(torch.int64)
    tensors["losses"] = torch.tensor(losses, dtype=torch.float32)
    tensors["grad_norms"] = torch.tensor(norms, dtype=torch.float32)
    meta = dict(kind="train", mode=mode, vocab=str(V), embedding_size=str(E), hidden_size=str(H), num_layers=str(L),
                seq_len=str(T), batch=str(B), optimizer=opt, lr=str(lr), weight_decay=str(wd), steps=str(steps),
                loss="cross_entropy_mean", momentum=str(momentum), nesterov=str(nesterov).lower(),
                generator=f"torch {torch.__version__} (Tests/tools/make_train_fixtures.py)")
    if clip is not None:
        meta["clip_max_norm"] = str(clip)
    if opt in ("rmsprop", "adagrad"):
        meta.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in extra.items()})
        meta["eps"] = str(optimizer.defaults["eps"])
    return name, {k: v.contiguous() for k, v in tensors.items()}, meta


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for seed, case in enumerate(CASES):
        name, tensors, meta = make(case, 2000 + seed)
        save_file(tensors, os.path.join(out_dir, name + ".safetensors"), metadata=meta)
        print("wrote", name)


if __name__ == "__main__":
    main()
