// The AWS shared config/credentials file format (INI dialect of the SDKs), pure.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::detail {

/// One `[section]` and its top-level `key = value` properties (sub-properties are skipped).
struct ini_section {
  std::string name;  ///< as written between the brackets, trimmed
  std::map<std::string, std::string, std::less<>> values;
};

/// A parsed file, sections in file order (a repeated section is merged into the first).
struct ini_file {
  std::vector<ini_section> sections;
  /// The section with this exact name, or null; never throws.
  const ini_section* find(std::string_view name) const noexcept;
};

/// Parses the SDKs' INI dialect: `#`/`;` comment lines, `[name]` headers, `key = value`
/// properties (trimmed; a `#`/`;` preceded by whitespace starts a comment in a value), indented
/// lines after a property are continuations/sub-properties and are skipped. Throws
/// system_error(errc::invalid_argument) "<source>:<line>: <rule>" for a property outside any
/// section, an unterminated header or a line without '='; the line's text is never quoted
/// (it may hold a secret).
ini_file parse_ini(std::string_view text, std::string_view source);

/// Reads a whole file; nullopt when it does not exist. Throws system_error(errc::invalid_argument)
/// naming the path when it exists but cannot be read.
std::optional<std::string> read_optional_file(const std::filesystem::path& path);

}  // namespace awsmp::detail
