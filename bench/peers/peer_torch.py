#!/usr/bin/python3
"""PyTorch peer: one Monte-Carlo sample of ||J_1||_2 for a bias-free ReLU MLP, written the way a
PyTorch user would, with autograd.

Built once (float64 throughout, torch.set_default_dtype(torch.float64)):
  f = nn.Sequential(ReLU(), Linear(n, n, bias=False), ReLU(), Linear(n, n, bias=False), ...)
      (L Linear layers), i.e. f(Y_0) = W_L relu(... W_1 relu(Y_0)), so that
      df/dY_0 = W_L D_{L-1} ... W_1 D_0 = J_1.
Per sample:
  every Linear weight re-sampled with torch.nn.init.normal_(w, std=sqrt(2/n));
  x = torch.randn(784); W_in re-sampled with normal_(std=sqrt(2/784)); Y_0 = W_in @ x;
  J = torch.autograd.functional.jacobian(f, Y_0)      (default arguments: "the PyTorch
                                                       autograd path"; with --vectorize:
                                                       jacobian(f, Y_0, vectorize=True))
  norm = torch.linalg.matrix_norm(J, ord=2)

The wall time of a sample (time.perf_counter) covers all of the above, weight sampling included.
The Linear weights keep their default requires_grad=True, as in a model a user has built.

Usage:
  /usr/bin/python3 bench/peers/peer_torch.py --width 256 --depth 100 --threads 1 \\
      --samples 10 --warmup 2 --seed 1 --json [--vectorize]
  /usr/bin/python3 bench/peers/peer_torch.py --check DIR [--json] [--vectorize]

--check DIR reads a network exported by `build/jacstab sample --width 64 --depth 10 --export DIR`
(manifest.json, input.npy, W_in.npy, W_1.npy..W_L.npy), loads the weights into the Sequential,
computes ||J_1|| with the same code path (jacobian, matrix_norm) and compares it with the
manifest's norm: exit 0 iff the relative difference is <= 1e-9, 1 otherwise.

Threads: torch.set_num_threads(T); OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS are
also set to T before torch is imported (a torch built against a system BLAS takes the BLAS
thread count from the environment).
Exit status: 0 success, 1 failed check or internal error, 2 bad arguments.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

INPUT_DIM = 784
CHECK_TOLERANCE = 1e-9


def contender_name(vectorize):
    return "pytorch-autograd-vectorize" if vectorize else "pytorch-autograd"


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
    p = argparse.ArgumentParser(prog="peer_torch.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--width", type=_int_at_least(1), help="hidden width n")
    p.add_argument("--depth", type=_int_at_least(1), help="number of hidden layers L")
    p.add_argument("--threads", type=_int_at_least(1), default=1,
                   help="torch.set_num_threads and BLAS thread environment (default 1)")
    p.add_argument("--samples", type=_int_at_least(1), default=10,
                   help="timed samples K (default 10)")
    p.add_argument("--warmup", type=_int_at_least(0), default=2,
                   help="untimed warm-up samples W (default 2)")
    p.add_argument("--seed", type=_int_at_least(0), default=1, help="torch.manual_seed (default 1)")
    p.add_argument("--vectorize", action="store_true",
                   help="call jacobian(..., vectorize=True) instead of the default arguments")
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
                fields = line.split()
                path = fields[-1] if len(fields) >= 6 else ""
                name = os.path.basename(path).lower()
                if ".so" in name and ("blas" in name or "lapack" in name):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def _versions(torch):
    info = {"python": sys.version.split()[0], "torch": torch.__version__}
    try:
        config = torch.__config__.show()
        for key in ("BLAS_INFO", "LAPACK_INFO"):
            start = config.find(key + "=")
            if start >= 0:
                info[key.lower()] = config[start + len(key) + 1:].split(",")[0].strip()
    except Exception:
        pass
    np = sys.modules.get("numpy")
    if np is not None:
        info["numpy"] = np.__version__
    info["torch_num_threads"] = torch.get_num_threads()
    info["torch_num_interop_threads"] = torch.get_num_interop_threads()
    info["blas_libraries_loaded"] = _loaded_blas_libraries()
    info["thread_env"] = {v: os.environ.get(v) for v in
                          ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return info


def build_model(torch, n, depth):
    """f(Y_0) = W_L relu(... W_1 relu(Y_0)): starts with ReLU, ends with the last Linear."""
    modules = []
    for _ in range(depth):
        modules += [torch.nn.ReLU(), torch.nn.Linear(n, n, bias=False)]
    return torch.nn.Sequential(*modules)


def linear_layers(torch, model):
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def jacobian_norm(torch, model, y0, vectorize):
    if vectorize:
        jac = torch.autograd.functional.jacobian(model, y0, vectorize=True)
    else:
        jac = torch.autograd.functional.jacobian(model, y0)
    return float(torch.linalg.matrix_norm(jac, ord=2))


def one_sample(torch, model, layers, n, vectorize):
    std = math.sqrt(2.0 / n)
    for lin in layers:
        torch.nn.init.normal_(lin.weight, std=std)
    x = torch.randn(INPUT_DIM)
    w_in = torch.nn.init.normal_(torch.empty(n, INPUT_DIM), std=math.sqrt(2.0 / INPUT_DIM))
    y0 = w_in @ x
    return jacobian_norm(torch, model, y0, vectorize)


def _finite_or_none(v):
    return v if math.isfinite(v) else None


def run_check(torch, directory, vectorize, as_json):
    import numpy as np
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    x = torch.from_numpy(np.load(os.path.join(directory, manifest["input"])))
    w_in = torch.from_numpy(np.load(os.path.join(directory, manifest["W_in"])))
    weights = [np.load(os.path.join(directory, p)) for p in manifest["layers"]]
    n = weights[0].shape[0]
    model = build_model(torch, n, len(weights))
    with torch.no_grad():
        for lin, w in zip(linear_layers(torch, model), weights):
            lin.weight.copy_(torch.from_numpy(w))
    norm = jacobian_norm(torch, model, w_in @ x, vectorize)
    ref = manifest.get("norm")
    if ref is not None:
        rel = abs(norm - ref) / max(abs(ref), 1e-300)
    elif manifest.get("log_norm") is not None and norm > 0 and math.isfinite(norm):
        rel = abs(math.expm1(math.log(norm) - manifest["log_norm"]))
    else:
        rel = float("inf")
    ok = rel <= CHECK_TOLERANCE
    name = contender_name(vectorize)
    if as_json:
        print(json.dumps({"contender": name, "check_dir": os.path.abspath(directory),
                          "width": int(n), "depth": len(weights),
                          "norm": _finite_or_none(norm), "manifest_norm": ref,
                          "relative_difference": _finite_or_none(rel),
                          "tolerance": CHECK_TOLERANCE, "agree": ok,
                          "versions": _versions(torch)}))
    else:
        print(f"{name}: ||J_1|| = {norm!r}, manifest norm = {ref!r}, "
              f"relative difference = {rel:.3g} -> {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


def run_timing(torch, args):
    torch.manual_seed(args.seed)
    model = build_model(torch, args.width, args.depth)
    layers = linear_layers(torch, model)
    for _ in range(args.warmup):
        one_sample(torch, model, layers, args.width, args.vectorize)
    times, norms = [], []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        norm = one_sample(torch, model, layers, args.width, args.vectorize)
        times.append(time.perf_counter() - t0)
        norms.append(_finite_or_none(norm))
    name = contender_name(args.vectorize)
    call = "jacobian(f, y0, vectorize=True)" if args.vectorize else "jacobian(f, y0)"
    result = {
        "contender": name,
        "description": "PyTorch: nn.Sequential of ReLU/Linear(bias=False), weights re-sampled "
                       f"with nn.init.normal_, torch.autograd.functional.{call}, "
                       "torch.linalg.matrix_norm(J, ord=2)",
        "versions": _versions(torch),
        "threads": args.threads,
        "width": args.width, "depth": args.depth,
        "samples": args.samples, "warmup": args.warmup, "seed": args.seed,
        "vectorize": args.vectorize,
        "times_s": times,
        "median_s": statistics.median(times),
        "norms": norms,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{name} n={args.width} L={args.depth} threads={args.threads}: "
              f"median {result['median_s']:.6g} s/sample over {args.samples} samples "
              f"(after {args.warmup} warm-up); norms {', '.join(f'{v:.6g}' for v in norms if v is not None)}")
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _set_thread_env(args.threads)
    import torch  # after the thread variables are in place
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(args.threads)
    if args.check is not None:
        return run_check(torch, args.check, args.vectorize, args.json)
    return run_timing(torch, args)


if __name__ == "__main__":
    sys.exit(main())
