#!/usr/bin/env python3
"""Converts an insightface ArcFace IResNet checkpoint (arcface_torch `backbone.pth`, a state dict)
that a user has to safetensors with the same key names, dropping the integer
`num_batches_tracked` buffers Orbit's strict loader does not take. Needs torch.
Note: insightface's released weights carry their own (non-commercial research) licence; Orbit
ships none of them.
Usage: python3 Tools/convert/iresnet.py backbone.pth out.safetensors
"""
import sys

import torch
from safetensors.torch import save_file


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
    if "state_dict" in state:
        state = state["state_dict"]
    tensors = {k.removeprefix("module."): v.float().contiguous() for k, v in state.items()
               if not k.endswith("num_batches_tracked")}
    save_file(tensors, sys.argv[2], metadata={"source": sys.argv[1], "format": "insightface iresnet"})
    print(f"wrote {sys.argv[2]} ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
