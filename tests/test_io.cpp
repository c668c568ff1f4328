#include "jacstab/io.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef JACSTAB_TEST_DATA
#define JACSTAB_TEST_DATA "tests/data"
#endif

namespace fs = std::filesystem;
using jacstab::JsonWriter;

namespace {

using jacstab::testing_support::read_file_text;

const fs::path kData = JACSTAB_TEST_DATA;

/// A fresh empty directory under ::testing::TempDir(), removed by the destructor.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::path(::testing::TempDir()) /
            ("jacstab_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};


void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}


bool gzip_available() { return std::system("command -v gzip >/dev/null 2>&1") == 0; }

/// `gzip -c src > dst`.
void gzip_to(const fs::path& src, const fs::path& dst) {
  const std::string cmd = "gzip -c -- '" + src.string() + "' > '" + dst.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

bool same_bits(const arma::mat& a, const arma::mat& b) {
  return a.n_rows == b.n_rows && a.n_cols == b.n_cols &&
         (a.n_elem == 0 || std::memcmp(a.memptr(), b.memptr(), a.n_elem * sizeof(double)) == 0);
}

// ---------------------------------------------------------------------------------------
// write_file_atomic
// ---------------------------------------------------------------------------------------

TEST(WriteFileAtomic, WritesAndReplacesWithoutLeavingTemporaries) {
  TempDir dir;
  const fs::path target = dir / "out.txt";
  jacstab::write_file_atomic(target, "first version\n");
  EXPECT_EQ(read_file_text(target), "first version\n");
  jacstab::write_file_atomic(target, "second");
  EXPECT_EQ(read_file_text(target), "second");
  jacstab::write_file_atomic(target, "");
  EXPECT_EQ(read_file_text(target), "");
  const std::string binary("a\0b\xff", 4);
  jacstab::write_file_atomic(target, binary);
  EXPECT_EQ(read_file_text(target), binary);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(WriteFileAtomic, RelativePathWritesIntoCurrentDirectory) {
  TempDir dir;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path());
  EXPECT_NO_THROW(jacstab::write_file_atomic("plain.txt", "x"));
  fs::current_path(old_cwd);
  EXPECT_EQ(read_file_text(dir / "plain.txt"), "x");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"plain.txt"});
}

TEST(WriteFileAtomic, MissingDirectoryThrowsNamingPath) {
  TempDir dir;
  const fs::path target = dir / "no_such_dir" / "out.txt";
  EXPECT_THROW_WITH(jacstab::write_file_atomic(target, "x"), std::runtime_error,
                    "write_file_atomic()", target.string());
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(WriteFileAtomic, FailedRenameRemovesTemporary) {
  TempDir dir;
  const fs::path target = dir / "occupied";
  fs::create_directories(target / "child");  // renaming a file onto a non-empty dir fails
  EXPECT_THROW_WITH(jacstab::write_file_atomic(target, "x"), std::runtime_error,
                    "write_file_atomic()", target.string());
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"occupied"});
}

TEST(WriteFileAtomic, RejectsEmptyPath) {
  EXPECT_THROW_WITH(jacstab::write_file_atomic("", "x"), std::invalid_argument,
                    "write_file_atomic(): path");
  EXPECT_THROW_WITH(jacstab::write_file_atomic("some/dir/", "x"), std::invalid_argument,
                    "write_file_atomic(): path 'some/dir/'");
}

TEST(WriteFileAtomic, ConcurrentWritersLeaveOneCompleteVersion) {
  TempDir dir;
  const fs::path target = dir / "shared.txt";
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&target, t] {
      const std::string body(4096, static_cast<char>('a' + t));
      for (int i = 0; i < 20; ++i) jacstab::write_file_atomic(target, body);
    });
  }
  for (auto& th : threads) th.join();
  const std::string got = read_file_text(target);
  ASSERT_EQ(got.size(), 4096u);
  EXPECT_EQ(got, std::string(4096, got[0]));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"shared.txt"});
}

// ---------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------

TEST(Npy, MatrixBytesMatchNumpy) {
  // np.save(..., np.asfortranarray(np.arange(6.).reshape(2, 3)))
  const arma::mat m = {{0.0, 1.0, 2.0}, {3.0, 4.0, 5.0}};
  EXPECT_EQ(jacstab::npy_bytes(m), read_file_text(kData / "npy_f8_2x3_fortran.npy"));
}

TEST(Npy, VectorBytesMatchNumpy) {
  // np.save(..., np.arange(5.) * 0.5 - 1.0)
  const arma::vec v = {-1.0, -0.5, 0.0, 0.5, 1.0};
  EXPECT_EQ(jacstab::npy_bytes(v), read_file_text(kData / "npy_f8_5.npy"));
}

TEST(Npy, MaskBytesMatchNumpy) {
  // np.save(..., np.array([1, 0, 1, 1, 0], dtype=np.uint8))
  const std::vector<std::uint8_t> mask = {1, 0, 1, 1, 0};
  EXPECT_EQ(jacstab::npy_bytes_u8(mask), read_file_text(kData / "npy_u1_5.npy"));
}

TEST(Npy, HeaderIsAlignedForManyShapes) {
  for (const auto& [r, c] : std::vector<std::pair<arma::uword, arma::uword>>{
           {0, 0}, {1, 1}, {7, 1}, {1, 7}, {123, 45}, {10000, 3}, {2, 12345}}) {
    const arma::mat m(r, c, arma::fill::zeros);
    const std::string bytes = jacstab::npy_bytes(m);
    const std::size_t hlen = static_cast<unsigned char>(bytes[8]) |
                             static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    const std::size_t header_total = 10 + hlen;
    EXPECT_EQ(header_total % 64, 0u) << r << "x" << c;
    EXPECT_EQ(bytes[header_total - 1], '\n');
    EXPECT_EQ(bytes.size(), header_total + 8 * r * c);
    const std::string dict = bytes.substr(10, hlen);
    const std::string shape = "'shape': (" + std::to_string(r) + ", " + std::to_string(c) + ")";
    EXPECT_NE(dict.find(shape), std::string::npos) << dict;
    EXPECT_NE(dict.find("'fortran_order': True"), std::string::npos) << dict;
    EXPECT_TRUE(same_bits(jacstab::parse_npy_matrix(bytes), m));
  }
}

TEST(Npy, FileRoundTripIsBitExact) {
  TempDir dir;
  std::mt19937_64 gen(42);
  arma::mat m(17, 5);
  for (double& x : m) x = std::bit_cast<double>(gen());  // arbitrary bit patterns
  m(0, 0) = std::numeric_limits<double>::quiet_NaN();
  m(1, 0) = -std::numeric_limits<double>::infinity();
  m(2, 0) = -0.0;
  m(3, 0) = std::numeric_limits<double>::denorm_min();
  jacstab::write_npy(dir / "m.npy", m);
  EXPECT_TRUE(same_bits(jacstab::read_npy_matrix(dir / "m.npy"), m));

  const arma::vec v = arma::linspace(-3.0, 7.0, 11);
  jacstab::write_npy(dir / "v.npy", v);
  EXPECT_TRUE(same_bits(jacstab::read_npy_matrix(dir / "v.npy"), arma::mat(v)));

  const std::vector<std::uint8_t> mask = {0, 1, 1, 0, 1, 0, 0};
  jacstab::write_npy_u8(dir / "mask.npy", mask);
  EXPECT_EQ(read_file_text(dir / "mask.npy"), jacstab::npy_bytes_u8(mask));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"m.npy", "mask.npy", "v.npy"}));
}

TEST(Npy, ReadsNumpyReferenceFiles) {
  const arma::mat f = jacstab::read_npy_matrix(kData / "npy_f8_2x3_fortran.npy");
  EXPECT_TRUE(same_bits(f, arma::mat{{0.0, 1.0, 2.0}, {3.0, 4.0, 5.0}}));
  // C order: np.arange(6.).reshape(2, 3) + 0.25
  const arma::mat c = jacstab::read_npy_matrix(kData / "npy_f8_2x3_c.npy");
  EXPECT_TRUE(same_bits(c, arma::mat{{0.25, 1.25, 2.25}, {3.25, 4.25, 5.25}}));
  const arma::mat v = jacstab::read_npy_matrix(kData / "npy_f8_5.npy");
  EXPECT_TRUE(same_bits(v, arma::mat(arma::vec{-1.0, -0.5, 0.0, 0.5, 1.0})));
}

TEST(Npy, RejectsOtherDtypesNamingThem) {
  EXPECT_THROW_WITH(jacstab::read_npy_matrix(kData / "npy_f4_3.npy"), std::runtime_error,
                    "read_npy_matrix()", "npy_f4_3.npy", "'<f4'");
}

TEST(Npy, ReadsUint8MasksAsZeroOne) {
  const arma::mat m = jacstab::parse_npy_matrix(read_file_text(kData / "npy_u1_5.npy"));
  EXPECT_TRUE(same_bits(m, arma::mat(arma::vec{1.0, 0.0, 1.0, 1.0, 0.0})));
}

TEST(Npy, RejectsMalformedData) {
  const std::string good = jacstab::npy_bytes(arma::mat(3, 2, arma::fill::ones));
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(""), std::runtime_error, "magic");
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix("PK\x03\x04 not numpy"), std::runtime_error,
                    "magic");
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(good.substr(0, good.size() - 1)),
                    std::runtime_error, "47 data bytes", "48");
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(good + "x"), std::runtime_error,
                    "49 data bytes");
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(good.substr(0, 40)), std::runtime_error,
                    "truncated header");

  std::string bad_version = good;
  bad_version[6] = '\x04';
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(bad_version), std::runtime_error, "version 4.0");

  std::string rank3 = good;
  const std::size_t pos = rank3.find("(3, 2)");
  ASSERT_NE(pos, std::string::npos);
  rank3.replace(pos, 6, "(3,1,2)");
  rank3.erase(rank3.find("} ") + 1, 1);  // keep the header length unchanged
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(rank3), std::runtime_error, "3 dimensions");

  std::string no_shape = good;
  no_shape.replace(no_shape.find("'shape'"), 7, "'shope'");
  EXPECT_THROW_WITH(jacstab::parse_npy_matrix(no_shape), std::runtime_error, "'shope'");
}

TEST(Npy, MissingFileIsAnArgumentError) {
  EXPECT_THROW_WITH(jacstab::read_npy_matrix("/no/such/file.npy"), std::invalid_argument,
                    "read_npy_matrix(): path '/no/such/file.npy' does not exist");
}

// ---------------------------------------------------------------------------------------
// IDX
// ---------------------------------------------------------------------------------------

void put_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

std::string idx_images_bytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                             const std::vector<std::uint8_t>& pixels) {
  std::string s;
  put_be32(s, 0x00000803);
  put_be32(s, count);
  put_be32(s, rows);
  put_be32(s, cols);
  s.append(pixels.begin(), pixels.end());
  return s;
}

std::string idx_labels_bytes(const std::vector<std::uint8_t>& labels) {
  std::string s;
  put_be32(s, 0x00000801);
  put_be32(s, static_cast<std::uint32_t>(labels.size()));
  s.append(labels.begin(), labels.end());
  return s;
}

/// count images of rows x cols, pixel value (37 * i + 11) mod 256.
std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>((37 * i + 11) % 256);
  return p;
}

TEST(Idx, ReadsPlainImagesAndLabels) {
  TempDir dir;
  const auto pixels = pattern(3 * 4 * 5);
  spit(dir / "img", idx_images_bytes(3, 4, 5, pixels));
  const jacstab::IdxImages img = jacstab::read_idx_images(dir / "img");
  EXPECT_EQ(img.count, 3u);
  EXPECT_EQ(img.rows, 4u);
  EXPECT_EQ(img.cols, 5u);
  EXPECT_EQ(img.pixels, pixels);

  const std::vector<std::uint8_t> labels = {9, 0, 3, 255};
  spit(dir / "lab", idx_labels_bytes(labels));
  EXPECT_EQ(jacstab::read_idx_labels(dir / "lab"), labels);

  spit(dir / "empty", idx_images_bytes(0, 28, 28, {}));
  EXPECT_EQ(jacstab::read_idx_images(dir / "empty").count, 0u);
}

TEST(Idx, ReadsGzipFiles) {
  if (!gzip_available()) GTEST_SKIP() << "gzip not installed";
  TempDir dir;
  const auto pixels = pattern(6 * 7 * 3);
  spit(dir / "img", idx_images_bytes(6, 7, 3, pixels));
  gzip_to(dir / "img", dir / "img.gz");
  const jacstab::IdxImages img = jacstab::read_idx_images(dir / "img.gz");
  EXPECT_EQ(img.count, 6u);
  EXPECT_EQ(img.rows, 7u);
  EXPECT_EQ(img.cols, 3u);
  EXPECT_EQ(img.pixels, pixels);

  const std::vector<std::uint8_t> labels = {1, 2, 3, 4, 5, 6};
  spit(dir / "lab", idx_labels_bytes(labels));
  // A leading '-' and a space in the name must reach gzip as a file name.
  gzip_to(dir / "lab", dir / "-lab els.gz");
  EXPECT_EQ(jacstab::read_idx_labels(dir / "-lab els.gz"), labels);
}

TEST(Idx, RejectsCorruptGzip) {
  if (!gzip_available()) GTEST_SKIP() << "gzip not installed";
  TempDir dir;
  spit(dir / "bad.gz", std::string("\x1f\x8b\x08\x00garbage that is not deflate", 31));
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "bad.gz"), std::runtime_error,
                    "read_idx_images()", "gzip", (dir / "bad.gz").string());
}

TEST(Idx, RejectsSingleQuoteInGzipPath) {
  if (!gzip_available()) GTEST_SKIP() << "gzip not installed";
  TempDir dir;
  spit(dir / "lab", idx_labels_bytes({1, 2}));
  gzip_to(dir / "lab", dir / "lab.gz");
  fs::rename(dir / "lab.gz", dir / "it's.gz");
  EXPECT_THROW_WITH(jacstab::read_idx_labels(dir / "it's.gz"), std::invalid_argument,
                    "read_idx_labels(): path", "single quote");
}

TEST(Idx, RejectsWrongMagic) {
  TempDir dir;
  spit(dir / "lab", idx_labels_bytes({1, 2, 3}));
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "lab"), std::runtime_error,
                    "read_idx_images()", (dir / "lab").string(), "0x00000801", "0x00000803");
  spit(dir / "img", idx_images_bytes(1, 1, 1, {7}));
  EXPECT_THROW_WITH(jacstab::read_idx_labels(dir / "img"), std::runtime_error,
                    "read_idx_labels()", "0x00000803", "0x00000801");
  spit(dir / "tiny", "ab");
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "tiny"), std::runtime_error,
                    "2 bytes");
}

TEST(Idx, RejectsTruncatedOrOversizedFiles) {
  TempDir dir;
  std::string img = idx_images_bytes(2, 3, 3, pattern(18));
  spit(dir / "short", img.substr(0, img.size() - 1));
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "short"), std::runtime_error,
                    "17 data bytes", "18", "truncated");
  spit(dir / "long", img + "x");
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "long"), std::runtime_error,
                    "19 data bytes");
  spit(dir / "header", img.substr(0, 10));
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "header"), std::runtime_error,
                    "truncated", "16");
  // 2^32-1 images of 2^32-1 x 2^32-1 pixels overflow 64 bits.
  spit(dir / "huge", idx_images_bytes(0xffffffffu, 0xffffffffu, 0xffffffffu, {}));
  EXPECT_THROW_WITH(jacstab::read_idx_images(dir / "huge"), std::runtime_error,
                    "more than 2^64");
  std::string lab = idx_labels_bytes({1, 2, 3});
  spit(dir / "lshort", lab.substr(0, lab.size() - 2));
  EXPECT_THROW_WITH(jacstab::read_idx_labels(dir / "lshort"), std::runtime_error,
                    "1 data bytes", "3 labels", "truncated");
}

TEST(Idx, MissingPathIsAnArgumentError) {
  EXPECT_THROW_WITH(jacstab::read_idx_images("/x/y"), std::invalid_argument,
                    "read_idx_images(): path '/x/y' does not exist");
  EXPECT_THROW_WITH(jacstab::read_idx_labels("/x/y"), std::invalid_argument,
                    "read_idx_labels(): path '/x/y' does not exist");
  TempDir dir;
  EXPECT_THROW_WITH(jacstab::read_idx_labels(dir.path()), std::invalid_argument,
                    "is a directory");
}

// ---------------------------------------------------------------------------------------
// Fashion-MNIST
// ---------------------------------------------------------------------------------------

/// Sets (or, with nullopt, unsets) an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

constexpr const char* kEnv = "JACSTAB_FASHION_MNIST_DIR";

TEST(FashionMnist, DirectoryComesFromEnvironment) {
  {
    ScopedEnv env(kEnv, std::nullopt);
    EXPECT_EQ(jacstab::fashion_mnist_dir(), fs::path("/usr/share/datasets/fashion-mnist"));
  }
  {
    ScopedEnv env(kEnv, "");
    EXPECT_EQ(jacstab::fashion_mnist_dir(), fs::path("/usr/share/datasets/fashion-mnist"));
  }
  ScopedEnv env(kEnv, "/somewhere/else");
  EXPECT_EQ(jacstab::fashion_mnist_dir(), fs::path("/somewhere/else"));
}

TEST(FashionMnist, MissingDataNamesTheDebianPackage) {
  TempDir dir;
  ScopedEnv env(kEnv, dir.path().string());
  EXPECT_THROW_WITH(jacstab::load_fashion_mnist_images(), std::runtime_error,
                    "Fashion-MNIST not found at " +
                        (dir / "train-images-idx3-ubyte.gz").string(),
                    "apt-get install dataset-fashion-mnist", "JACSTAB_FASHION_MNIST_DIR");
  EXPECT_THROW_WITH(jacstab::load_fashion_mnist_labels(false), std::runtime_error,
                    "t10k-labels-idx1-ubyte.gz", "dataset-fashion-mnist");
}

TEST(FashionMnist, LoadsAndCachesPerDirectory) {
  TempDir dir;
  ScopedEnv env(kEnv, dir.path().string());
  const auto train_pixels = pattern(2 * 784);
  spit(dir / "train-images-idx3-ubyte", idx_images_bytes(2, 28, 28, train_pixels));
  spit(dir / "train-labels-idx1-ubyte", idx_labels_bytes({4, 7}));
  if (gzip_available()) {
    spit(dir / "t10k", idx_images_bytes(1, 28, 28, std::vector<std::uint8_t>(784, 255)));
    gzip_to(dir / "t10k", dir / "t10k-images-idx3-ubyte.gz");
    const jacstab::IdxImages& test = jacstab::load_fashion_mnist_images(false);
    EXPECT_EQ(test.count, 1u);
    EXPECT_DOUBLE_EQ(arma::accu(jacstab::fashion_mnist_image(test, 0)), 784.0);
  }

  const jacstab::IdxImages& train = jacstab::load_fashion_mnist_images(true);
  EXPECT_EQ(train.count, 2u);
  EXPECT_EQ(train.pixels, train_pixels);
  EXPECT_EQ(&jacstab::load_fashion_mnist_images(true), &train);  // served from the cache
  EXPECT_EQ(jacstab::load_fashion_mnist_labels(true), (std::vector<std::uint8_t>{4, 7}));

  // The cache is per directory: another directory with the wrong image size is read anew.
  TempDir other;
  ScopedEnv env2(kEnv, other.path().string());
  spit(other / "train-images-idx3-ubyte", idx_images_bytes(1, 2, 2, {1, 2, 3, 4}));
  EXPECT_THROW_WITH(jacstab::load_fashion_mnist_images(true), std::runtime_error,
                    "load_fashion_mnist_images()", "2x2", "28x28");
}

TEST(FashionMnist, ImageIsScaledRowMajor) {
  jacstab::IdxImages img;
  img.count = 2;
  img.rows = 2;
  img.cols = 3;
  img.pixels = {0, 1, 2, 3, 4, 5, 255, 0, 51, 102, 153, 204};
  const arma::vec x = jacstab::fashion_mnist_image(img, 1);
  ASSERT_EQ(x.n_elem, 6u);
  const double expect[] = {1.0, 0.0, 0.2, 0.4, 0.6, 0.8};
  for (arma::uword i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(x[i], expect[i]) << i;
  EXPECT_EQ(jacstab::fashion_mnist_image(img, 0)[5], 5.0 / 255.0);

  EXPECT_THROW_WITH(jacstab::fashion_mnist_image(img, 2), std::invalid_argument,
                    "fashion_mnist_image(): index 2", "2 images");
  img.pixels.pop_back();
  EXPECT_THROW_WITH(jacstab::fashion_mnist_image(img, 0), std::invalid_argument,
                    "fashion_mnist_image()", "11 pixels");
}

TEST(FashionMnist, RealDataset) {
  const fs::path dir = jacstab::fashion_mnist_dir();
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz") &&
      !fs::exists(dir / "train-images-idx3-ubyte")) {
    GTEST_SKIP() << "Fashion-MNIST not installed at " << dir
                 << " (Debian package dataset-fashion-mnist)";
  }
  // Pixel sums of image 0 and label 0, from tests/data/README.md.
  struct Expect {
    bool train;
    std::size_t count;
    std::uint64_t pixel_sum0;
    int label0;
  };
  for (const Expect& e : {Expect{true, 60000, 76247, 9}, Expect{false, 10000, 33456, 9}}) {
    const jacstab::IdxImages& img = jacstab::load_fashion_mnist_images(e.train);
    EXPECT_EQ(img.count, e.count);
    EXPECT_EQ(img.rows, 28u);
    EXPECT_EQ(img.cols, 28u);
    ASSERT_EQ(img.pixels.size(), e.count * 784);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < 784; ++i) sum += img.pixels[i];
    EXPECT_EQ(sum, e.pixel_sum0);
    const arma::vec x = jacstab::fashion_mnist_image(img, 0);
    EXPECT_NEAR(arma::accu(x) * 255.0, static_cast<double>(e.pixel_sum0), 1e-6);
    const auto& labels = jacstab::load_fashion_mnist_labels(e.train);
    ASSERT_EQ(labels.size(), e.count);
    EXPECT_EQ(labels[0], e.label0);
  }
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

TEST(Json, Escape) {
  EXPECT_EQ(jacstab::json_escape("plain"), "plain");
  EXPECT_EQ(jacstab::json_escape("a\"b\\c/d"), "a\\\"b\\\\c/d");
  EXPECT_EQ(jacstab::json_escape("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
  EXPECT_EQ(jacstab::json_escape(std::string("\0\x01\x1f\x7f", 4)), "\\u0000\\u0001\\u001f\x7f");
  EXPECT_EQ(jacstab::json_escape("\xc3\xa9\xe2\x82\xac"), "\xc3\xa9\xe2\x82\xac");  // é€
}

TEST(Json, Nesting) {
  JsonWriter w;
  w.begin_object();
  w.key("name");
  w.value("relu \"net\"");
  w.key("layers");
  w.begin_array();
  w.value(784);
  w.value(std::uint64_t{128});
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.key("ok");
  w.value(true);
  w.key("none");
  w.null_value();
  w.key("nested");
  w.begin_object();
  w.key("x");
  w.value(0.5);
  w.key("y");
  w.begin_array();
  w.value(false);
  w.end_array();
  w.end_object();
  w.end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.str(),
            "{\"name\": \"relu \\\"net\\\"\", \"layers\": [784, 128, {}, []], \"ok\": true, "
            "\"none\": null, \"nested\": {\"x\": 0.5, \"y\": [false]}}");
}

TEST(Json, TopLevelScalarsAndIntegers) {
  auto one = [](auto v) {
    JsonWriter w;
    w.value(v);
    return w.str();
  };
  EXPECT_EQ(one(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(one(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(one(-3), "-3");
  EXPECT_EQ(one(std::uint8_t{200}), "200");
  EXPECT_EQ(one(std::size_t{7}), "7");
  EXPECT_EQ(one(false), "false");
  EXPECT_EQ(one("text"), "\"text\"");  // a string literal must not become a bool
  EXPECT_EQ(one(std::string("s")), "\"s\"");
  EXPECT_EQ(one(2.0), "2.0");
  EXPECT_EQ(one(-0.0), "-0.0");
  EXPECT_EQ(one(1e300), "1e+300");
  EXPECT_EQ(one(0.1), "0.1");
  EXPECT_EQ(one(2.5f), "2.5");
}

TEST(Json, NonFiniteIsNull) {
  JsonWriter w;
  w.begin_array();
  w.value(std::numeric_limits<double>::quiet_NaN());
  w.value(std::numeric_limits<double>::infinity());
  w.value(-std::numeric_limits<double>::infinity());
  w.value(1.5);
  w.end_array();
  EXPECT_EQ(w.str(), "[null, null, null, 1.5]");
}

TEST(Json, DoublesRoundTripThroughStrtod) {
  std::mt19937_64 gen(7);
  std::vector<double> values = {0.1,
                                1.0 / 3.0,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::epsilon(),
                                1e21,
                                1e-7,
                                123456789012345678.0,
                                -0.0};
  while (values.size() < 20000) {
    const double x = std::bit_cast<double>(gen());
    if (std::isfinite(x)) values.push_back(x);
  }
  for (const double x : values) {
    JsonWriter w;
    w.value(x);
    const std::string text = w.str();
    char* end = nullptr;
    const double back = std::strtod(text.c_str(), &end);
    ASSERT_EQ(end, text.c_str() + text.size()) << text;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(x)) << text;
    // JSON number grammar: no leading '+', no bare '.', and a digit after any '.'.
    ASSERT_NE(text[0], '+');
    ASSERT_NE(text[0], '.');
    ASSERT_EQ(text.find(".e"), std::string::npos) << text;
    ASSERT_NE(text.back(), '.') << text;
  }
}

TEST(Json, MisuseThrows) {
  {
    JsonWriter w;
    w.begin_object();
    EXPECT_THROW_WITH(w.value(1), std::logic_error, "JsonWriter::value()", "key()");
    EXPECT_THROW(w.begin_array(), std::logic_error);
    w.key("a");
    EXPECT_THROW_WITH(w.key("b"), std::logic_error, "JsonWriter::key()", "\"b\"");
    EXPECT_THROW_WITH(w.end_object(), std::logic_error, "no value");
    w.value(1);
    EXPECT_THROW_WITH(w.end_array(), std::logic_error, "JsonWriter::end_array()");
    EXPECT_THROW_WITH(w.str(), std::logic_error, "incomplete");
    w.end_object();
    EXPECT_EQ(w.str(), "{\"a\": 1}");
    EXPECT_THROW_WITH(w.end_object(), std::logic_error, "no open object");
    EXPECT_THROW_WITH(w.value(2), std::logic_error, "complete top-level value");
    EXPECT_THROW(w.begin_object(), std::logic_error);
  }
  {
    JsonWriter w;
    EXPECT_THROW_WITH(w.key("k"), std::logic_error, "outside an object");
    EXPECT_THROW_WITH(w.end_array(), std::logic_error, "no open array");
    EXPECT_THROW_WITH(w.str(), std::logic_error, "no value written");
    w.begin_array();
    EXPECT_THROW_WITH(w.key("k"), std::logic_error, "outside an object");
    EXPECT_THROW(w.end_object(), std::logic_error);
  }
}

}  // namespace
