#pragma once
// Replicate-level parallelism. Each replicate draws only from its own stream, so results do
// not depend on the thread count or the scheduling order; BLAS is kept single-threaded while
// replicates run, so every replicate performs the same floating-point operations whatever the
// thread count.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace jacstab {

/// Sets the number of OpenBLAS threads (>= 1) and returns the previous setting.
int set_blas_threads(int threads);
/// OpenBLAS's own description of its build ("OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell ...").
std::string blas_config();

/// Hardware concurrency, at least 1.
unsigned default_thread_count() noexcept;

/// The memory this process can still use, in bytes: MemAvailable of /proc/meminfo, or the
/// room left under the cgroup's memory.max when that is smaller; empty when neither can be read.
std::optional<std::uint64_t> available_memory_bytes();
/// "1.5 GiB", "300 MiB", "2.6 TiB": a byte count in binary units, three significant digits.
std::string format_bytes(double bytes);

/// Calls fn(i) for i in [0, count) on `threads` worker threads (1 = in the calling thread),
/// with BLAS single-threaded meanwhile. `on_done(completed)` runs after each call, serialised.
/// The first exception thrown by fn or on_done is rethrown in the caller after all workers
/// stop (no further indices are started once one has been thrown).
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t)>& on_done = {});

}  // namespace jacstab
