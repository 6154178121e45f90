#!/usr/bin/env python3
"""Writes interchange/pytorch_losses_masked.safetensors: PyTorch's mean BCEWithLogitsLoss and MSELoss
over the observed elements of a (N, C) batch whose missing targets are NaN (Recur's mask), with
the gradients d(mean loss)/d(input), computed on the CPU in float32. Logits span +-30 so that the
overflow-free form of the loss is exercised.

Usage: make_loss_fixture.py OUT_DIR   (needs torch and safetensors)."""
import os, sys
import torch
from safetensors.torch import save_file

torch.manual_seed(4242)
N, C = 13, 7
logits = torch.randn(N, C) * 4
logits[0, 0], logits[1, 1], logits[2, 2] = 30.0, -30.0, 0.0
labels = (torch.rand(N, C) < 0.5).float()
labels[3] = 0.25  # soft labels
values = torch.randn(N, C)
observed = torch.rand(N, C) < 0.8
observed[0, 0] = observed[1, 1] = True

tensors = {"logits": logits, "labels": labels.masked_fill(~observed, float("nan")),
           "predictions": torch.randn(N, C), "values": values.masked_fill(~observed, float("nan"))}
x = logits.clone().requires_grad_(True)
bce = torch.nn.functional.binary_cross_entropy_with_logits(x[observed], labels[observed])
bce.backward()
tensors["bce_loss"], tensors["bce_grad"] = bce.detach().reshape(1), x.grad
p = tensors["predictions"].clone().requires_grad_(True)
mse = torch.nn.functional.mse_loss(p[observed], values[observed])
mse.backward()
tensors["mse_loss"], tensors["mse_grad"] = mse.detach().reshape(1), p.grad
meta = {"observed": str(int(observed.sum())), "generator": f"torch {torch.__version__} (Tests/tools/make_loss_fixture.py)"}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(out, "pytorch_losses_masked.safetensors"), metadata=meta)
print("wrote pytorch_losses_masked")
