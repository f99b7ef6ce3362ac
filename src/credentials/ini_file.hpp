// The AWS shared config/credentials file format (INI dialect of the SDKs), pure.
#pragma once

#include <cstddef>
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

/// The largest shared config or credentials file read (real ones are a few KiB).
inline constexpr std::size_t max_config_file_bytes = 1024 * 1024;
/// The largest token file read (STS takes web identity tokens up to 20000 characters).
inline constexpr std::size_t max_token_file_bytes = 64 * 1024;

/// Reads a whole file of at most `max_bytes`; nullopt when it does not exist. Throws
/// system_error(errc::invalid_argument) naming the path when it exists but cannot be read, or
/// is larger than `max_bytes` (a device or FIFO that never ends is read only that far). The
/// buffers of a refused read are cleansed, so a caller that cleanses the result leaves no copy.
std::optional<std::string> read_optional_file(const std::filesystem::path& path,
                                              std::size_t max_bytes = max_config_file_bytes);

}  // namespace awsmp::detail
