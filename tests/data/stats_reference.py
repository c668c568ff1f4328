#!/usr/bin/env python3
"""Reference values for tests/test_stats.cpp that R cannot provide (used: Python 3.11,
mpmath 1.2.1, numpy 1.24.2, Debian packages python3-mpmath and python3-numpy).

Run from the repository root (about 5 minutes, most of it in the n = 1e6 matrix powers):
    python3 tests/data/stats_reference.py > tests/data/stats_reference.py.txt

Same record format as stats_reference.R: "key v1 v2 ...", '#' starts a comment.

  ad_limit z p          P(A^2_inf >= z), 30 digits: mpmath quadrature (two variants that must
                        agree) of the branch-cut representation (see
                        anderson_darling_limit_sf in lib/src/stats.cpp)
  ad_limit_talbot z p   the same probability by an independent route: numerical inversion
                        (Talbot) of the Laplace transform (1 - E exp(-s A^2))/s, with
                        E exp(-s A^2) = prod_j (1 + 2s/(j(j+1)))^(-1/2) (Anderson & Darling 1952)
  ad_mc n z p se reps   Monte Carlo P(A^2_n >= z) for uniform samples of size n, numpy
                        default_rng(20240521), reps = 10^7 replicates drawn in 10 chunks,
                        binomial standard error
  ks_limit x p          P(K >= x) = 2 sum_k (-1)^(k-1) exp(-2k^2x^2), 30 digits (mpmath)
  ks_sf_mtw n d p       P(D_n >= d) = 1 - P(D_n < d), P(D_n < d) by the algorithm of Marsaglia,
                        Tsang & Wang (2003) in float64 numpy (non-negative matrix powers,
                        exponent tracked separately), for n = 1e5 and 1e6
"""
import math
import sys

import mpmath as mp
import numpy as np


def out(key, *vals):
    print(key, " ".join(repr(float(v)) if not isinstance(v, int) else str(v) for v in vals))


# ---------------------------------------------------------------------------------------
# Anderson-Darling limiting distribution
# ---------------------------------------------------------------------------------------
def ad_limit_sf_cut(z):
    """pi^(-1/2) sum_k (-1)^k int_{4k+3}^{4k+5} exp(-z(v^2-1)/8) v/sqrt((v^2-1)|cos(pi v/2)|) dv.

    Each cut integral is computed twice, in v with break points clustered at the left end
    (where the integrand concentrates for large z) and in theta (v = v0 + 1 - cos theta),
    and the two must agree to 1e-20 relative."""
    z = mp.mpf(z)
    total = mp.mpf(0)
    k = 0
    while True:
        v0 = 4 * k + 3
        def f(v):
            return (mp.exp(-z * (v * v - v0 * v0) / 8) * v
                    / mp.sqrt((v * v - 1) * abs(mp.cos(mp.pi * v / 2))))
        brk = [v0 + b for b in (0, 1e-5, 1e-4, 1e-3, 0.01, 0.03, 0.1, 0.3, 1, 2)]
        with mp.workdps(mp.mp.dps + 15):
            a = mp.quad(f, brk)

        def g(th):
            dv = 2 * mp.sin(th / 2) ** 2
            v = v0 + dv
            s = mp.sin(th / 2) if th <= mp.pi / 2 else mp.cos(th / 2)
            return (mp.exp(-z * dv * (v + v0) / 8) * v * mp.sin(th)
                    / mp.sqrt((v * v - 1) * mp.sin(mp.pi * s * s)))
        with mp.workdps(mp.mp.dps + 15):
            b = mp.quad(g, [0, 0.003, 0.01, 0.03, 0.1, 0.3, mp.pi / 2, mp.pi])
        if abs(a - b) > mp.mpf(10) ** -20 * abs(a):
            raise RuntimeError("quadratures disagree at z = %s, k = %d: %s %s" % (z, k, a, b))
        term = mp.exp(-z * (v0 * v0 - 1) / 8) * a
        total += (-1) ** k * term
        if abs(term) < mp.mpf(10) ** (-(mp.mp.dps + 5)) * abs(total):
            break
        k += 1
    return total / mp.sqrt(mp.pi)


def ad_log_laplace(s, J=3000):
    """log E exp(-s A^2) = -(1/2) sum_j log(1 + 2s/(j(j+1))), principal logs, tail summed in
    closed form to O(J^-5)."""
    tot = mp.fsum(mp.log(1 + 2 * s / (j * (j + 1))) for j in range(1, J + 1))
    # sum_{j>J} [2s/(j(j+1)) - 2s^2/(j(j+1))^2 + ...]
    tot += 2 * s / (J + 1) - 2 * s * s / (3 * (J + mp.mpf(0.5)) ** 3)
    return -tot / 2


def ad_limit_sf_talbot(z):
    return mp.invertlaplace(lambda s: (1 - mp.exp(ad_log_laplace(s))) / s, z, method="talbot")


# ---------------------------------------------------------------------------------------
# Kolmogorov distribution
# ---------------------------------------------------------------------------------------
def ks_limit_sf(x):
    x = mp.mpf(x)
    if x < 1:
        # K(x) = sqrt(2 pi)/x sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 x^2))
        s = mp.nsum(lambda k: mp.exp(-(2 * k - 1) ** 2 * mp.pi ** 2 / (8 * x * x)), [1, mp.inf])
        return 1 - mp.sqrt(2 * mp.pi) / x * s
    return 2 * mp.nsum(lambda k: (-1) ** (k - 1) * mp.exp(-2 * k * k * x * x), [1, mp.inf])


def mtw_cdf(n, d):
    """P(D_n < d), Marsaglia, Tsang & Wang (2003), float64 with base-2 exponent tracking."""
    k = int(math.floor(n * d)) + 1
    m = 2 * k - 1
    h = k - n * d
    i = np.arange(m)[:, None]
    j = np.arange(m)[None, :]
    g = i - j + 1
    H = np.where(g >= 0, 1.0, 0.0)
    hp = h ** np.arange(1, m + 1)
    H[:, 0] -= hp
    H[m - 1, :] -= hp[::-1]
    if 2 * h - 1 > 0:
        H[m - 1, 0] += (2 * h - 1) ** m
    inv_fact = np.ones(m + 2)
    for t in range(1, m + 2):
        inv_fact[t] = inv_fact[t - 1] / t
    H = np.where(g >= 0, H * inv_fact[np.clip(g, 0, m + 1)], 0.0)

    e_h = math.frexp(H.max())[1]
    Hs = H * 2.0 ** (-e_h)
    V, e = Hs.copy(), e_h
    for bit in bin(n)[3:]:
        V = V @ V
        e *= 2
        if bit == "1":
            V = V @ Hs
            e += e_h
        f = math.frexp(V.max())[1]
        V *= 2.0 ** (-f)
        e += f
    s, f = math.frexp(V[k - 1, k - 1])
    e += f
    for t in range(1, n + 1):
        s = s * t / n
        if s < 1e-150:
            s, f = math.frexp(s)
            e += f
    return math.ldexp(s, e)


def main():
    mp.mp.dps = 30
    print("# generated by tests/data/stats_reference.py with Python %s, mpmath %s, numpy %s"
          % (sys.version.split()[0], mp.__version__, np.__version__))

    for z in [0.05, 0.1, 0.2, 0.5, 1.0, 1.248, 1.61, 1.933, 2.0, 2.492, 3.07, 3.857, 4.5, 6.0,
              8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 200.0, 500.0, 700.0]:
        out("ad_limit", z, ad_limit_sf_cut(z))
    for z in [0.5, 1.0, 2.492, 5.0, 10.0]:
        out("ad_limit_talbot", z, ad_limit_sf_talbot(z))

    rng = np.random.default_rng(20240521)
    chunk, chunks = 1_000_000, 10
    reps = chunk * chunks
    zs = [0.5, 1.0, 1.933, 2.492, 3.857, 6.0, 8.0, 10.0]
    for n in [5, 10, 50]:
        count = dict.fromkeys(zs, 0)
        i = np.arange(1, n + 1)
        for _ in range(chunks):
            u = np.sort(rng.random((chunk, n)), axis=1)
            a2 = -n - ((2 * i - 1) * (np.log(u) + np.log1p(-u[:, ::-1]))).sum(axis=1) / n
            for z in zs:
                count[z] += int((a2 >= z).sum())
        for z in zs:
            p = count[z] / reps
            out("ad_mc", n, z, p, math.sqrt(p * (1 - p) / reps), reps)

    for x in [0.2, 0.5, 0.8, 1.0, 1.36, 2.0, 3.0, 5.0, 8.0, 12.0]:
        out("ks_limit", x, ks_limit_sf(x))

    for n in [100000, 1000000]:
        for x in [0.5, 0.8, 1.0, 1.2, 1.36, 1.5, 1.63]:
            d = x / math.sqrt(n)
            out("ks_sf_mtw", n, d, 1.0 - mtw_cdf(n, d))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
