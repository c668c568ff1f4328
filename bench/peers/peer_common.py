"""What the two peers (peer_numpy.py, peer_torch.py) and run_peers.py share: argument parsing,
the BLAS thread environment, the check against a network exported by `jacstab sample --export`,
and the timing loop with its JSON record. Standard library only; numpy is imported lazily by
read_export()."""
import argparse
import json
import math
import os
import statistics
import sys
import time

INPUT_DIM = 784
CHECK_TOLERANCE = 1e-9
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def int_at_least(lo):
    """argparse type: an integer >= lo (the message names the value)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {text!r}")
        if value < lo:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {text!r}")
        return value
    return parse


def peer_parser(prog, doc, threads_help, seed_help):
    """The options every peer takes; finish with parse_peer_args()."""
    p = argparse.ArgumentParser(prog=prog, description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--width", type=int_at_least(1), help="hidden width n")
    p.add_argument("--depth", type=int_at_least(1), help="number of hidden layers L")
    p.add_argument("--threads", type=int_at_least(1), default=1, help=threads_help)
    p.add_argument("--samples", type=int_at_least(1), default=10, help="timed samples K (default 10)")
    p.add_argument("--warmup", type=int_at_least(0), default=2, help="untimed warm-up samples W (default 2)")
    p.add_argument("--seed", type=int_at_least(0), default=1, help=seed_help)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--check", metavar="DIR",
                   help="compare with a network exported by `jacstab sample --export DIR`")
    return p


def parse_peer_args(p, argv):
    args = p.parse_args(argv)
    if args.check is None and (args.width is None or args.depth is None):
        p.error("--width and --depth are required unless --check is given")
    return args


def set_thread_env(threads):
    """Before numpy or torch is imported: their BLAS reads the thread count from here."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)


def thread_env_record():
    return {v: os.environ.get(v) for v in THREAD_VARS}


def loaded_blas_libraries():
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


def finite_or_none(v):
    return v if math.isfinite(v) else None


def read_export(directory):
    """(manifest, x, W_in, [W_1..W_L]) of a network written by `jacstab sample --export`."""
    import numpy as np
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    x = np.load(os.path.join(directory, manifest["input"]))
    w_in = np.load(os.path.join(directory, manifest["W_in"]))
    layers = [np.load(os.path.join(directory, p)) for p in manifest["layers"]]
    return manifest, x, w_in, layers


def report_check(contender, directory, manifest, layers, norm, versions, as_json):
    """Compares a peer's ||J_1|| with the manifest's; prints the outcome; returns the exit status
    (0 iff the relative difference is <= CHECK_TOLERANCE)."""
    ref = manifest.get("norm")
    if ref is not None:
        rel = abs(norm - ref) / max(abs(ref), 1e-300)
    elif manifest.get("log_norm") is not None and norm > 0 and math.isfinite(norm):
        rel = abs(math.expm1(math.log(norm) - manifest["log_norm"]))
    else:
        rel = float("inf")
    ok = rel <= CHECK_TOLERANCE
    if as_json:
        print(json.dumps({"contender": contender, "check_dir": os.path.abspath(directory),
                          "width": int(layers[0].shape[0]), "depth": len(layers),
                          "norm": finite_or_none(norm), "manifest_norm": ref,
                          "relative_difference": finite_or_none(rel),
                          "tolerance": CHECK_TOLERANCE, "agree": ok, "versions": versions}))
    else:
        print(f"{contender}: ||J_1|| = {norm!r}, manifest norm = {ref!r}, "
              f"relative difference = {rel:.3g} -> {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


def run_timing(contender, description, versions, args, one_sample, extra=None):
    """Times args.samples calls of one_sample() (returning ||J_1||) after args.warmup untimed
    ones, each with time.perf_counter around the whole call; prints the record; returns 0."""
    for _ in range(args.warmup):
        one_sample()
    times, norms = [], []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        norm = one_sample()
        times.append(time.perf_counter() - t0)
        norms.append(finite_or_none(norm))
    result = {
        "contender": contender,
        "description": description,
        "versions": versions,
        "threads": args.threads,
        "width": args.width, "depth": args.depth,
        "samples": args.samples, "warmup": args.warmup, "seed": args.seed,
        **(extra or {}),
        "times_s": times,
        "median_s": statistics.median(times),
        "norms": norms,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{contender} n={args.width} L={args.depth} threads={args.threads}: "
              f"median {result['median_s']:.6g} s/sample over {args.samples} samples "
              f"(after {args.warmup} warm-up); norms {', '.join(f'{v:.6g}' for v in norms if v is not None)}")
    return 0


def python_version():
    return sys.version.split()[0]
