"""Shared by the golden scripts: make random-init models less trivial and store them as F16."""
import torch


def randomise_norms_and_mixes(model):
    """Norm scales and shifts get N(0, 0.1) noise (they start at 1 and 0); every AlphaBlender
    mix_factor a standard-normal value, so both merge branches matter."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.1)
            if name.endswith("mix_factor"):
                p.fill_(float(torch.randn(())))


def round_to_f16(model):
    """Rounds the weights to F16 in place (so the reference runs on what is stored) and returns the
    state dict as F16 tensors for save_file."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return {k: v.half().contiguous() for k, v in model.state_dict().items()}
