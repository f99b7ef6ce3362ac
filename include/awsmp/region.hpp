// Region resolution as the AWS SDKs do it: AWS_REGION, AWS_DEFAULT_REGION, the profile's region.
#pragma once

#include <awsmp/environment.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace awsmp {

/// The region from AWS_REGION, else AWS_DEFAULT_REGION, else the `region` key of the profile
/// (AWS_PROFILE, else "default") in the config file (AWS_CONFIG_FILE, else $HOME/.aws/config).
/// Throws system_error(errc::not_found) naming every place looked at when none is set (or when
/// AWS_PROFILE names a profile in neither shared file), and errc::invalid_argument for a
/// malformed config file or region name.
std::string resolve_region();

/// Same, reading variables through `env`; throws as above.
std::string resolve_region(const environment_lookup& env);

/// Same without throwing when nothing is set: nullopt. Throws errc::invalid_argument for a
/// malformed config file or region name, and errc::not_found when AWS_PROFILE names a profile
/// that is in neither shared file (as the SDKs do).
std::optional<std::string> find_region(const environment_lookup& env);

/// With the config file and profile given explicitly (tests); reads only that file.
std::optional<std::string> find_region(const environment_lookup& env,
                                       const std::filesystem::path& config_file,
                                       std::string_view profile);

/// Pure: true for a plausible region name (1..63 of [a-z0-9-], starting with a letter).
bool is_valid_region_name(std::string_view region) noexcept;

}  // namespace awsmp
