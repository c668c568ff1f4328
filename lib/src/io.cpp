#include "jacstab/io.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace jacstab {
namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  std::string out(1, '\'');  // built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + s
  out += path.string();
  out += '\'';
  return out;
}

std::string errno_text(int err) { return std::system_category().message(err); }

/// a * b, or nullopt if the product does not fit in 64 bits.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

/// Throws std::invalid_argument unless `path` names an existing non-directory.
void require_existing_file(const fs::path& path, const char* func) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    throw std::invalid_argument(std::string(func) + "(): path " + quoted(path) +
                                " does not exist");
  }
  if (fs::is_directory(st)) {
    throw std::invalid_argument(std::string(func) + "(): path " + quoted(path) +
                                " is a directory");
  }
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr open_for_reading(const fs::path& path, const char* func) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    throw std::runtime_error(std::string(func) + "(): cannot open " + quoted(path) + ": " +
                             errno_text(err));
  }
  return f;
}

/// Appends everything left in `f` to `out`; false on a read error.
bool read_rest(std::FILE* f, std::string& out) {
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return std::ferror(f) == 0;
}

std::string read_whole_file(const fs::path& path, const char* func) {
  require_existing_file(path, func);
  FilePtr f = open_for_reading(path, func);
  std::string out;
  std::error_code ec;
  if (const auto size = fs::file_size(path, ec); !ec) out.reserve(size);
  if (!read_rest(f.get(), out)) {
    throw std::runtime_error(std::string(func) + "(): error reading " + quoted(path));
  }
  return out;
}

/// Output of `gzip -dc -- '<path>'`. gzip (an essential Debian package) is used so that
/// the project needs no zlib.
std::string gunzip_file(const fs::path& path, const char* func) {
  const std::string p = path.string();
  if (p.find('\'') != std::string::npos) {
    throw std::invalid_argument(std::string(func) + "(): path " + quoted(path) +
                                " contains a single quote, which cannot be passed to gzip");
  }
  const std::string command = "gzip -dc -- '" + p + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    const int err = errno;
    throw std::runtime_error(std::string(func) + "(): cannot run gzip on " + quoted(path) +
                             ": " + errno_text(err));
  }
  std::string out;
  const bool read_ok = read_rest(pipe, out);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string why = status == -1                ? "pclose failed"
                      : !WIFEXITED(status)        ? "gzip was killed"
                      : WEXITSTATUS(status) == 127 ? "gzip not found (exit status 127)"
                          : "exit status " + std::to_string(WEXITSTATUS(status));
    throw std::runtime_error(std::string(func) + "(): `gzip -dc` failed on " + quoted(path) +
                             " (" + why + "): the file is not valid gzip data");
  }
  if (!read_ok) {
    throw std::runtime_error(std::string(func) + "(): error reading the output of gzip for " +
                             quoted(path));
  }
  return out;
}

/// The contents of `path`, decompressed if it starts with the gzip magic bytes 1f 8b
/// (RFC 1952, section 2.3.1).
std::string read_maybe_gzip(const fs::path& path, const char* func) {
  require_existing_file(path, func);
  FilePtr f = open_for_reading(path, func);
  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, f.get());
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    f.reset();
    return gunzip_file(path, func);
  }
  std::string out(reinterpret_cast<const char*>(magic), got);
  if (std::ferror(f.get()) != 0 || !read_rest(f.get(), out)) {
    throw std::runtime_error(std::string(func) + "(): error reading " + quoted(path));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Atomic writes: write a temporary file in the target's directory, fsync it, then
// rename(2) it onto the target (POSIX.1-2017 rename(): "If the link named by the new
// argument exists, it shall be removed and old renamed to new ... atomic").
// ---------------------------------------------------------------------------------------

void write_file_atomic(const fs::path& path, std::string_view contents) {
  if (path.empty()) throw std::invalid_argument("write_file_atomic(): path is empty");
  if (!path.has_filename()) {
    throw std::invalid_argument("write_file_atomic(): path " + quoted(path) +
                                " has no file name");
  }
  static std::atomic<std::uint64_t> counter{0};
  const fs::path dir = path.parent_path();
  const std::string prefix =
      "." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + ".";

  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = dir / (prefix + std::to_string(counter.fetch_add(1, std::memory_order_relaxed)));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt >= 100)) {
      const int err = errno;
      throw std::runtime_error("write_file_atomic(): cannot write " + quoted(path) +
                               ": cannot create temporary file " + quoted(tmp) + ": " +
                               errno_text(err));
    }
  }

  auto fail = [&](const std::string& what, int err) {
    if (fd >= 0) ::close(fd);
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("write_file_atomic(): cannot write " + quoted(path) + ": " +
                             what + (err != 0 ? ": " + errno_text(err) : std::string()));
  };

  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ::ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) fail("fsync failed", errno);
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) fail("close failed", errno);

  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail("rename from " + quoted(tmp) + " failed: " + ec.message(), 0);

  // Make the rename itself durable; best effort only.
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

// ---------------------------------------------------------------------------------------
// NumPy .npy, format version 1.0 (numpy.lib.format; NEP 1): the magic "\x93NUMPY", major
// and minor version bytes 1 and 0, a little-endian uint16 header length, then an ASCII
// Python dict literal with keys 'descr', 'fortran_order' and 'shape', padded with spaces
// and ended by '\n' so that the data start at a multiple of 64 bytes; then the raw data.
// ---------------------------------------------------------------------------------------

namespace {

constexpr std::string_view npy_magic{"\x93NUMPY", 6};

std::string npy_header(std::string_view descr, bool fortran_order,
                       std::span<const std::size_t> shape) {
  std::string dict = "{'descr': '";
  dict += descr;
  dict += "', 'fortran_order': ";
  dict += fortran_order ? "True" : "False";
  dict += ", 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ',';
  dict += "), }";
  // numpy >= 1.23 leaves room for the growth axis (the first axis in C order, the last in
  // Fortran order) to reach 21 digits, so that the header can be rewritten in place;
  // doing the same keeps the bytes identical to np.save.
  if (!shape.empty()) {
    const std::size_t digits =
        std::to_string(shape[fortran_order ? shape.size() - 1 : 0]).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  const std::size_t hlen = dict.size() + 1;                          // + '\n'
  const std::size_t pad = 64 - (npy_magic.size() + 4 + hlen) % 64;  // numpy pads 1..64
  const std::size_t total = hlen + pad;
  if (total > 0xffff) throw std::runtime_error("npy_bytes(): header too long for npy 1.0");

  std::string out(npy_magic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(total & 0xff);
  out += static_cast<char>(total >> 8);
  out += dict;
  out.append(pad, ' ');
  out += '\n';
  return out;
}

void append_f8_le(std::string& out, const double* values, std::size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    out.append(reinterpret_cast<const char*>(values), n * sizeof(double));
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t bits = std::bit_cast<std::uint64_t>(values[i]);
      for (int b = 0; b < 8; ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
    }
  }
}

[[noreturn]] void throw_npy_error(const std::string& context, const std::string& what) {
  throw std::runtime_error(context + ": " + what);
}

/// Just enough of a Python literal parser for the header dicts np.save writes.
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, const std::string& context)
      : text_(text), context_(context) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
  };

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      const std::string k = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (k == "descr") {
        if (peek() != '\'' && peek() != '"') {
          fail("structured dtypes are not supported (descr is not a type string)");
        }
        h.descr = parse_string();
        have_descr = true;
      } else if (k == "fortran_order") {
        h.fortran_order = parse_bool();
        have_order = true;
      } else if (k == "shape") {
        h.shape = parse_shape();
        have_shape = true;
      } else {
        fail("unexpected key '" + k + "' in header");
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        fail("malformed header dict");
      }
    }
    if (!have_descr || !have_order || !have_shape) {
      fail("header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw_npy_error(context_, what); }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("malformed header: expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("malformed header: expected a quoted string");
    const std::size_t end = text_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("malformed header: unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("malformed header: fortran_order is not True or False");
  }
  std::vector<std::uint64_t> parse_shape() {
    std::vector<std::uint64_t> shape;
    expect('(');
    for (;;) {
      skip_ws();
      if (peek() == ')') {
        ++pos_;
        return shape;
      }
      std::uint64_t v = 0;
      const char* first = text_.data() + pos_;
      const auto [ptr, ec] = std::from_chars(first, text_.data() + text_.size(), v);
      if (ec != std::errc() || ptr == first) fail("malformed header: bad shape entry");
      pos_ += static_cast<std::size_t>(ptr - first);
      shape.push_back(v);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("malformed header: bad shape tuple");
      }
    }
  }

  std::string_view text_;
  std::string context_;
  std::size_t pos_ = 0;
};

arma::mat parse_npy_impl(std::string_view bytes, const std::string& context) {
  const auto fail = [&context](const std::string& what) { throw_npy_error(context, what); };
  if (bytes.size() < 10 || bytes.substr(0, 6) != npy_magic) fail("not a .npy file (bad magic)");
  const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(
                                             static_cast<unsigned char>(bytes[i])); };
  const std::uint64_t major = byte(6);
  std::uint64_t header_len = 0;
  std::size_t header_start = 0;
  if (major == 1) {
    header_len = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("truncated header");
    header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    fail("unsupported .npy format version " + std::to_string(major) + "." +
         std::to_string(byte(7)));
  }
  if (bytes.size() - header_start < header_len) fail("truncated header");
  const auto h =
      NpyHeaderParser(bytes.substr(header_start, header_len), context).parse();

  const bool is_u8 = h.descr == "|u1" || h.descr == "<u1" || h.descr == "|b1";
  if (h.descr != "<f8" && !is_u8) {
    fail("dtype '" + h.descr + "' is not supported (expected '<f8', or '|u1' masks)");
  }
  const std::uint64_t item = is_u8 ? 1 : 8;
  std::uint64_t rows = 0, cols = 1;
  if (h.shape.size() == 1) {
    rows = h.shape[0];
  } else if (h.shape.size() == 2) {
    rows = h.shape[0];
    cols = h.shape[1];
  } else {
    fail("arrays of " + std::to_string(h.shape.size()) +
         " dimensions are not supported (expected 1 or 2)");
  }
  const auto count = checked_mul(rows, cols);
  const auto nbytes = count ? checked_mul(*count, item) : std::nullopt;
  if (!nbytes || rows > std::numeric_limits<arma::uword>::max() ||
      cols > std::numeric_limits<arma::uword>::max()) {
    fail("shape too large");
  }
  const std::string_view data = bytes.substr(header_start + header_len);
  if (data.size() != *nbytes) {
    fail("holds " + std::to_string(data.size()) + " data bytes, but the shape needs " +
         std::to_string(*nbytes));
  }
  // Fortran order matches Armadillo's column-major storage; C order is read as the
  // cols x rows transpose and transposed back.
  const bool as_is = h.fortran_order || h.shape.size() == 1;
  arma::mat m(static_cast<arma::uword>(as_is ? rows : cols),
              static_cast<arma::uword>(as_is ? cols : rows));
  double* out = m.memptr();
  if (is_u8) {
    for (std::uint64_t i = 0; i < *count; ++i) out[i] = static_cast<unsigned char>(data[i]);
  } else if constexpr (std::endian::native == std::endian::little) {
    if (*count > 0) std::memcpy(out, data.data(), data.size());
  } else {
    for (std::uint64_t i = 0; i < *count; ++i) {
      std::uint64_t bits = 0;
      for (int b = 7; b >= 0; --b) {
        bits = (bits << 8) | static_cast<unsigned char>(data[8 * i + static_cast<unsigned>(b)]);
      }
      out[i] = std::bit_cast<double>(bits);
    }
  }
  if (!as_is) arma::inplace_trans(m);
  return m;
}

}  // namespace

std::string npy_bytes(const arma::mat& m) {
  const std::size_t shape[2] = {m.n_rows, m.n_cols};
  std::string out = npy_header("<f8", true, shape);
  append_f8_le(out, m.memptr(), m.n_elem);
  return out;
}

std::string npy_bytes(const arma::vec& v) {
  const std::size_t shape[1] = {v.n_elem};
  std::string out = npy_header("<f8", false, shape);
  append_f8_le(out, v.memptr(), v.n_elem);
  return out;
}

std::string npy_bytes_u8(std::span<const std::uint8_t> values) {
  const std::size_t shape[1] = {values.size()};
  std::string out = npy_header("|u1", false, shape);
  out.append(reinterpret_cast<const char*>(values.data()), values.size());
  return out;
}

void write_npy(const fs::path& path, const arma::mat& m) {
  write_file_atomic(path, npy_bytes(m));
}

void write_npy(const fs::path& path, const arma::vec& v) {
  write_file_atomic(path, npy_bytes(v));
}

void write_npy_u8(const fs::path& path, std::span<const std::uint8_t> values) {
  write_file_atomic(path, npy_bytes_u8(values));
}

arma::mat parse_npy_matrix(std::string_view bytes) {
  return parse_npy_impl(bytes, "parse_npy_matrix()");
}

arma::mat read_npy_matrix(const fs::path& path) {
  const std::string bytes = read_whole_file(path, "read_npy_matrix");
  return parse_npy_impl(bytes, "read_npy_matrix(): " + quoted(path));
}

// ---------------------------------------------------------------------------------------
// IDX files (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS FOR THE MNIST DATABASE"):
// a big-endian 32-bit magic number 0x00000803 (images: type 0x08 = unsigned byte, 3
// dimensions) or 0x00000801 (labels: 1 dimension), the dimension sizes as big-endian
// 32-bit integers, then the data, one unsigned byte per pixel or label, row-major.
// ---------------------------------------------------------------------------------------

namespace {

std::uint32_t load_be32(std::string_view bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return v;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

void check_idx_header(std::string_view bytes, std::uint32_t magic, std::size_t header_size,
                      const char* what, const fs::path& path, const char* func) {
  if (bytes.size() < 4) {
    throw std::runtime_error(std::string(func) + "(): " + quoted(path) + " holds " +
                             std::to_string(bytes.size()) + " bytes, too few for an IDX file");
  }
  const std::uint32_t got = load_be32(bytes, 0);
  if (got != magic) {
    throw std::runtime_error(std::string(func) + "(): " + quoted(path) + " has magic number " +
                             hex32(got) + ", expected " + hex32(magic) + " (IDX " + what + ")");
  }
  if (bytes.size() < header_size) {
    throw std::runtime_error(std::string(func) + "(): " + quoted(path) + " is truncated: " +
                             std::to_string(bytes.size()) + " bytes, the header needs " +
                             std::to_string(header_size));
  }
}

void check_idx_payload(std::string_view bytes, std::size_t header_size,
                       std::optional<std::uint64_t> expected, const std::string& dims,
                       const fs::path& path, const char* func) {
  const std::uint64_t got = bytes.size() - header_size;
  if (!expected || got != *expected) {
    throw std::runtime_error(
        std::string(func) + "(): " + quoted(path) + " holds " + std::to_string(got) +
        " data bytes, but its header (" + dims + ") needs " +
        (expected ? std::to_string(*expected) : std::string("more than 2^64")) +
        (expected && got < *expected ? ": the file is truncated" : ""));
  }
}

}  // namespace

IdxImages read_idx_images(const fs::path& path) {
  constexpr const char* func = "read_idx_images";
  const std::string bytes = read_maybe_gzip(path, func);
  check_idx_header(bytes, 0x00000803, 16, "unsigned-byte images", path, func);
  const std::uint64_t count = load_be32(bytes, 4);
  const std::uint64_t rows = load_be32(bytes, 8);
  const std::uint64_t cols = load_be32(bytes, 12);
  const auto per_image = checked_mul(rows, cols);
  const auto total = per_image ? checked_mul(*per_image, count) : std::nullopt;
  check_idx_payload(bytes, 16, total,
                    std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                        std::to_string(cols),
                    path, func);
  IdxImages images;
  images.count = static_cast<std::size_t>(count);
  images.rows = static_cast<std::size_t>(rows);
  images.cols = static_cast<std::size_t>(cols);
  images.pixels.assign(bytes.begin() + 16, bytes.end());
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const fs::path& path) {
  constexpr const char* func = "read_idx_labels";
  const std::string bytes = read_maybe_gzip(path, func);
  check_idx_header(bytes, 0x00000801, 8, "unsigned-byte labels", path, func);
  const std::uint64_t count = load_be32(bytes, 4);
  check_idx_payload(bytes, 8, count, std::to_string(count) + " labels", path, func);
  return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
}

// ---------------------------------------------------------------------------------------
// Fashion-MNIST (Xiao, Rasul & Vollgraf, arXiv:1708.07747): the MNIST IDX layout,
// 60000 training and 10000 test images of 28x28 pixels.
// ---------------------------------------------------------------------------------------

fs::path fashion_mnist_dir() {
  if (const char* env = std::getenv("JACSTAB_FASHION_MNIST_DIR"); env != nullptr && *env) {
    return fs::path(env);
  }
  return fs::path("/usr/share/datasets/fashion-mnist");
}

namespace {

/// dir / (name + ".gz") if it exists, else dir / name if it exists, else a
/// std::runtime_error telling how to install the data.
fs::path find_fashion_mnist_file(const fs::path& dir, const std::string& name) {
  const fs::path gz = dir / (name + ".gz");
  const fs::path plain = dir / name;
  std::error_code ec;
  if (fs::is_regular_file(gz, ec)) return gz;
  if (fs::is_regular_file(plain, ec)) return plain;
  throw std::runtime_error("Fashion-MNIST not found at " + gz.string() +
                           ": install the Debian package dataset-fashion-mnist "
                           "(apt-get install dataset-fashion-mnist) or set "
                           "JACSTAB_FASHION_MNIST_DIR");
}

/// load(dir) once per (train, dir); the objects live until exit. A failed load caches
/// nothing, so it is retried on the next call.
template <class T, class Load>
const T& cached_per_dir(bool train, Load load) {
  static std::mutex mutex;
  static std::map<std::pair<bool, std::string>, std::unique_ptr<const T>> cache;
  const fs::path dir = fashion_mnist_dir();
  const std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[{train, dir.string()}];
  if (!slot) slot = std::make_unique<const T>(load(dir));
  return *slot;
}

}  // namespace

const IdxImages& load_fashion_mnist_images(bool train) {
  return cached_per_dir<IdxImages>(train, [train](const fs::path& dir) {
    const fs::path file =
        find_fashion_mnist_file(dir, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte");
    IdxImages images = read_idx_images(file);
    if (images.rows != 28 || images.cols != 28) {
      throw std::runtime_error("load_fashion_mnist_images(): " + quoted(file) + " holds " +
                               std::to_string(images.rows) + "x" +
                               std::to_string(images.cols) +
                               " images, expected 28x28");
    }
    return images;
  });
}

const std::vector<std::uint8_t>& load_fashion_mnist_labels(bool train) {
  return cached_per_dir<std::vector<std::uint8_t>>(train, [train](const fs::path& dir) {
    return read_idx_labels(
        find_fashion_mnist_file(dir, train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte"));
  });
}

arma::vec fashion_mnist_image(const IdxImages& images, std::size_t index) {
  const auto per_image = checked_mul(images.rows, images.cols);
  const auto total = per_image ? checked_mul(*per_image, images.count) : std::nullopt;
  if (!total || *total != images.pixels.size()) {
    throw std::invalid_argument(
        "fashion_mnist_image(): images has " + std::to_string(images.pixels.size()) +
        " pixels, inconsistent with count " + std::to_string(images.count) + " of " +
        std::to_string(images.rows) + "x" + std::to_string(images.cols));
  }
  if (index >= images.count) {
    throw std::invalid_argument("fashion_mnist_image(): index " + std::to_string(index) +
                                " is out of range for " + std::to_string(images.count) +
                                " images");
  }
  const std::size_t n = static_cast<std::size_t>(*per_image);
  const std::uint8_t* src = images.pixels.data() + index * n;
  arma::vec out(static_cast<arma::uword>(n));
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(src[i]) / 255.0;
  return out;
}

// ---------------------------------------------------------------------------------------
// JSON (RFC 8259). Strings: section 7; numbers: section 6, which has no NaN or Infinity,
// so those are written as null.
// ---------------------------------------------------------------------------------------

std::string json_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

void JsonWriter::before_value(const char* what) {
  if (done_) {
    throw std::logic_error(std::string("JsonWriter::") + what +
                           "(): the document already holds a complete top-level value");
  }
  if (stack_.empty()) return;
  Level& top = stack_.back();
  if (top.frame == Frame::object) {
    if (!key_pending_) {
      throw std::logic_error(std::string("JsonWriter::") + what +
                             "(): inside an object, key() must come first");
    }
    key_pending_ = false;
  } else {
    if (top.has_members) out_ += ", ";
    top.has_members = true;
  }
}

void JsonWriter::after_value() noexcept {
  if (stack_.empty()) done_ = true;
}

void JsonWriter::key(std::string_view name) {
  if (done_ || stack_.empty() || stack_.back().frame != Frame::object) {
    throw std::logic_error("JsonWriter::key(): key \"" + json_escape(name) +
                           "\" outside an object");
  }
  if (key_pending_) {
    throw std::logic_error("JsonWriter::key(): key \"" + json_escape(name) +
                           "\" follows a key that has no value");
  }
  Level& top = stack_.back();
  if (top.has_members) out_ += ", ";
  top.has_members = true;
  out_ += '"';
  out_ += json_escape(name);
  out_ += "\": ";
  key_pending_ = true;
}

void JsonWriter::begin_object() {
  before_value("begin_object");
  out_ += '{';
  stack_.push_back({Frame::object});
}

void JsonWriter::begin_array() {
  before_value("begin_array");
  out_ += '[';
  stack_.push_back({Frame::array});
}

void JsonWriter::close(Frame frame, const char* what) {
  const char* name = frame == Frame::object ? "object" : "array";
  if (stack_.empty() || stack_.back().frame != frame) {
    throw std::logic_error(std::string("JsonWriter::") + what + "(): no open " + name +
                           " to end");
  }
  if (key_pending_) {
    throw std::logic_error(std::string("JsonWriter::") + what +
                           "(): the last key has no value");
  }
  out_ += frame == Frame::object ? '}' : ']';
  stack_.pop_back();
  after_value();
}

void JsonWriter::end_object() { close(Frame::object, "end_object"); }
void JsonWriter::end_array() { close(Frame::array, "end_array"); }

void JsonWriter::value(double v) {
  before_value("value");
  if (!std::isfinite(v)) {
    out_ += "null";
  } else {
    char buf[64];
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view text(buf, static_cast<std::size_t>(ptr - buf));
    out_ += text;
    if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
  }
  after_value();
}

void JsonWriter::value_int(std::int64_t v) {
  before_value("value");
  out_ += std::to_string(v);
  after_value();
}

void JsonWriter::value_uint(std::uint64_t v) {
  before_value("value");
  out_ += std::to_string(v);
  after_value();
}

void JsonWriter::value(bool v) {
  before_value("value");
  out_ += v ? "true" : "false";
  after_value();
}

void JsonWriter::value(std::string_view v) {
  before_value("value");
  out_ += '"';
  out_ += json_escape(v);
  out_ += '"';
  after_value();
}

void JsonWriter::null_value() {
  before_value("null_value");
  out_ += "null";
  after_value();
}

std::string JsonWriter::str() const {
  if (!done_) {
    throw std::logic_error("JsonWriter::str(): the document is incomplete (" +
                           std::to_string(stack_.size()) + " unclosed object(s)/array(s)" +
                           (stack_.empty() ? ", no value written" : "") + ")");
  }
  return out_;
}

}  // namespace jacstab
