"""How much the head prior's condition says about the head model's codes: ridge regression from the
conditions `orbit train nphm-prior` caches (samples x portrait views x [SFace 128 | image encoder 256])
to the auto-decoder's codes, cross-validated over subjects (6 folds). Prints R^2 (1 - error / error of
the training mean): per code block from one view per held-out sample, and per top principal component
of the geometry codes at subject level (conditions averaged over a subject's samples and views).

    python3 Tools/eval/prior_condition_ridge.py CONDITIONS.safetensors CODES.safetensors
"""
import sys

import numpy as np
from safetensors.numpy import load_file

SFACE = 128  # the condition's first 128 numbers are the SFace identity embedding


def ridge_r2(features, targets, groups, lam, per_dimension):
    """Held-out R^2 of ridge predictions. features [N, V, F]: trained on every view, tested on the
    first (a portrait) when V > 1; groups [N] keep a subject's samples in one fold."""
    labels = np.unique(groups)
    np.random.default_rng(0).shuffle(labels)
    error = base = 0.0
    for held in np.array_split(labels, 6):
        test = np.isin(groups, held)
        x = features[~test].reshape(-1, features.shape[-1])
        y = np.repeat(targets[~test], features.shape[1], axis=0)
        mx, sx, my = x.mean(0), x.std(0) + 1e-6, y.mean(0)
        xs = (x - mx) / sx
        w = np.linalg.solve(xs.T @ xs + lam * np.eye(xs.shape[1]), xs.T @ (y - my))
        prediction = ((features[test][:, 0] - mx) / sx) @ w + my
        axis = 0 if per_dimension else None
        error = error + ((prediction - targets[test]) ** 2).sum(axis)
        base = base + ((my - targets[test]) ** 2).sum(axis)
    return 1 - error / base


def main(conditions_path, codes_path):
    conditions = load_file(conditions_path)["conditions"].astype(np.float64)
    codes = load_file(codes_path)
    subjects = codes["subjects"].astype(int)
    samples = codes["samples"].reshape(-1, 2).astype(int)
    row = {s: i for i, s in enumerate(subjects)}
    rows = [row[s] for s, _ in samples]
    blocks = {"geometry": codes["geometry"][rows], "appearance": codes["appearance"][rows], "expression": codes["expression"]}
    for name, part in [("sface", conditions[:, :, :SFACE]), ("whole condition", conditions)]:
        for block, target in blocks.items():
            scores = [f"lam {lam:g}: {ridge_r2(part, target.astype(np.float64), samples[:, 0], lam, False):.3f}"
                      for lam in [100, 1000, 3000, 10000, 30000]]
            print(f"{block:10s} from {name:16s} " + "  ".join(scores))
    geometry = codes["geometry"].astype(np.float64)
    centred = geometry - geometry.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = centred @ vt[:10].T
    per_subject = np.stack([conditions[samples[:, 0] == s].mean((0, 1)) for s in subjects])[:, None]
    for name, part in [("sface", per_subject[..., :SFACE]), ("image encoder", per_subject[..., SFACE:]), ("whole condition", per_subject)]:
        for lam in [10, 100, 1000]:
            r2 = ridge_r2(part, components, subjects, lam, True)
            print(f"top-10 geometry PCs from {name:16s} lam {lam:5g}: " + " ".join(f"{v:.2f}" for v in r2))


if __name__ == "__main__":
    main(*sys.argv[1:3])
