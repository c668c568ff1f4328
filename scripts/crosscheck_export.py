#!/usr/bin/env python3
"""Recompute the Jacobian norm of a network exported by `jacstab sample --export DIR`.

Usage: python3 scripts/crosscheck_export.py DIR

Reads manifest.json, rebuilds D_0 from the input (D_0 = 1{W_in x > 0}) and every later mask
from the forward pass, checks them against the exported masks, forms
J = W_L D_{L-1} ... W_1 D_0 with numpy and compares ||J||_2 with the manifest's norm.
Needs only numpy. Exit status 0 if everything agrees to 1e-9 (relative), 1 otherwise.
"""
import json
import os
import sys

import numpy as np


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        m = json.load(f)
    x = np.load(os.path.join(d, m["input"]))
    w_in = np.load(os.path.join(d, m["W_in"]))
    layers = [np.load(os.path.join(d, p)) for p in m["layers"]]
    masks = [np.load(os.path.join(d, p)).astype(bool) for p in m["masks"]]
    ok = True
    # Masks from a plain forward pass (only for real ReLU networks, not surrogates).
    if not m.get("ensemble", "").startswith("surrogate"):
        y = w_in @ x
        for l, w in enumerate(layers):
            if not np.array_equal(y > 0, masks[l]):
                print(f"mask D_{l} differs from the forward pass at {np.sum((y > 0) != masks[l])} units")
                ok = False
            y = w @ np.maximum(y, 0.0)
    j = np.eye(layers[0].shape[1])
    for w, dm in zip(layers, masks):
        j = w @ (dm[:, None] * j)
    norm = np.linalg.norm(j, 2)
    ref = m["norm"]
    rel = abs(norm - ref) / max(abs(ref), 1e-300) if ref is not None else float("inf")
    print(f"numpy ||J|| = {norm!r}, manifest norm = {ref!r}, relative difference = {rel:.3g}")
    ok = ok and rel <= 1e-9
    print("agree" if ok else "DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
