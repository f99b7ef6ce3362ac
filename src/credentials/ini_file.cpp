#include "credentials/ini_file.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <awsmp/error.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/cleanse.hpp"
#include "core/throw.hpp"

namespace awsmp::detail {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A '#' or ';' preceded by whitespace starts a comment inside a value; elsewhere it is data
// (secret keys may in principle contain neither, but URLs and ARNs can contain ';' or '#').
std::string_view strip_inline_comment(std::string_view value) noexcept {
  for (std::size_t i = 1; i < value.size(); ++i)
    if ((value[i] == '#' || value[i] == ';') && is_space(value[i - 1])) return trim(value.substr(0, i));
  return value;
}

[[noreturn]] void fail(std::string_view source, std::size_t line, std::string_view rule) {
  std::string message(source);
  message += ':';
  message += std::to_string(line);
  message += ": ";
  message += rule;
  throw_error(errc::invalid_argument, message);
}

}  // namespace

const ini_section* ini_file::find(std::string_view name) const noexcept {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

ini_file parse_ini(std::string_view text, std::string_view source) {
  ini_file file;
  ini_section* current = nullptr;
  bool after_property = false;  // indented lines directly under a property are its sub-lines
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line_no == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);  // UTF-8 BOM

    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (is_space(raw.front())) {
      if (after_property) continue;  // continuation or sub-property (e.g. "s3 =\n  addressing_style = x")
      fail(source, line_no, "indented line outside a property");
    }

    if (line.front() == '[') {
      const auto close = line.find(']');
      if (close == std::string_view::npos) fail(source, line_no, "section header without ']'");
      const auto rest = trim(line.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';')
        fail(source, line_no, "text after a section header");
      const std::string name(trim(line.substr(1, close - 1)));
      if (name.empty()) fail(source, line_no, "empty section name");
      current = nullptr;
      for (auto& s : file.sections)
        if (s.name == name) current = &s;
      if (!current) {
        file.sections.push_back(ini_section{name, {}});
        current = &file.sections.back();
      }
      after_property = false;
      continue;
    }

    const auto eq = line.find('=');
    if (eq == std::string_view::npos) fail(source, line_no, "expected 'key = value'");
    if (!current) fail(source, line_no, "property before any section header");
    const auto key = trim(line.substr(0, eq));
    if (key.empty()) fail(source, line_no, "empty property name");
    const auto value = strip_inline_comment(trim(line.substr(eq + 1)));
    // A repeated key: the last one wins, which is what a user who appends a line expects.
    current->values.insert_or_assign(std::string(key), std::string(value));
    after_property = true;
  }
  return file;
}

std::optional<std::string> read_optional_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return std::nullopt;
  if (std::filesystem::is_directory(status))
    throw_error(errc::invalid_argument, path.string() + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(errc::invalid_argument, path.string() + ": cannot be opened for reading");
  std::string out;
  // One allocation when the size is known, so no grown-out copy of a secret is left behind.
  if (std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec) out.reserve(std::min<std::uintmax_t>(size, max_bytes) + 1);
  }
  std::array<char, 4096> chunk{};
  bool too_large = false;
  for (;;) {
    in.read(chunk.data(), chunk.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      too_large = true;
      break;
    }
    out.append(chunk.data(), n);
  }
  OPENSSL_cleanse(chunk.data(), chunk.size());
  if (too_large || in.bad()) {
    cleanse(out);
    if (too_large)
      throw_error(errc::invalid_argument,
                  path.string() + ": is larger than " + std::to_string(max_bytes) + " bytes");
    throw_error(errc::invalid_argument, path.string() + ": read error");
  }
  return out;
}

}  // namespace awsmp::detail
