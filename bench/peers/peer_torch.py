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
import math
import sys

import peer_common as pc


def contender_name(vectorize):
    return "pytorch-autograd-vectorize" if vectorize else "pytorch-autograd"


def parse_args(argv):
    p = pc.peer_parser("peer_torch.py", __doc__,
                       "torch.set_num_threads and BLAS thread environment (default 1)",
                       "torch.manual_seed (default 1)")
    p.add_argument("--vectorize", action="store_true",
                   help="call jacobian(..., vectorize=True) instead of the default arguments")
    return pc.parse_peer_args(p, argv)


def _versions(torch):
    info = {"python": pc.python_version(), "torch": torch.__version__}
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
    info["blas_libraries_loaded"] = pc.loaded_blas_libraries()
    info["thread_env"] = pc.thread_env_record()
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
    x = torch.randn(pc.INPUT_DIM)
    w_in = torch.nn.init.normal_(torch.empty(n, pc.INPUT_DIM), std=math.sqrt(2.0 / pc.INPUT_DIM))
    y0 = w_in @ x
    return jacobian_norm(torch, model, y0, vectorize)


def run_check(torch, directory, vectorize, as_json):
    manifest, x, w_in, weights = pc.read_export(directory)
    model = build_model(torch, weights[0].shape[0], len(weights))
    with torch.no_grad():
        for lin, w in zip(linear_layers(torch, model), weights):
            lin.weight.copy_(torch.from_numpy(w))
    norm = jacobian_norm(torch, model, torch.from_numpy(w_in) @ torch.from_numpy(x), vectorize)
    return pc.report_check(contender_name(vectorize), directory, manifest, weights, norm,
                           _versions(torch), as_json)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    pc.set_thread_env(args.threads)
    import torch  # after the thread variables are in place
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(args.threads)
    if args.check is not None:
        return run_check(torch, args.check, args.vectorize, args.json)
    torch.manual_seed(args.seed)
    model = build_model(torch, args.width, args.depth)
    layers = linear_layers(torch, model)
    call = "jacobian(f, y0, vectorize=True)" if args.vectorize else "jacobian(f, y0)"
    return pc.run_timing(contender_name(args.vectorize),
                         "PyTorch: nn.Sequential of ReLU/Linear(bias=False), weights re-sampled "
                         f"with nn.init.normal_, torch.autograd.functional.{call}, "
                         "torch.linalg.matrix_norm(J, ord=2)",
                         _versions(torch), args,
                         lambda: one_sample(torch, model, layers, args.width, args.vectorize),
                         {"vectorize": args.vectorize})


if __name__ == "__main__":
    sys.exit(main())
