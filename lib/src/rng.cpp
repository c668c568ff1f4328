#include "jacstab/rng.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <numbers>

namespace jacstab {
namespace {

// Ziggurat tables for the standard normal, 256 layers of equal area v.
// Marsaglia & Tsang (2000), section 2: r = 3.6541528853610088 for 256 layers; v is the
// common layer area, v = r f(r) + \int_r^\infty f(x) dx with f(x) = exp(-x^2/2).
// x[0] = v / f(r) is the width of the base strip's equivalent rectangle, x[1] = r,
// x[i+1] = f^{-1}(v / x[i] + f(x[i])), and x[256] = 0.
struct ZigguratTables {
  static constexpr double r = 3.6541528853610088;
  std::array<double, 257> x{};
  std::array<double, 257> f{};      // f(x[i])
  std::array<double, 256> ratio{};  // x[i+1] / x[i]: the fast-accept bound on U
  std::array<std::int64_t, 256> k{};  // floor(ratio * 2^52): the same bound on |j|
  std::array<std::uint64_t, 256> k2{}; // 2 k - 1: |j| < k  <=>  (uint64)(j + k - 1) < 2k - 1
  std::array<double, 256> w{};        // x[i] * 2^-52: maps the signed 53-bit j to z
  ZigguratTables() {
    const double fr = std::exp(-0.5 * r * r);
    const double v = r * fr + std::sqrt(std::numbers::pi / 2.0) * std::erfc(r / std::sqrt(2.0));
    x[0] = v / fr;
    x[1] = r;
    for (int i = 1; i < 256; ++i) {
      const double arg = v / x[i] + std::exp(-0.5 * x[i] * x[i]);
      x[i + 1] = arg >= 1.0 ? 0.0 : std::sqrt(-2.0 * std::log(arg));
    }
    x[256] = 0.0;
    for (int i = 0; i <= 256; ++i) f[i] = std::exp(-0.5 * x[i] * x[i]);
    for (int i = 0; i < 256; ++i) {
      ratio[i] = x[i + 1] / x[i];
      k[i] = static_cast<std::int64_t>(std::floor(ratio[i] * 0x1.0p52));
      // k = 0 (the top layer, x[256] = 0) must accept nothing: 2k - 1 would wrap around.
      k2[i] = k[i] > 0 ? static_cast<std::uint64_t>(2 * k[i] - 1) : 0;
      w[i] = x[i] * 0x1.0p-52;
    }
  }
};

const ZigguratTables kZig;

}  // namespace

Engine::Engine(std::uint64_t seed, std::uint64_t stream_id, std::uint64_t replicate) noexcept {
  // Chain the three keys through the bijective mixer so that neighbouring seeds, streams or
  // replicates land on unrelated states; then expand with SplitMix64.
  std::uint64_t h = splitmix64_mix(seed + 0x9e3779b97f4a7c15ULL);
  h = splitmix64_mix(h ^ splitmix64_mix(stream_id + 0x6a09e667f3bcc909ULL));
  h = splitmix64_mix(h ^ splitmix64_mix(replicate + 0xbb67ae8584caa73bULL));
  for (auto& word : s_) {
    h += 0x9e3779b97f4a7c15ULL;
    word = splitmix64_mix(h);
  }
  // xoshiro256++ must not start from the all-zero state (probability 2^-256, but be exact).
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

Engine Engine::split(std::uint64_t child_id) noexcept {
  const std::uint64_t a = (*this)();
  const std::uint64_t b = (*this)();
  return Engine(a, child_id, b);
}

Engine Engine::derive(std::uint64_t child_id) const noexcept {
  const std::uint64_t a = splitmix64_mix(s_[0] ^ splitmix64_mix(s_[1]));
  const std::uint64_t b = splitmix64_mix(s_[2] ^ splitmix64_mix(s_[3] + 0x3c6ef372fe94f82bULL));
  return Engine(a, child_id, b);
}

std::uint64_t Engine::uniform_int(std::uint64_t n) noexcept {
  // Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019.
  __uint128_t m = static_cast<__uint128_t>((*this)()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<__uint128_t>((*this)()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

// Bits of u: [0, 8) the layer index i; [11, 64) a signed 53-bit integer j (arithmetic shift),
// so |j| 2^-52 is the uniform and the sign of j the sign of the deviate (Marsaglia & Tsang's
// signed-integer form). Accept z = j x[i] 2^-52 at once when |j| < floor(2^52 x[i+1]/x[i]).
double Engine::normal() noexcept {
  const std::uint64_t u = (*this)();
  const unsigned i = static_cast<unsigned>(u & 0xffu);
  const std::int64_t j = static_cast<std::int64_t>(u) >> 11;
  if (std::abs(j) < kZig.k[i]) [[likely]] return static_cast<double>(j) * kZig.w[i];
  return normal_slow(u);
}

double Engine::normal_slow(std::uint64_t u) noexcept {
  for (;;) {
    const unsigned i = static_cast<unsigned>(u & 0xffu);
    const std::int64_t j = static_cast<std::int64_t>(u) >> 11;
    if (std::abs(j) < kZig.k[i]) return static_cast<double>(j) * kZig.w[i];
    const bool negative = j < 0;
    double z = static_cast<double>(std::abs(j)) * kZig.w[i];
    if (i == 0) {
      // Tail beyond r: Marsaglia (1964).
      double xt, yt;
      do {
        xt = -std::log(uniform_pos()) / ZigguratTables::r;
        yt = -std::log(uniform_pos());
      } while (2.0 * yt < xt * xt);
      z = ZigguratTables::r + xt;
      return negative ? -z : z;
    }
    // Wedge of layer i: y uniform on [f(x[i]), f(x[i+1])], accept under the density.
    const double y = kZig.f[i] + uniform() * (kZig.f[i + 1] - kZig.f[i]);
    if (y < std::exp(-0.5 * z * z)) return negative ? -z : z;
    u = (*this)();
  }
}

void Engine::fill_normal(double* out, std::size_t count, double sigma) noexcept {
  // The state lives in registers for the loop (storing it back every draw would cost a
  // store-forwarding stall per deviate); it is synchronised only around the rare slow path.
  // sigma is folded into a local copy of the width table (sigma = 1 uses it unchanged, so
  // fill_normal(out, n) and n calls of normal() give identical values).
  alignas(64) double ws[256];
  const double* w = kZig.w.data();
  if (sigma != 1.0) {
    for (int i = 0; i < 256; ++i) ws[i] = kZig.w[i] * sigma;
    w = ws;
  }
  std::uint64_t s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint64_t u = rotl(s0 + s3, 23) + s0;
    const std::uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
    const unsigned i = static_cast<unsigned>(u & 0xffu);
    const std::int64_t j = static_cast<std::int64_t>(u) >> 11;
    // |j| < k[i] as one unsigned comparison.
    if (static_cast<std::uint64_t>(j + kZig.k[i] - 1) < kZig.k2[i]) [[likely]] {
      out[k] = static_cast<double>(j) * w[i];
    } else {
      s_[0] = s0; s_[1] = s1; s_[2] = s2; s_[3] = s3;
      out[k] = sigma * normal_slow(u);
      s0 = s_[0]; s1 = s_[1]; s2 = s_[2]; s3 = s_[3];
    }
  }
  s_[0] = s0; s_[1] = s1; s_[2] = s2; s_[3] = s3;
}

}  // namespace jacstab
