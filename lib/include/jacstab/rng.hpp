#pragma once
// Reproducible random streams.
//
// Every random quantity in jacstab is drawn from an Engine obtained by
// stream(seed, stream_id, replicate). The engine's state depends only on those three
// numbers, so replicate r of an experiment gives bit-identical results whatever the number
// of threads or the order in which replicates are scheduled.
//
// Generator: xoshiro256++ (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", ACM TOMS 47(4), 2021), seeded through SplitMix64 (Steele, Lea & Flood,
// OOPSLA 2014) from a hash of (seed, stream_id, replicate).
// Normal deviates: 256-layer ziggurat (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000), with
// the layer index and the uniform taken from disjoint bits of one 64-bit word, as
// recommended by Doornik (2005, "An improved ziggurat method to generate normal random
// samples"), and Marsaglia's exact tail algorithm beyond r = 3.6541528853610088.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace jacstab {

/// SplitMix64 finaliser: a bijective 64-bit mixing function.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// FNV-1a hash of a string, used to turn a claim or component name into a stream id.
constexpr std::uint64_t stream_id_of(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Engine {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// An engine whose state is derived from (seed, stream_id, replicate); see stream().
  Engine(std::uint64_t seed, std::uint64_t stream_id, std::uint64_t replicate) noexcept;

  /// Next raw 64-bit output of xoshiro256++.
  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1]: never zero, safe under log().
  double uniform_pos() noexcept { return static_cast<double>(((*this)() >> 11) + 1) * 0x1.0p-53; }
  /// Uniform integer on {0, ..., n-1} (Lemire's nearly divisionless method); n >= 1.
  std::uint64_t uniform_int(std::uint64_t n) noexcept;
  /// Standard normal deviate.
  double normal() noexcept;
  /// Bernoulli(p): true with probability p (compares 53-bit uniform with p).
  bool bernoulli(double p) noexcept { return uniform() < p; }

  /// Fills out[0..count) with N(0, sigma^2) deviates.
  void fill_normal(double* out, std::size_t count, double sigma = 1.0) noexcept;

  /// A child engine for a named sub-component (mask draws, starting vectors, ...), so that
  /// adding draws to one component never shifts the draws of another.
  Engine split(std::uint64_t child_id) noexcept;
  /// A child engine derived from the current state without advancing this engine, so that
  /// an optional component (e.g. surrogate masks) leaves every other draw unchanged.
  Engine derive(std::uint64_t child_id) const noexcept;

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  double normal_slow(std::uint64_t u) noexcept;
  std::uint64_t s_[4];
};

/// The engine for replicate `replicate` of stream `stream_id` under master seed `seed`.
inline Engine stream(std::uint64_t seed, std::uint64_t stream_id, std::uint64_t replicate) noexcept {
  return Engine(seed, stream_id, replicate);
}
inline Engine stream(std::uint64_t seed, std::string_view stream_name,
                     std::uint64_t replicate) noexcept {
  return Engine(seed, stream_id_of(stream_name), replicate);
}

}  // namespace jacstab
