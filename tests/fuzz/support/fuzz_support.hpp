// Helpers shared by the fuzz targets: a reader that turns the fuzz bytes into structured
// choices, and a check that aborts (the signal libFuzzer and the replay driver both treat as
// a failure) with a message saying which property broke.
#pragma once

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace awsmp::fuzz {

/// Aborts with `what` when `ok` is false; fuzz properties are checked in every build type.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

/// True when `name` is an HTTP field name (an RFC 9110 token), the only names awsmp builds.
inline bool is_http_token(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos) return false;
  }
  return true;
}

/// Consumes the fuzz input front to back; reads past the end yield zeros and empty strings,
/// so that every input, however short, maps to one well-defined case.
class reader {
public:
  reader(const std::uint8_t* data, std::size_t size) noexcept
      : data_(reinterpret_cast<const char*>(data)), size_(data ? size : 0) {}

  /// One byte (0 when exhausted).
  std::uint8_t byte() noexcept { return pos_ < size_ ? static_cast<std::uint8_t>(data_[pos_++]) : 0; }
  /// Two bytes, big-endian.
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>((byte() << 8) | byte()); }
  /// A boolean from one byte.
  bool flag() noexcept { return (byte() & 1) != 0; }
  /// A string of at most `max` bytes whose length is the next byte.
  std::string_view short_string(std::size_t max = 255) noexcept { return take(std::min<std::size_t>(byte(), max)); }
  /// Everything not consumed yet.
  std::string_view rest() noexcept { return take(size_ - pos_); }
  /// True when every byte was consumed.
  bool empty() const noexcept { return pos_ >= size_; }

private:
  std::string_view take(std::size_t n) noexcept {
    if (n > size_ - pos_) n = size_ - pos_;
    std::string_view out(data_ + pos_, n);
    pos_ += n;
    return out;
  }

  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace awsmp::fuzz
