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
import argparse
import json
import math
import os
import statistics
import sys
import time

CONTENDER = "numpy"
INPUT_DIM = 784
CHECK_TOLERANCE = 1e-9


def _int_at_least(lo):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {text!r}")
        if value < lo:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {text!r}")
        return value
    return parse


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="peer_numpy.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--width", type=_int_at_least(1), help="hidden width n")
    p.add_argument("--depth", type=_int_at_least(1), help="number of hidden layers L")
    p.add_argument("--threads", type=_int_at_least(1), default=1,
                   help="BLAS threads (environment, set before numpy is imported; default 1)")
    p.add_argument("--samples", type=_int_at_least(1), default=10,
                   help="timed samples K (default 10)")
    p.add_argument("--warmup", type=_int_at_least(0), default=2,
                   help="untimed warm-up samples W (default 2)")
    p.add_argument("--seed", type=_int_at_least(0), default=1, help="seed of default_rng (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--check", metavar="DIR",
                   help="compare with a network exported by `jacstab sample --export DIR`")
    args = p.parse_args(argv)
    if args.check is None and (args.width is None or args.depth is None):
        p.error("--width and --depth are required unless --check is given")
    return args


def _set_thread_env(threads):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def _loaded_blas_libraries():
    """Shared objects with blas/lapack in their name mapped into this process (Linux)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if ".so" in name and ("blas" in name or "lapack" in name):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def _versions(np):
    info = {"python": sys.version.split()[0], "numpy": np.__version__}
    try:
        blas = np.__config__.get_info("blas_opt_info")
        info["numpy_build_blas"] = {k: v for k, v in blas.items() if k in ("libraries", "library_dirs")}
    except Exception:  # the config API differs between numpy versions
        pass
    info["blas_libraries_loaded"] = _loaded_blas_libraries()
    info["thread_env"] = {v: os.environ.get(v) for v in
                          ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
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
    x = rng.standard_normal(INPUT_DIM)
    w_in = rng.standard_normal((n, INPUT_DIM)) * math.sqrt(2.0 / INPUT_DIM)
    y0 = w_in @ x
    scale = math.sqrt(2.0 / n)
    weights = (rng.standard_normal((n, n)) * scale for _ in range(depth))
    return jacobian_norm(np, y0, weights)


def _finite_or_none(v):
    return v if math.isfinite(v) else None


def run_check(np, directory, as_json):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    x = np.load(os.path.join(directory, manifest["input"]))
    w_in = np.load(os.path.join(directory, manifest["W_in"]))
    layers = [np.load(os.path.join(directory, p)) for p in manifest["layers"]]
    norm = jacobian_norm(np, w_in @ x, layers)
    ref = manifest.get("norm")
    if ref is not None:
        rel = abs(norm - ref) / max(abs(ref), 1e-300)
    elif manifest.get("log_norm") is not None and norm > 0 and math.isfinite(norm):
        rel = abs(math.expm1(math.log(norm) - manifest["log_norm"]))
    else:
        rel = float("inf")
    ok = rel <= CHECK_TOLERANCE
    if as_json:
        print(json.dumps({"contender": CONTENDER, "check_dir": os.path.abspath(directory),
                          "width": int(layers[0].shape[0]), "depth": len(layers),
                          "norm": _finite_or_none(norm), "manifest_norm": ref,
                          "relative_difference": _finite_or_none(rel),
                          "tolerance": CHECK_TOLERANCE, "agree": ok,
                          "versions": _versions(np)}))
    else:
        print(f"{CONTENDER}: ||J_1|| = {norm!r}, manifest norm = {ref!r}, "
              f"relative difference = {rel:.3g} -> {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


def run_timing(np, args):
    rng = np.random.default_rng(args.seed)
    for _ in range(args.warmup):
        one_sample(np, rng, args.width, args.depth)
    times, norms = [], []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        norm = one_sample(np, rng, args.width, args.depth)
        times.append(time.perf_counter() - t0)
        norms.append(_finite_or_none(norm))
    result = {
        "contender": CONTENDER,
        "description": "numpy: default_rng standard_normal weights, forward pass, "
                       "J = W_l @ (d[:, None] * J), np.linalg.norm(J, 2)",
        "versions": _versions(np),
        "threads": args.threads,
        "width": args.width, "depth": args.depth,
        "samples": args.samples, "warmup": args.warmup, "seed": args.seed,
        "times_s": times,
        "median_s": statistics.median(times),
        "norms": norms,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{CONTENDER} n={args.width} L={args.depth} threads={args.threads}: "
              f"median {result['median_s']:.6g} s/sample over {args.samples} samples "
              f"(after {args.warmup} warm-up); norms {', '.join(f'{v:.6g}' for v in norms if v is not None)}")
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _set_thread_env(args.threads)
    import numpy as np  # after the thread variables are in place
    if args.check is not None:
        return run_check(np, args.check, args.json)
    return run_timing(np, args)


if __name__ == "__main__":
    sys.exit(main())
