// Internal: base64 (RFC 4648 section 4, padded), the wire form of DynamoDB's B and BS values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// The padded base64 spelling of `bytes`; never throws beyond std::bad_alloc.
std::string base64_encode(std::string_view bytes);
/// The bytes of a padded base64 text, or empty when `text` is not canonical padded base64
/// (wrong length, a character outside the alphabet, misplaced padding, non-zero pad bits);
/// never throws beyond std::bad_alloc.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace awsmp::detail
