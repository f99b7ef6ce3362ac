#include "wire/json_writer.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>

#include "core/utf8.hpp"

namespace awsmp::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, std::uint32_t code_unit) {
  const char esc[6] = {'\\',
                       'u',
                       hex_digits[(code_unit >> 12) & 0xf],
                       hex_digits[(code_unit >> 8) & 0xf],
                       hex_digits[(code_unit >> 4) & 0xf],
                       hex_digits[code_unit & 0xf]};
  out.append(esc, sizeof esc);
}

bool needs_escape(unsigned char c) noexcept {
  return c < 0x20 || c > 0x7e || c == '"' || c == '\\';
}

void append_escaped(std::string& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go.
    std::size_t j = i;
    while (j < s.size() && !needs_escape(static_cast<unsigned char>(s[j]))) ++j;
    out.append(s.data() + i, j - i);
    if (j == s.size()) return;
    i = j;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x80) {  // other control characters and DEL
      append_u_escape(out, c);
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode_utf8_sequence(s, i, cp);
    if (n == 0) {
      append_u_escape(out, 0xfffd);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      const std::uint32_t v = cp - 0x10000;
      append_u_escape(out, 0xd800 + (v >> 10));
      append_u_escape(out, 0xdc00 + (v & 0x3ff));
    } else {
      append_u_escape(out, cp);
    }
    i += n;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_escaped(out, s);
  out += '"';
}

void append_json_int(std::string& out, std::int64_t v) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

void append_json_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  const std::string_view text(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  out += text;
  // Keep the value a double when read back, as Python's repr does ("2.0", not "2").
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_json_timestamp(std::string& out, time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  auto secs = floor<seconds>(ms);
  auto frac = static_cast<int>((ms - secs).count());  // 0..999
  if (frac == 0) {
    append_json_int(out, secs.count());
    return;
  }
  // botocore writes timegm(t) + ms / 1000.0: for t before the epoch that is e.g. -2 + 0.5 = -1.5.
  if (secs.count() < 0) {
    out += '-';
    secs = -secs - seconds(1);
    frac = 1000 - frac;
  }
  append_json_int(out, secs.count());
  char digits[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                    static_cast<char>('0' + frac % 10)};
  std::size_t n = 4;
  while (digits[n - 1] == '0') --n;
  out.append(digits, n);
}

}  // namespace awsmp::detail
