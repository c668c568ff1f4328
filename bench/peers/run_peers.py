#!/usr/bin/python3
"""Run jacstab and its Python peers (numpy, PyTorch autograd) side by side and write
OUT/performance.md.

Usage:
  /usr/bin/python3 bench/peers/run_peers.py --build build --out reports [--threads 1,2]
      [--samples K] [--warmup W] [--quick]

Steps:
  1. correctness: `BUILD/jacstab sample --width 64 --depth 10 --export TMP --seed 7`, then
     peer_numpy.py --check and peer_torch.py --check (default and vectorize=True) on it; any
     disagreement stops the run (exit 1) before anything is written;
  2. jacstab: BUILD/bench_sample (Google Benchmark, 5 repetitions, median aggregates) for the
     per-sample benchmark, the batch benchmark at each thread count and the three floors; the
     large-width benchmarks one process each, 1 repetition (peak RSS is then per benchmark).
     Benchmarks that the binary does not register are reported as "not measured";
  3. peers: for each size (n=256, L=100) and (n=1024, L=20) and each thread count T: numpy,
     PyTorch jacobian with default arguments, PyTorch jacobian with vectorize=True, each in its
     own process with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = T;
  4. OUT/performance.md, OUT/bench/performance-jacstab.json and OUT/bench/performance-peers.json,
     each written to a temporary file and renamed into place.

--quick shrinks everything (n=64/L=10 and n=128/L=5, 2 samples, 1 warm-up, no large width,
short benchmark repetitions) for trying the script out; use it with a scratch --out. Where no
jacstab benchmark exists at a size (at present the case for the quick sizes), jacstab's time is
taken from `jacstab sample --reps R --threads T --json` (summary.wall_seconds / R), labelled as
such; targets are never judged on that fallback.

A full run (K=10, W=2, threads 1,2) is estimated at 10 to 20 minutes on 2 cores (extrapolated
from small sizes), most of it in the default PyTorch jacobian at n=1024 (about 10 to 15 s per
sample) and in the large-width benchmarks. Run it on a quiet machine: every contender is timed
on the same cores.

Needs only the Python standard library; the peers need numpy and torch (Debian's
/usr/bin/python3, the default --python). Exit status: 0 report written, 1 correctness check
failed or a required program is missing, 2 bad arguments.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from peer_common import THREAD_VARS, int_at_least

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_NUMPY = os.path.join(HERE, "peer_numpy.py")
PEER_TORCH = os.path.join(HERE, "peer_torch.py")

FULL_SIZES = [(256, 100), (1024, 20)]
QUICK_SIZES = [(64, 10), (128, 5)]

TARGET_TORCH = 10.0   # jacstab at least 10x faster than the default PyTorch jacobian
TARGET_NUMPY = 2.5    # jacstab at least 2.5x faster than numpy
TARGET_FLOOR = 1.5    # jacstab per-sample time at most 1.5x the fast-path floor

F_SAMPLE = "BM_SampleJacobianNorm"
F_BATCH = "BM_SampleJacobianNormBatch"
F_WEIGHTS = "BM_SampleWeights"
F_GEMM = "BM_GemmChain"
F_FASTFLOOR = "BM_FastPathFloor"
F_LARGE = "BM_JacobianNormLargeWidth"

PEERS = [
    ("numpy", PEER_NUMPY, []),
    ("pytorch-autograd", PEER_TORCH, []),
    ("pytorch-autograd-vectorize", PEER_TORCH, ["--vectorize"]),
]
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
LARGE_METHODS = {0: "dense chain + LAPACK SVD", 1: "operator + Lanczos", 2: "auto",
                 3: "dense chain + cheaper product norm"}
LARGE_METHODS_TEXT = (
    "Methods: 0 = the compact dense chain and LAPACK's SVD of the n × |a₀| product "
    "(`--norm-method exact`); 1 = the matrix-free operator and Lanczos (`iterative`); "
    "2 = `auto`, which chooses between 1 and 3 by its cost model; 3 = the dense chain and the "
    "cheaper norm of the product (auto's dense candidate). BLAS uses every core here.")


# --------------------------------------------------------------------------------------------
# arguments

def _thread_list(text):
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(not p for p in parts):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of integers >= 1, got {text!r}")
    values = []
    for p in parts:
        try:
            v = int(p)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of integers >= 1, got {text!r}")
        if v < 1:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of integers >= 1, got {text!r}")
        if v not in values:
            values.append(v)
    return values


def _default_python():
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def parse_args(argv):
    p = argparse.ArgumentParser(prog="run_peers.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="CMake build directory with jacstab and bench_sample")
    p.add_argument("--out", required=True,
                   help="output directory: performance.md and bench/performance-*.json go there")
    p.add_argument("--threads", type=_thread_list, default=None,
                   help="comma-separated thread counts (default 1,2)")
    p.add_argument("--samples", type=int_at_least(1), default=None,
                   help="timed samples K per peer run (default 10; 2 with --quick)")
    p.add_argument("--warmup", type=int_at_least(0), default=None,
                   help="untimed warm-up samples W per peer run (default 2; 1 with --quick)")
    p.add_argument("--seed", type=int_at_least(0), default=1, help="seed passed to the peers (default 1)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes, 2 samples, no large width: for trying the script out")
    p.add_argument("--no-large-width", action="store_true", help="skip the large-width benchmarks")
    p.add_argument("--jacstab-json", action="append", metavar="FILE", default=[],
                   help="read jacstab's Google Benchmark JSON from FILE (repeatable) instead of "
                        "running bench_sample")
    p.add_argument("--python", default=_default_python(),
                   help="interpreter for the peers, with numpy and torch (default /usr/bin/python3)")
    p.add_argument("--peer-timeout", type=int_at_least(1), default=3600,
                   help="seconds allowed to one peer process (default 3600)")
    p.add_argument("--bench-timeout", type=int_at_least(1), default=3600,
                   help="seconds allowed to one bench_sample process (default 3600)")
    args = p.parse_args(argv)
    if not os.path.isdir(args.build):
        p.error(f"argument --build: no such directory: {args.build!r}")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        p.error(f"argument --out: exists and is not a directory: {args.out!r}")
    for f in args.jacstab_json:
        if not os.path.isfile(f):
            p.error(f"argument --jacstab-json: no such file: {f!r}")
    if args.threads is None:
        args.threads = [1, 2]
    if args.samples is None:
        args.samples = 2 if args.quick else 10
    if args.warmup is None:
        args.warmup = 1 if args.quick else 2
    return args


# --------------------------------------------------------------------------------------------
# small helpers

def log(msg):
    print(f"[run_peers] {msg}", file=sys.stderr, flush=True)


def atomic_write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def run_cmd(cmd, env=None, timeout=None):
    """Run cmd; return dict with returncode (None on timeout), stdout, stderr."""
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        return {"command": cmd, "returncode": proc.returncode, "stdout": proc.stdout,
                "stderr": proc.stderr}
    except subprocess.TimeoutExpired as e:
        def text(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        return {"command": cmd, "returncode": None, "stdout": text(e.stdout),
                "stderr": text(e.stderr) + f"\n(timed out after {timeout} s)"}
    except OSError as e:
        return {"command": cmd, "returncode": None, "stdout": "", "stderr": str(e)}


def tail(text, n=1500):
    text = text or ""
    return text if len(text) <= n else "..." + text[-n:]


def last_json_object(text):
    for line in reversed((text or "").strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def read_loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def fmt_s(v):
    if v is None:
        return "not measured"
    return f"{v:.4g}"


def fmt_ratio(v):
    if v is None:
        return "—"
    return f"{v:.3g}×" if v < 100 else f"{v:.0f}×"


def ere_escape(text):
    return re.sub(r"([.\[\]{}()*+?^$|\\])", r"\\\1", text)


def thread_env(threads):
    env = dict(os.environ)
    for v in THREAD_VARS:
        env[v] = str(threads)
    return env


# --------------------------------------------------------------------------------------------
# Google Benchmark output

def parse_bench_name(name):
    """'BM_X/width:256/depth:100/threads:2/real_time' -> ('BM_X', {'width': '256', ...})."""
    parts = name.split("/")
    args = {}
    for token in parts[1:]:
        if ":" in token:
            key, value = token.split(":", 1)
            args[key] = value
    return parts[0], args


def _bench_pairs_hook(pairs):
    """json object hook for Google Benchmark output: in a benchmark row every key after
    "time_unit" is a counter (or bytes/items_per_second, label). Keeping them apart matters
    because a user counter may share its name with a built-in field (e.g. "iterations"), and
    the duplicate key would otherwise overwrite the built-in one."""
    keys = [k for k, _ in pairs]
    if "run_name" not in keys or "time_unit" not in keys:
        return dict(pairs)
    row, counters, after = {}, {}, False
    for k, v in pairs:
        if after:
            counters[k] = v
        else:
            row[k] = v
            if k == "time_unit":
                after = True
    row["__counters__"] = counters
    return row


def load_bench_json(text):
    return json.loads(text, object_pairs_hook=_bench_pairs_hook)


def _median_or_none(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def _row_counters(row, skip):
    if "__counters__" in row:
        return {k: v for k, v in row["__counters__"].items() if k != "label"}
    return {k: v for k, v in row.items()
            if k not in skip and k not in ("real_time", "cpu_time", "__counters__")}


class BenchResults:
    """Benchmark rows indexed by run_name; one entry per benchmark with the median values."""

    def __init__(self):
        self.entries = {}     # run_name -> dict
        self.context = {}

    def add_document(self, doc):
        if not isinstance(doc, dict):
            return
        if doc.get("context") and not self.context:
            self.context = doc["context"]
        by_name = {}
        for row in doc.get("benchmarks", []):
            run_name = row.get("run_name") or row.get("name", "")
            by_name.setdefault(run_name, []).append(row)
        for run_name, rows in by_name.items():
            self.entries[run_name] = self._summarise(run_name, rows)

    @staticmethod
    def _summarise(run_name, rows):
        family, args = parse_bench_name(run_name)
        entry = {"run_name": run_name, "family": family, "args": args}
        errors = [r for r in rows if r.get("error_occurred")]
        if errors:
            entry["error"] = errors[0].get("error_message", "error_occurred")
        medians = [r for r in rows if r.get("run_type") == "aggregate" and r.get("aggregate_name") == "median"]
        iterations = [r for r in rows if r.get("run_type", "iteration") == "iteration" and not r.get("error_occurred")]
        skip = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                "repetitions", "repetition_index", "threads", "aggregate_name", "aggregate_unit",
                "iterations", "time_unit", "error_occurred", "error_message", "label"}
        if medians:
            row = medians[0]
            unit = TIME_UNITS.get(row.get("time_unit", "ns"), 1e-9)
            entry["source"] = f"median of {row.get('repetitions', '?')} repetitions"
            entry["real_time_s"] = row["real_time"] * unit
            entry["cpu_time_s"] = row.get("cpu_time", 0.0) * unit
            entry["counters"] = _row_counters(row, skip)
            cv = [r for r in rows if r.get("aggregate_name") == "cv"]
            if cv:
                entry["cv_real_time"] = cv[0].get("real_time")
        elif iterations:
            unit = TIME_UNITS.get(iterations[0].get("time_unit", "ns"), 1e-9)
            entry["source"] = (f"median of {len(iterations)} runs" if len(iterations) > 1
                               else "single run")
            entry["real_time_s"] = _median_or_none([r.get("real_time") for r in iterations]) * unit
            entry["cpu_time_s"] = (_median_or_none([r.get("cpu_time") for r in iterations]) or 0.0) * unit
            per_row = [_row_counters(r, skip) for r in iterations]
            keys = sorted({k for c in per_row for k in c})
            entry["counters"] = {k: _median_or_none([c.get(k) for c in per_row]) for k in keys}
        elif "error" not in entry:
            entry["error"] = "no usable rows"
        return entry

    def find(self, family, **want):
        for entry in self.entries.values():
            if entry["family"] != family:
                continue
            if all(entry["args"].get(k) == str(v) for k, v in want.items()):
                return entry
        return None

    def time_s(self, family, **want):
        e = self.find(family, **want)
        if e is None or "error" in e or e.get("real_time_s") is None:
            return None
        return e["real_time_s"]

    def counter(self, family, name, **want):
        e = self.find(family, **want)
        if e is None or "error" in e:
            return None
        v = e.get("counters", {}).get(name)
        return v if isinstance(v, (int, float)) else None


def list_benchmarks(bench):
    res = run_cmd([bench, "--benchmark_list_tests=true"], timeout=120)
    if res["returncode"] != 0:
        log(f"could not list benchmarks of {bench}: {tail(res['stderr'], 300)}")
        return []
    return [line.strip() for line in res["stdout"].splitlines() if line.strip()]


def run_bench(bench, names, repetitions, timeout, min_time=None):
    """Run exactly the benchmarks `names`; return (record, parsed JSON or None)."""
    regex = "^(" + "|".join(ere_escape(n) for n in names) + ")$"
    fd, out_path = tempfile.mkstemp(prefix="jacstab-bench-", suffix=".json")
    os.close(fd)
    cmd = [bench, f"--benchmark_filter={regex}", "--benchmark_format=json",
           f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
           f"--benchmark_out={out_path}", "--benchmark_out_format=json"]
    if min_time is not None:
        cmd.append(f"--benchmark_min_time={min_time}")
    log("running " + " ".join(cmd[:2]) + " ...")
    res = run_cmd(cmd, timeout=timeout)
    text = ""
    try:
        with open(out_path) as f:
            text = f.read()
    except OSError:
        pass
    finally:
        try:
            os.unlink(out_path)
        except OSError:
            pass
    doc = raw = None
    for candidate in (text, res["stdout"]):
        if candidate.strip():
            try:
                doc, raw = load_bench_json(candidate), json.loads(candidate)
                break
            except ValueError:
                doc = raw = None
    record = {"command": cmd, "returncode": res["returncode"], "stderr_tail": tail(res["stderr"]),
              "json": raw}
    return record, doc


# --------------------------------------------------------------------------------------------
# steps

def correctness(args, jacstab):
    tmp = tempfile.mkdtemp(prefix="jacstab-peers-check-")
    try:
        export_dir = os.path.join(tmp, "net")
        cmd = [jacstab, "sample", "--width", "64", "--depth", "10", "--export", export_dir,
               "--seed", "7", "--threads", "1"]
        res = run_cmd(cmd, timeout=300)
        record = {"export_command": cmd, "export_returncode": res["returncode"], "checks": []}
        if res["returncode"] != 0:
            record["export_stderr"] = tail(res["stderr"])
            return record, False, None
        with open(os.path.join(export_dir, "manifest.json")) as f:
            manifest = json.load(f)
        record["manifest_norm"] = manifest.get("norm")
        ok = True
        for name, script, extra in PEERS:
            cmd = [args.python, script, "--check", export_dir, "--json"] + extra
            r = run_cmd(cmd, env=thread_env(1), timeout=600)
            obj = last_json_object(r["stdout"])
            agree = r["returncode"] == 0 and obj is not None and obj.get("agree") is True
            record["checks"].append({"contender": name, "command": cmd, "returncode": r["returncode"],
                                     "result": obj, "agree": agree,
                                     "stderr_tail": tail(r["stderr"]) if not agree else ""})
            ok = ok and agree
        return record, ok, manifest.get("provenance")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def jacstab_benchmarks(args, bench, sizes):
    """Returns (BenchResults, list of run records, notes, missing names)."""
    results = BenchResults()
    records = []
    notes = []
    if args.jacstab_json:
        for path in args.jacstab_json:
            with open(path) as f:
                text = f.read()
            results.add_document(load_bench_json(text))
            records.append({"file": os.path.abspath(path), "json": json.loads(text)})
        notes.append("jacstab benchmark results read from " + ", ".join(args.jacstab_json) +
                     " (bench_sample not run by this script).")
        return results, records, notes
    if not os.path.isfile(bench) or not os.access(bench, os.X_OK):
        notes.append(f"{bench} not found: no jacstab benchmark measured.")
        return results, records, notes
    available = list_benchmarks(bench)
    size_set = {(str(n), str(L)) for n, L in sizes}
    thread_set = {str(t) for t in args.threads}
    main = []
    large = []
    for name in available:
        family, a = parse_bench_name(name)
        key = (a.get("width"), a.get("depth"))
        if family in (F_SAMPLE, F_WEIGHTS, F_GEMM, F_FASTFLOOR) and key in size_set:
            main.append(name)
        elif family == F_BATCH and key in size_set and a.get("threads") in thread_set:
            main.append(name)
        elif family == F_LARGE:
            large.append(name)
    if main:
        if args.quick:
            record, doc = run_bench(bench, main, repetitions=2, timeout=args.bench_timeout, min_time=0.05)
        else:
            record, doc = run_bench(bench, main, repetitions=5, timeout=args.bench_timeout)
        records.append(record)
        results.add_document(doc)
        if doc is None:
            notes.append(f"bench_sample produced no JSON (exit status {record['returncode']}).")
    else:
        notes.append("bench_sample registers no benchmark at the sizes of this run.")
    if args.quick or args.no_large_width:
        notes.append("large-width benchmarks not run (" + ("--quick" if args.quick else "--no-large-width") + ").")
    elif large:
        for name in large:
            record, doc = run_bench(bench, [name], repetitions=1, timeout=args.bench_timeout)
            records.append(record)
            results.add_document(doc)
            if doc is None:
                results.entries[name] = {"run_name": name, "family": F_LARGE,
                                         "args": parse_bench_name(name)[1],
                                         "error": f"no JSON (exit status {record['returncode']}): "
                                                  + tail(record["stderr_tail"], 200)}
    else:
        notes.append(f"bench_sample registers no {F_LARGE} benchmark.")
    if results.context == {} and available:
        # context from a listing-only situation: run nothing, keep empty
        pass
    return results, records, notes


def jacstab_reference(results, n, L, T):
    """jacstab's s/sample at (n, L, T): (seconds or None, label, judged_ok)."""
    v = results.counter(F_BATCH, "s_per_sample", width=n, depth=L, threads=T)
    if v is not None:
        return v, f"{F_BATCH} (s_per_sample)", True
    if T == 1:
        v = results.time_s(F_SAMPLE, width=n, depth=L)
        if v is not None:
            return v, f"{F_SAMPLE} ({F_BATCH} not measured)", True
    return None, f"{F_BATCH} not measured", False


def cli_fallback(args, jacstab, n, L, T):
    reps = max(args.samples, 2 * T)
    cmd = [jacstab, "sample", "--width", str(n), "--depth", str(L), "--reps", str(reps),
           "--threads", str(T), "--seed", str(args.seed), "--json"]
    res = run_cmd(cmd, timeout=args.bench_timeout)
    obj = last_json_object(res["stdout"])
    rec = {"command": cmd, "returncode": res["returncode"], "json": obj}
    try:
        wall = obj["summary"]["wall_seconds"]
        rec["s_per_sample"] = wall / reps
        rec["mean_norm"] = obj["summary"].get("mean_norm")
    except (TypeError, KeyError):
        rec["s_per_sample"] = None
        rec["stderr_tail"] = tail(res["stderr"])
    return rec


def run_peer(args, name, script, extra, n, L, T):
    cmd = [args.python, script, "--width", str(n), "--depth", str(L), "--threads", str(T),
           "--samples", str(args.samples), "--warmup", str(args.warmup), "--seed", str(args.seed),
           "--json"] + extra
    log(f"{name} n={n} L={L} T={T} ...")
    res = run_cmd(cmd, env=thread_env(T), timeout=args.peer_timeout)
    obj = last_json_object(res["stdout"])
    rec = {"contender": name, "width": n, "depth": L, "threads": T, "command": cmd,
           "env": {v: str(T) for v in THREAD_VARS}, "returncode": res["returncode"], "result": obj}
    if res["returncode"] != 0 or obj is None:
        rec["stderr_tail"] = tail(res["stderr"])
        log(f"  {name} failed: {tail(res['stderr'], 300)}")
    else:
        log(f"  median {obj['median_s']:.4g} s/sample")
    return rec


# --------------------------------------------------------------------------------------------
# report

def peer_median(rec):
    if rec is None or rec.get("returncode") != 0 or not rec.get("result"):
        return None
    return rec["result"].get("median_s")


def peer_spread(rec):
    if peer_median(rec) is None:
        return "failed" if rec is not None else "not run"
    times = rec["result"]["times_s"]
    return f"{min(times):.4g}–{max(times):.4g} (K={len(times)})"


def peer_mean_norm(rec):
    if peer_median(rec) is None:
        return "—"
    norms = [v for v in rec["result"].get("norms", []) if v is not None]
    return f"{statistics.fmean(norms):.4g}" if norms else "—"


def render(args, sizes, ctx, check_record, provenance, results, bench_notes, peers, fallbacks,
           load_start, load_end, started):
    L_ = []
    w = L_.append
    quick = args.quick
    w("# Speed: jacstab against PyTorch and numpy")
    w("")
    w(f"Written by `bench/peers/run_peers.py` ({' '.join(['run_peers.py'] + sys.argv[1:])}), "
      f"started {started} UTC.")
    w("")
    if quick:
        w("> **Quick run** (`--quick`): small sizes and few samples, for trying the script out. "
          "The targets are defined at (n = 256, L = 100) and (n = 1024, L = 20); nothing in this "
          "file judges them.")
        w("")

    # machine
    versions = {}
    for rec in peers.values():
        res = rec.get("result") if rec else None
        if res and "versions" in res:
            versions.setdefault(res["contender"], res["versions"])
    for chk in check_record.get("checks", []):
        res = chk.get("result")
        if res and "versions" in res:
            versions.setdefault(res["contender"], res["versions"])
    w("## Machine")
    w("")
    w(f"- CPU: {cpu_model()}; {os.cpu_count()} logical cores"
      + (f"; Google Benchmark reports {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
         f"CPU scaling {'enabled' if ctx.get('cpu_scaling_enabled') else 'disabled'}" if ctx else ""))
    w(f"- Load average (1, 5, 15 min) at start: {load_start}; at end: {load_end}")
    git = ctx.get("jacstab_git") or (provenance or {}).get("git_hash")
    git_src = "benchmark context `jacstab_git`" if ctx.get("jacstab_git") else "export manifest provenance"
    blas = ctx.get("blas") or (provenance or {}).get("blas")
    blas_src = "benchmark context `blas`" if ctx.get("blas") else "export manifest provenance"
    w(f"- jacstab: version {ctx.get('jacstab_version') or (provenance or {}).get('version', '?')}, "
      f"git `{git or 'unknown'}` (from {git_src})")
    w(f"- jacstab BLAS: {blas or 'unknown'} (from {blas_src})"
      + (f"; BLAS threads per worker: {ctx['blas_threads']}" if ctx.get("blas_threads") else ""))
    if ctx.get("library_build_type"):
        w(f"- Google Benchmark library build type: {ctx['library_build_type']} (this describes the "
          "Debian `libbenchmark` package, not jacstab, which is built in Release)")
    npv = versions.get("numpy")
    if npv:
        w(f"- numpy {npv.get('numpy')} (Python {npv.get('python')}); BLAS loaded: "
          f"{', '.join(npv.get('blas_libraries_loaded', [])) or 'unknown'}")
    tv = versions.get("pytorch-autograd") or versions.get("pytorch-autograd-vectorize")
    if tv:
        w(f"- torch {tv.get('torch')} (BLAS_INFO={tv.get('blas_info', '?')}, "
          f"LAPACK_INFO={tv.get('lapack_info', '?')}); BLAS loaded: "
          f"{', '.join(tv.get('blas_libraries_loaded', [])) or 'unknown'}")
    w("")

    # method
    w("## Method")
    w("")
    w("Every contender computes, per sample, a fresh network and ‖J₁‖₂ = ‖W_L D_{L−1} ⋯ W₁ D₀‖₂: "
      "x ~ N(0, I₇₈₄), W_in (n × 784) iid N(0, 2/784), Y₀ = W_in x, W₁..W_L (n × n) iid N(0, 2/n), "
      "D_l = diag(1{Y_l > 0}) from the forward pass. Float64 throughout. Per-sample time includes "
      "sampling the weights.")
    w("")
    w("- **jacstab**: `BM_SampleJacobianNorm` = one sample on 1 thread (real time per iteration); "
      "`BM_SampleJacobianNormBatch` at T threads = a batch of replicates run in parallel, counter "
      "`s_per_sample` (throughput). jacstab draws only the weights feeding active units and keeps "
      "only the rows the next layer reads (README, \"Benchmarks\"). Median of 5 Google Benchmark "
      "repetitions" + (" (2 with `--quick`)" if quick else "") + ".")
    w("- **numpy** (`peer_numpy.py`): `default_rng` `standard_normal` weights, forward pass, "
      "`J = W_l @ (d[:, None] * J)`, `np.linalg.norm(J, 2)`.")
    w("- **pytorch-autograd** (`peer_torch.py`): `nn.Sequential(ReLU, Linear(n, n, bias=False), …)` "
      "built once, weights re-sampled with `nn.init.normal_(std=√(2/n))`, "
      "`torch.autograd.functional.jacobian(f, Y₀)` with default arguments, "
      "`torch.linalg.matrix_norm(J, ord=2)`; the targets are judged on this row.")
    w("- **pytorch-autograd-vectorize**: the same with `jacobian(f, Y₀, vectorize=True)` "
      "(reported, not judged).")
    w(f"- Peers: median over K = {args.samples} samples after W = {args.warmup} warm-up samples, "
      "each sample timed with `time.perf_counter`, one process per (contender, size, T), with "
      "OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = T (and `torch.set_num_threads(T)`). "
      "jacstab at T is the batch benchmark at the same T.")
    w("- Ratio = peer s/sample ÷ jacstab s/sample at the same size and T (> 1: jacstab faster).")
    for note in bench_notes:
        w(f"- Note: {note}")
    w("")
    w("Correctness (same quantity): network exported by "
      "`jacstab sample --width 64 --depth 10 --export DIR --seed 7`, ‖J₁‖ recomputed by each peer's "
      "own code path:")
    w("")
    w("| contender | ‖J₁‖ (peer) | ‖J₁‖ (jacstab manifest) | relative difference | agrees (≤ 1e-9) |")
    w("|---|---|---|---|---|")
    for chk in check_record.get("checks", []):
        r = chk.get("result") or {}
        rd = r.get("relative_difference")
        w(f"| {chk['contender']} | {r.get('norm', '—')!r} | {r.get('manifest_norm', '—')!r} | "
          f"{'—' if rd is None else f'{rd:.2g}'} | {'yes' if chk['agree'] else 'NO'} |")
    w("")

    # per size
    w("## Seconds per sample")
    w("")
    ratio_table = {}   # (name, n, L, T) -> (ratio or None, judged)
    for n, L in sizes:
        w(f"### n = {n}, L = {L}")
        w("")
        w("| contender | threads | median s/sample | spread | mean ‖J₁‖ | ratio = peer / jacstab |")
        w("|---|---|---|---|---|---|")
        for T in args.threads:
            ref, ref_label, judged = jacstab_reference(results, n, L, T)
            batch = results.counter(F_BATCH, "s_per_sample", width=n, depth=L, threads=T)
            be = results.find(F_BATCH, width=n, depth=L, threads=T)
            if batch is not None:
                cv = be.get("cv_real_time")
                spread = f"cv {100 * cv:.1f} % ({be['source']})" if cv is not None else be["source"]
                w(f"| jacstab `{F_BATCH}` | {T} | {fmt_s(batch)} | {spread} | — | reference |")
            else:
                why = f" ({be['error']})" if be and "error" in be else ""
                w(f"| jacstab `{F_BATCH}` | {T} | not measured{why} | — | — | — |")
            if T == 1:
                single = results.time_s(F_SAMPLE, width=n, depth=L)
                se = results.find(F_SAMPLE, width=n, depth=L)
                if single is not None:
                    cv = se.get("cv_real_time")
                    spread = f"cv {100 * cv:.1f} % ({se['source']})" if cv is not None else se["source"]
                    w(f"| jacstab `{F_SAMPLE}` (one sample) | 1 | {fmt_s(single)} | {spread} | — | "
                      + ("reference" if batch is None else "—") + " |")
                else:
                    w(f"| jacstab `{F_SAMPLE}` (one sample) | 1 | not measured | — | — | — |")
            fb = fallbacks.get((n, L, T))
            if fb is not None:
                fv = fb.get("s_per_sample")
                mn = fb.get("mean_norm")
                w(f"| jacstab `sample` CLI (wall_seconds / reps; fallback, not a benchmark) | {T} | "
                  f"{fmt_s(fv)} | {len(fb['json']['replicates']) if fb.get('json') else '?'} reps | "
                  f"{'—' if mn is None else f'{mn:.4g}'} | "
                  + ("indicative reference" if ref is None else "—") + " |")
            denom = ref if ref is not None else (fb or {}).get("s_per_sample")
            for name, _, _ in PEERS:
                rec = peers.get((name, n, L, T))
                med = peer_median(rec)
                ratio = med / denom if (med is not None and denom) else None
                ratio_table[(name, n, L, T)] = (ratio, judged and ref is not None)
                label = fmt_ratio(ratio) + ("" if ref is not None or ratio is None else " (vs CLI fallback)")
                w(f"| {name} | {T} | {fmt_s(med) if med is not None else 'failed'} | {peer_spread(rec)} | "
                  f"{peer_mean_norm(rec)} | {label} |")
        w("")

    # targets
    w("## Targets")
    w("")
    if quick:
        w("Quick run: the ratios below are for the quick sizes and are not verdicts on the targets.")
        w("")
    w("| target | size | threads | measured | verdict |")
    w("|---|---|---|---|---|")
    summary = []
    for name, thr, title in (("pytorch-autograd", TARGET_TORCH, f"≥ {TARGET_TORCH:g}× vs PyTorch autograd (default jacobian)"),
                             ("numpy", TARGET_NUMPY, f"≥ {TARGET_NUMPY:g}× vs numpy")):
        verdicts = []
        for n, L in sizes:
            for T in args.threads:
                ratio, judged = ratio_table.get((name, n, L, T), (None, False))
                if quick:
                    v = "not judged (quick run)"
                elif ratio is None:
                    v = "not measured"
                elif not judged:
                    v = "not measured (jacstab benchmark missing; ratio vs CLI fallback is indicative)"
                else:
                    v = "met" if ratio >= thr else "NOT MET"
                verdicts.append(v)
                w(f"| {title} | n={n}, L={L} | {T} | {fmt_ratio(ratio)} | {v} |")
        measured = [ratio_table[(name, n, L, T)][0] for n, L in sizes for T in args.threads
                    if ratio_table.get((name, n, L, T), (None, False))[1]
                    and ratio_table[(name, n, L, T)][0] is not None]
        extra = f"lowest measured ratio {fmt_ratio(min(measured))}" if measured and not quick else ""
        summary.append((title, verdicts, extra))
    floor_rows = []
    for n, L in sizes:
        single = results.time_s(F_SAMPLE, width=n, depth=L)
        floors = {f: results.time_s(f, width=n, depth=L) for f in (F_FASTFLOOR, F_WEIGHTS, F_GEMM)}
        ratios = {f: (single / v if (single is not None and v) else None) for f, v in floors.items()}
        r = ratios[F_FASTFLOOR]
        if quick:
            v = "not judged (quick run)"
        elif r is None:
            v = "not measured"
        else:
            v = "met" if r <= TARGET_FLOOR else "NOT MET"
        floor_rows.append((n, L, single, floors, ratios, v))
        w(f"| jacstab ≤ {TARGET_FLOOR:g}× floor (`{F_FASTFLOOR}`) | n={n}, L={L} | 1 | "
          f"{'—' if r is None else f'{r:.3g}× the floor'} | {v} |")
    floor_measured = [row[4][F_FASTFLOOR] for row in floor_rows if row[4][F_FASTFLOOR] is not None]
    summary.append((f"jacstab ≤ {TARGET_FLOOR:g}× the fast-path floor", [row[-1] for row in floor_rows],
                    f"highest measured ratio {max(floor_measured):.3g}× the floor"
                    if floor_measured and not quick else ""))
    w("")
    for title, verdicts, extra in summary:
        if all(v == "met" for v in verdicts):
            overall = "met"
        elif any(v == "NOT MET" for v in verdicts):
            overall = "NOT MET"
        elif quick:
            overall = "not judged (quick run)"
        else:
            overall = "not measured" if all(v.startswith("not measured") for v in verdicts) else \
                "incomplete (some cases not measured)"
        w(f"- **{title}**: {overall}" + (f" ({extra})" if extra else "") + ".")
    w("")
    w("The speed-ups are judged at every thread count run; a target is met when it holds at both "
      "sizes and every T.")
    w("")

    # floors
    w("## Floors (1 thread)")
    w("")
    w(f"jacstab's one-sample time (`{F_SAMPLE}`) over each floor. The target is judged against "
      f"`{F_FASTFLOOR}`, the minimal work of jacstab's own fast path (drawing the n × n/2 active "
      "columns and one (n/2)³ GEMM per layer); `BM_SampleWeights` (sampling L full n × n matrices) "
      "and `BM_GemmChain` (L − 1 dense n × n GEMMs) are the floors of a dense implementation.")
    w("")
    w(f"| size | jacstab s/sample | `{F_FASTFLOOR}` | `{F_WEIGHTS}` | `{F_GEMM}` | "
      "÷ fast-path floor | ÷ sampling | ÷ GEMM chain | ÷ (sampling + GEMM chain) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for n, L, single, floors, ratios, _ in floor_rows:
        both = (floors[F_WEIGHTS] + floors[F_GEMM]) if (floors[F_WEIGHTS] and floors[F_GEMM]) else None
        rb = single / both if (single is not None and both) else None
        w(f"| n={n}, L={L} | {fmt_s(single)} | {fmt_s(floors[F_FASTFLOOR])} | {fmt_s(floors[F_WEIGHTS])} | "
          f"{fmt_s(floors[F_GEMM])} | {fmt_ratio(ratios[F_FASTFLOOR])} | {fmt_ratio(ratios[F_WEIGHTS])} | "
          f"{fmt_ratio(ratios[F_GEMM])} | {fmt_ratio(rb)} |")
    w("")

    # large width
    w("## Large width (depth 10)")
    w("")
    large = [e for e in results.entries.values() if e["family"] == F_LARGE]
    if not large:
        why = "not run (`--quick`)" if quick else ("not run (`--no-large-width`)" if args.no_large_width
                                                   else f"not measured (no `{F_LARGE}` benchmark)")
        w(f"{why}.")
        w("")
    else:
        if args.jacstab_json:
            w("Read from the given benchmark JSON. " + LARGE_METHODS_TEXT)
        else:
            w("One bench_sample process per benchmark, 1 repetition, so `peak_rss_gib` is that "
              "benchmark's own peak (the network included). " + LARGE_METHODS_TEXT)
        w("")
        w("| width | method | time (s) | log ‖J₁‖ | rel. error bound | Lanczos steps | peak RSS (GiB) | "
          "used operator | network (GiB) |")
        w("|---|---|---|---|---|---|---|---|---|")
        widths = sorted({int(e["args"].get("width", 0)) for e in large})
        for width in widths:
            for m in (0, 1, 2, 3):
                e = results.find(F_LARGE, width=width, method=m)
                label = f"{m} ({LARGE_METHODS[m]})"
                if e is None:
                    w(f"| {width} | {label} | not measured | | | | | | |")
                    continue
                if "error" in e:
                    w(f"| {width} | {label} | error: {e['error']} | | | | | | |")
                    continue
                c = e.get("counters", {})

                def g(k, f="{:.6g}"):
                    v = c.get(k)
                    return f.format(v) if isinstance(v, (int, float)) else "—"
                uo = c.get("used_operator")
                w(f"| {width} | {label} | {fmt_s(e.get('real_time_s'))} | {g('log_norm', '{:.10g}')} | "
                  f"{g('rel_error_bound', '{:.2g}')} | {g('lanczos_steps', '{:.0f}')} | {g('peak_rss_gib', '{:.3g}')} | "
                  f"{'—' if uo is None else ('yes' if uo >= 0.5 else 'no')} | {g('network_gib', '{:.3g}')} |")
        w("")
        for width in widths:
            x = results.find(F_LARGE, width=width, method=0)
            o = results.find(F_LARGE, width=width, method=1)
            a = results.find(F_LARGE, width=width, method=2)
            d = results.find(F_LARGE, width=width, method=3)
            ok = lambda e: e is not None and "error" not in e
            parts = []
            logs = {m: e["counters"]["log_norm"] for m, e in ((0, x), (1, o), (2, a), (3, d))
                    if ok(e) and "log_norm" in e.get("counters", {})}
            if len(logs) >= 2:
                spread = max(logs.values()) - min(logs.values())
                parts.append(f"the {len(logs)} paths agree on log ‖J₁‖ to {spread:.2g}")
            else:
                parts.append("agreement not measured")
            if ok(a) and isinstance(a.get("counters", {}).get("used_operator"), (int, float)):
                took = "operator" if a["counters"]["used_operator"] >= 0.5 else "dense chain"
                text = f"auto took the {took} path"
                if ok(d) and ok(o):
                    faster = "operator" if o["real_time_s"] < d["real_time_s"] else "dense chain"
                    text += (f"; of its two candidates the faster was the {faster} "
                             f"({fmt_s(d['real_time_s'])} s dense chain, {fmt_s(o['real_time_s'])} s operator): "
                             + ("auto chose the faster one" if took == faster else "auto did NOT choose the faster one"))
                parts.append(text)
            else:
                parts.append("auto's choice not measured")
            w(f"- n = {width}: " + "; ".join(parts) + ".")
        w("")

    w("## Raw data")
    w("")
    w("- `bench/performance-jacstab.json`: every bench_sample run (command and its JSON), the "
      "`jacstab sample` fallback runs, the correctness export.")
    w("- `bench/performance-peers.json`: every peer run (command, environment, per-sample times "
      "and norms) and the correctness checks.")
    w("")
    return "\n".join(L_)


# --------------------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    load_start = read_loadavg()
    build = os.path.abspath(args.build)
    jacstab = os.path.join(build, "jacstab")
    bench = os.path.join(build, "bench_sample")
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if not (os.path.isfile(jacstab) and os.access(jacstab, os.X_OK)):
        print(f"run_peers.py: {jacstab} not found or not executable (build jacstab first)", file=sys.stderr)
        return 1

    # 0. the peers' Python must have numpy and torch
    for module, package in (("numpy", "python3-numpy"), ("torch", "python3-torch")):
        probe = subprocess.run([args.python, "-c", f"import {module}"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"run_peers.py: {args.python} cannot import {module} (Debian package {package}; "
                  "bash scripts/install-deps.sh --bench installs it)", file=sys.stderr)
            return 2

    # 1. correctness
    log("correctness: export a 64 x 10 network and check both peers against it")
    check_record, ok, provenance = correctness(args, jacstab)
    for chk in check_record.get("checks", []):
        r = chk.get("result") or {}
        log(f"  {chk['contender']}: norm {r.get('norm')!r} vs {r.get('manifest_norm')!r}, "
            f"rel diff {r.get('relative_difference')}, {'agree' if chk['agree'] else 'DISAGREE'}")
    if not ok:
        print("run_peers.py: CORRECTNESS CHECK FAILED: the peers do not reproduce jacstab's ||J_1|| "
              "on the exported network; no report written.", file=sys.stderr)
        print(json.dumps(check_record, indent=1), file=sys.stderr)
        return 1

    # 2. jacstab benchmarks
    results, bench_records, bench_notes = jacstab_benchmarks(args, bench, sizes)
    fallbacks = {}
    for n, L in sizes:
        for T in args.threads:
            ref, _, _ = jacstab_reference(results, n, L, T)
            if ref is None:
                log(f"no jacstab benchmark at n={n} L={L} T={T}: timing `jacstab sample` instead")
                fallbacks[(n, L, T)] = cli_fallback(args, jacstab, n, L, T)
    if fallbacks:
        bench_notes.append("where the jacstab benchmark is missing, jacstab's time is "
                           "`jacstab sample --reps R --threads T --json` summary.wall_seconds / R: "
                           "a process-level measurement shown for orientation only.")

    # 3. peers
    peers = {}
    for n, L in sizes:
        for T in args.threads:
            for name, script, extra in PEERS:
                peers[(name, n, L, T)] = run_peer(args, name, script, extra, n, L, T)
    load_end = read_loadavg()

    # 4. outputs
    ctx = results.context or {}
    text = render(args, sizes, ctx, check_record, provenance, results, bench_notes, peers,
                  fallbacks, load_start, load_end, started)
    out = os.path.abspath(args.out)
    jacstab_doc = {
        "started_utc": started, "quick": args.quick, "sizes": sizes, "threads": args.threads,
        "bench_runs": bench_records,
        "summary": {name: e for name, e in results.entries.items()},
        "cli_fallback": [dict(v, width=k[0], depth=k[1], threads=k[2]) for k, v in fallbacks.items()],
        "correctness_export": {k: v for k, v in check_record.items() if k != "checks"},
        "load_average": {"start": load_start, "end": load_end},
    }
    peers_doc = {
        "started_utc": started, "quick": args.quick, "samples": args.samples, "warmup": args.warmup,
        "seed": args.seed, "python": args.python, "checks": check_record.get("checks", []),
        "runs": list(peers.values()),
    }
    atomic_write(os.path.join(out, "bench", "performance-jacstab.json"), json.dumps(jacstab_doc, indent=1) + "\n")
    atomic_write(os.path.join(out, "bench", "performance-peers.json"), json.dumps(peers_doc, indent=1) + "\n")
    atomic_write(os.path.join(out, "performance.md"), text)
    log(f"wrote {os.path.join(out, 'performance.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
