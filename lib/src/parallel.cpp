#include "jacstab/parallel.hpp"

#include <atomic>
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
