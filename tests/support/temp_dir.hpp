// A fresh temporary directory for one test, removed at scope exit (shared by every test suite).
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace awsmp::test {

/// A fresh directory under the system temp folder (name: prefix, pid, counter, random), removed
/// with its content on destruction. Throws std::filesystem::filesystem_error when it cannot be made.
class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix = "awsmp-test") {
    static std::atomic<unsigned> counter{0};
    const auto name = std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter++) + "-" + std::to_string(std::random_device{}());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// The directory.
  const std::filesystem::path& path() const { return path_; }
  /// `path() / name`.
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }
  /// Writes `content` to `name` (sub-folders created) inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, std::string_view content) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace awsmp::test
