#!/usr/bin/python3
"""numpy peer: one Monte-Carlo sample of ||J_1||_2 for a bias-free ReLU MLP, written the way a
numpy user would.

Per sample (all float64):
  rng = np.random.default_rng(seed)            (once, before the warm-up)
  x    = rng.standard_normal(784)
  W_in = rng.standard_normal((n, 784)) * sqrt(2/784);  Y_0 = W_in @ x
  for l = 1..L:
      W_l = rng.standard_normal((n, n)) * sqrt(2/n)
      d   = Y_{l-1} > 0                          (D_{l-1})
      J   = W_l @ (d[:, None] * J)               (explicit masked product, J starts at I_n)
      Y_l = W_l @ relu(Y_{l-1})
  norm = np.linalg.norm(J, 2)                    (LAPACK SVD)

The wall time of a sample (time.perf_counter) covers all of the above, weight sampling included.

Usage:
  /usr/bin/python3 bench/peers/peer_numpy.py --width 256 --depth 100 --threads 1 \\
      --samples 10 --warmup 2 --seed 1 --json
  /usr/bin/python3 bench/peers/peer_numpy.py --check DIR [--json]

--check DIR reads a network exported by `build/jacstab sample --width 64 --depth 10 --export DIR`
(manifest.json, input.npy, W_in.npy, W_1.npy..W_L.npy), computes ||J_1|| with the same code
path (forward pass for the masks, masked product, np.linalg.norm) and compares it with the
manifest's norm: exit 0 iff the relative difference is <= 1e-9, 1 otherwise.

Threads: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS are set to --threads before
numpy is imported (the values already in the environment are overridden).
Exit status: 0 success, 1 failed check or internal error, 2 bad arguments.
"""
import math
import os
import sys

import peer_common as pc

CONTENDER = "numpy"


def parse_args(argv):
    p = pc.peer_parser("peer_numpy.py", __doc__,
                       "BLAS threads (environment, set before numpy is imported; default 1)",
                       "seed of default_rng (default 1)")
    return pc.parse_peer_args(p, argv)


def _versions(np):
    info = {"python": pc.python_version(), "numpy": np.__version__}
    try:
        blas = np.__config__.get_info("blas_opt_info")
        info["numpy_build_blas"] = {k: v for k, v in blas.items() if k in ("libraries", "library_dirs")}
    except Exception:  # the config API differs between numpy versions
        pass
    info["blas_libraries_loaded"] = pc.loaded_blas_libraries()
    info["thread_env"] = pc.thread_env_record()
    return info


def jacobian_norm(np, y0, weights):
    """||W_L D_{L-1} ... W_1 D_0||_2 with D_l = diag(1{Y_l > 0}) from the forward pass.

    `weights` is an iterable of the n x n matrices W_1..W_L (a generator when sampling, so
    that each matrix is drawn just before it is used)."""
    y = y0
    j = None
    for w in weights:
        d = y > 0
        if j is None:
            j = np.eye(w.shape[1])
        j = w @ (d[:, None] * j)
        y = w @ np.maximum(y, 0.0)
    return float(np.linalg.norm(j, 2))


def one_sample(np, rng, n, depth):
    x = rng.standard_normal(pc.INPUT_DIM)
    w_in = rng.standard_normal((n, pc.INPUT_DIM)) * math.sqrt(2.0 / pc.INPUT_DIM)
    y0 = w_in @ x
    scale = math.sqrt(2.0 / n)
    weights = (rng.standard_normal((n, n)) * scale for _ in range(depth))
    return jacobian_norm(np, y0, weights)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    pc.set_thread_env(args.threads)
    import numpy as np  # after the thread variables are in place
    if args.check is not None:
        manifest, x, w_in, layers = pc.read_export(args.check)
        norm = jacobian_norm(np, w_in @ x, layers)
        return pc.report_check(CONTENDER, args.check, manifest, layers, norm, _versions(np), args.json)
    rng = np.random.default_rng(args.seed)
    return pc.run_timing(CONTENDER,
                         "numpy: default_rng standard_normal weights, forward pass, "
                         "J = W_l @ (d[:, None] * J), np.linalg.norm(J, 2)",
                         _versions(np), args, lambda: one_sample(np, rng, args.width, args.depth))


if __name__ == "__main__":
    sys.exit(main())
