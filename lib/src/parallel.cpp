#include "jacstab/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "jacstab/format.hpp"

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace jacstab {

namespace {
// The first number on the line of `path` that starts with `key` (a /proc/meminfo field, in kB).
std::optional<std::uint64_t> meminfo_kib(const char* key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  const std::string k(key);
  while (std::getline(in, line)) {
    if (line.rfind(k, 0) == 0) {
      std::istringstream is(line.substr(k.size()));
      std::uint64_t v = 0;
      if (is >> v) return v;
    }
  }
  return std::nullopt;
}
// A single number in a cgroup file ("max" means no limit).
std::optional<std::uint64_t> cgroup_value(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return static_cast<std::uint64_t>(std::stoull(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
}  // namespace

std::optional<std::uint64_t> available_memory_bytes() {
  std::optional<std::uint64_t> avail;
  if (auto kib = meminfo_kib("MemAvailable:")) avail = *kib * 1024u;
  const auto limit = cgroup_value("/sys/fs/cgroup/memory.max");
  const auto used = cgroup_value("/sys/fs/cgroup/memory.current");
  if (limit) {
    const std::uint64_t room = used && *used < *limit ? *limit - *used : 0u;
    avail = avail ? std::min(*avail, room) : room;
  }
  return avail;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t u = 0;
  while (bytes >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
    bytes /= 1024.0;
    ++u;
  }
  return str_cat(format_sig(bytes, 3), " ", units[u]);
}

int set_blas_threads(int threads) {
  if (threads < 1) throw std::invalid_argument(str_cat("set_blas_threads(): threads must be >= 1, got ", threads));
  const int previous = openblas_get_num_threads();
  openblas_set_num_threads(threads);
  return previous;
}

std::string blas_config() {
  std::string s = openblas_get_config();
  s += " (core ";
  s += openblas_get_corename();
  s += ")";
  return s;
}

unsigned default_thread_count() noexcept {
  const unsigned h = std::thread::hardware_concurrency();
  return h ? h : 1;
}

void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t)>& on_done) {
  if (threads < 1) throw std::invalid_argument("parallel_for(): threads must be >= 1, got 0");
  const int previous_blas = set_blas_threads(1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::size_t completed = 0;
  std::exception_ptr error;
  auto worker = [&] {
    for (;;) {
      if (failed.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= count) return;
      // on_done runs inside the try as well: an exception escaping a worker thread would
      // call std::terminate, and in the calling thread it would skip the BLAS restore.
      try {
        fn(i);
        const std::lock_guard<std::mutex> lock(mu);
        ++completed;
        if (on_done) on_done(completed);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        failed.store(true);
        return;
      }
    }
  };
  const unsigned used = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(count, 1)));
  if (used <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(used);
    for (unsigned t = 0; t < used; ++t) pool.emplace_back(worker);
    for (auto& th : pool) th.join();
  }
  openblas_set_num_threads(previous_blas);
  if (error) std::rethrow_exception(error);
}

}  // namespace jacstab
