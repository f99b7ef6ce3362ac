#include "core/utf8.hpp"

namespace awsmp::detail {
namespace {
bool is_continuation(unsigned char c) noexcept {
  return (c & 0xc0) == 0x80;
}
}  // namespace

std::size_t decode_utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& code_point) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const std::size_t left = s.size() - i;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (left < 2 || !is_continuation(byte(1))) return 0;
    code_point = ((b0 & 0x1fu) << 6) | (byte(1) & 0x3fu);
    return 2;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (left < 3 || !is_continuation(byte(1)) || !is_continuation(byte(2))) return 0;
    if (b0 == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (b0 == 0xed && byte(1) > 0x9f) return 0;  // UTF-16 surrogate
    code_point = ((b0 & 0x0fu) << 12) | ((byte(1) & 0x3fu) << 6) | (byte(2) & 0x3fu);
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (left < 4 || !is_continuation(byte(1)) || !is_continuation(byte(2)) || !is_continuation(byte(3)))
      return 0;
    if (b0 == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (b0 == 0xf4 && byte(1) > 0x8f) return 0;  // above U+10FFFF
    code_point =
        ((b0 & 0x07u) << 18) | ((byte(1) & 0x3fu) << 12) | ((byte(2) & 0x3fu) << 6) | (byte(3) & 0x3fu);
    return 4;
  }
  return 0;  // a stray continuation byte, C0/C1 (overlong) or F5..FF
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode_utf8_sequence(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace awsmp::detail
