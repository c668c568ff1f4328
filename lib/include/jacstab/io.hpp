#pragma once
// File input and output: atomic writes, NumPy .npy arrays, IDX (MNIST / Fashion-MNIST)
// files and a small JSON writer.
//
// Argument errors are thrown as std::invalid_argument, failures to read, write or parse a
// file as std::runtime_error; both messages start with the name of the function.
#include <armadillo>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace jacstab {

// ---------------------------------------------------------------------------------------
// Atomic file writes
// ---------------------------------------------------------------------------------------

/// Writes `contents` to `path` so that `path` afterwards holds either its old contents or
/// all of the new ones, never a partial file: the bytes go to a temporary file
/// ".<filename>.tmp.<pid>.<counter>" in the same directory, which is flushed, fsync'ed and
/// then renamed onto `path`. On failure the temporary file is removed and
/// std::runtime_error naming `path` is thrown. The directory must exist.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// ---------------------------------------------------------------------------------------
// NumPy .npy files, format version 1.0
// (numpy.lib.format, "A Simple File Format for NumPy Arrays", NEP 1)
// ---------------------------------------------------------------------------------------

/// The bytes of a .npy file holding `m` as '<f8' with 'fortran_order': True and shape
/// (rows, cols); Armadillo's column-major storage is written as it is.
std::string npy_bytes(const arma::mat& m);
/// The bytes of a .npy file holding `v` as a 1-D '<f8' array of shape (n,).
std::string npy_bytes(const arma::vec& v);
/// The bytes of a .npy file holding `values` as a 1-D '|u1' array of shape (n,), e.g. a
/// 0/1 activation mask per unit.
std::string npy_bytes_u8(std::span<const std::uint8_t> values);

/// npy_bytes() written to `path` with write_file_atomic().
void write_npy(const std::filesystem::path& path, const arma::mat& m);
void write_npy(const std::filesystem::path& path, const arma::vec& v);
void write_npy_u8(const std::filesystem::path& path, std::span<const std::uint8_t> values);

/// Parses the bytes of a .npy file (format version 1.0, 2.0 or 3.0) holding a '<f8' array
/// (or a '|u1' / '|b1' mask, converted to 0.0 and 1.0)
/// of one or two dimensions, in C or Fortran order. A 1-D array of shape (n,) becomes an
/// n x 1 matrix. Throws std::runtime_error for other dtypes (naming the dtype), other
/// ranks, or malformed or truncated data.
arma::mat parse_npy_matrix(std::string_view bytes);
/// parse_npy_matrix() of the contents of `path`.
arma::mat read_npy_matrix(const std::filesystem::path& path);

// ---------------------------------------------------------------------------------------
// IDX files (LeCun, Cortes & Burges, http://yann.lecun.com/exdb/mnist/, "FILE FORMATS")
// ---------------------------------------------------------------------------------------

/// Images of an IDX3 unsigned-byte file: pixels[(i * rows + r) * cols + c] is row r,
/// column c of image i.
struct IdxImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;
};

/// Reads an IDX images file (magic 0x00000803: count, rows, cols as big-endian 32-bit
/// integers, then count*rows*cols unsigned bytes). Files starting with the gzip magic
/// 1f 8b are decompressed through `gzip -dc`; paths containing a single quote are
/// rejected for gzip files. Throws std::invalid_argument if `path` does not exist and
/// std::runtime_error if the file cannot be read or is malformed.
IdxImages read_idx_images(const std::filesystem::path& path);

/// Reads an IDX labels file (magic 0x00000801: count as a big-endian 32-bit integer, then
/// count unsigned bytes), plain or gzip-compressed, as read_idx_images().
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path);

/// Directory holding the Fashion-MNIST files: the environment variable
/// JACSTAB_FASHION_MNIST_DIR if set and non-empty, else /usr/share/datasets/fashion-mnist
/// (where the Debian package dataset-fashion-mnist installs them).
std::filesystem::path fashion_mnist_dir();

/// The Fashion-MNIST training (60000) or test (10000) images, read from
/// fashion_mnist_dir() / "{train,t10k}-images-idx3-ubyte.gz" (or the same name without
/// ".gz"). Loaded once per (train flag, directory) and cached for the life of the program
/// (thread-safe); the returned reference stays valid until exit. Throws
/// std::runtime_error naming the Debian package if the file is missing.
const IdxImages& load_fashion_mnist_images(bool train = true);

/// The Fashion-MNIST training or test labels (0..9), loaded and cached as
/// load_fashion_mnist_images().
const std::vector<std::uint8_t>& load_fashion_mnist_labels(bool train = true);

/// Image `index` as a vector of rows*cols values pixel / 255.0 in [0, 1], in row-major
/// pixel order (784 values for Fashion-MNIST). Throws std::invalid_argument if `index` is
/// out of range or `images` is inconsistent.
arma::vec fashion_mnist_image(const IdxImages& images, std::size_t index);

// ---------------------------------------------------------------------------------------
// JSON output (RFC 8259)
// ---------------------------------------------------------------------------------------

/// The contents of a JSON string literal for `s`, without the surrounding quotes:
/// '"' and '\' are backslash-escaped, \b \f \n \r \t use their short escapes and the other
/// control characters U+0000..U+001F are written as \u00XX. Other bytes, including UTF-8
/// sequences, are copied unchanged (the input is assumed to be UTF-8).
std::string json_escape(std::string_view s);

/// Builds one JSON document in a string, on a single line with ", " and ": " separators:
///
///   JsonWriter w;
///   w.begin_object();
///   w.key("n"); w.value(3);
///   w.key("x"); w.begin_array(); w.value(0.5); w.value(1e-300); w.end_array();
///   w.end_object();
///   w.str();  // {"n": 3, "x": [0.5, 1e-300]}
///
/// Commas are inserted automatically. Doubles are written in the shortest form that reads
/// back to the same value (std::to_chars), with ".0" appended to integral values so they
/// stay floating-point to readers; NaN and infinities are written as null, since JSON has
/// no representation for them. Misuse (a value where a key is required, a key outside an
/// object, an unbalanced end_*, a second top-level value) throws std::logic_error.
class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  /// Member name; must be followed by exactly one value, object or array.
  void key(std::string_view name);

  /// Finite values in shortest round-trip form; NaN and +-Inf as null.
  void value(double v);
  void value(bool v);
  void value(std::string_view v);
  void value(const char* v) { value(std::string_view(v)); }
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  void value(T v) {
    if constexpr (std::is_signed_v<T>) {
      value_int(static_cast<std::int64_t>(v));
    } else {
      value_uint(static_cast<std::uint64_t>(v));
    }
  }
  void null_value();
  /// An empty optional as null, otherwise its value.
  template <class T>
  void value(const std::optional<T>& v) {
    if (v) {
      value(*v);
    } else {
      null_value();
    }
  }

  /// True once exactly one complete top-level value has been written.
  bool complete() const noexcept { return done_; }
  /// The document; throws std::logic_error if it is not complete().
  std::string str() const;

 private:
  enum class Frame : std::uint8_t { object, array };
  struct Level {
    Frame frame;
    bool has_members = false;
  };

  void value_int(std::int64_t v);
  void value_uint(std::uint64_t v);
  void before_value(const char* what);
  void after_value() noexcept;
  void close(Frame frame, const char* what);

  std::string out_;
  std::vector<Level> stack_;
  bool key_pending_ = false;
  bool done_ = false;
};

}  // namespace jacstab
