// Resolution of the shared config files and profiles, and environment helpers, shared by the
// profile and web identity providers and region resolution.
#pragma once

#include <awsmp/environment.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "credentials/ini_file.hpp"

namespace awsmp::detail {

/// A variable's value, nullopt when unset or empty (the SDKs treat both alike).
std::optional<std::string> env_value(const environment_lookup& env, std::string_view name);

/// Expands a leading "~/" (or "~") with HOME (USERPROFILE on Windows hosts) as the SDKs do.
std::filesystem::path expand_home(std::string_view path, const environment_lookup& env);

/// Which files and profile to read.
struct shared_config_location {
  std::filesystem::path credentials_file;
  std::filesystem::path config_file;
  std::string profile = "default";
  bool profile_explicit = false;  ///< chosen by AWS_PROFILE (or the caller), not defaulted
};

/// From AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_PROFILE (legacy AWS_DEFAULT_PROFILE)
/// and $HOME/.aws; the non-empty arguments override the environment. Never throws beyond bad_alloc.
shared_config_location locate_shared_config(const environment_lookup& env, std::string_view profile = {},
                                            const std::filesystem::path& credentials_file = {},
                                            const std::filesystem::path& config_file = {});

/// One profile's properties, merged.
using profile_properties = std::map<std::string, std::string, std::less<>>;

/// Pure: the profile `name` from parsed files (either may be null): `[name]` in the
/// credentials file, `[profile name]` in the config file (for "default" also `[default]`;
/// `[profile default]` wins when both exist). Credentials file keys win over config keys.
/// nullopt when the profile is in neither file.
std::optional<profile_properties> select_profile(const ini_file* credentials, const ini_file* config,
                                                 std::string_view name);

/// Reads both files (a missing file counts as empty) and selects the profile. Throws what
/// parse_ini and read_optional_file throw.
std::optional<profile_properties> load_profile(const shared_config_location& where);

/// Reads only the config file's profile (region and other settings live there).
std::optional<profile_properties> load_config_profile(const std::filesystem::path& config_file,
                                                      std::string_view name);

}  // namespace awsmp::detail
