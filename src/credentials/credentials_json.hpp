// The JSON documents of the container endpoint and IMDS, and ISO 8601 times, pure.
#pragma once

#include <awsmp/credentials.hpp>
#include <optional>
#include <string_view>

namespace awsmp::detail {

/// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" with a year in 1970..2200; nullopt
/// when malformed or out of range; never throws.
std::optional<time_point> parse_iso8601(std::string_view text) noexcept;

/// Parses {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} as served by the container
/// endpoint and IMDS (IMDS adds "Code", which must be "Success" when present). Throws
/// system_error(errc::malformed_message) "<source>: ..." naming the member, never its value.
credentials parse_credentials_json(std::string_view body, std::string_view source);

}  // namespace awsmp::detail
