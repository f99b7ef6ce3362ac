// Internal: strict UTF-8 decoding (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), shared by the JSON writer and validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace awsmp::detail {

/// Decodes the multi-byte sequence starting at s[i] (s[i] >= 0x80) into `code_point`; returns
/// its length (2..4), or 0 when the bytes there are not valid UTF-8. Never throws.
std::size_t decode_utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& code_point) noexcept;

/// True when all of `s` is valid UTF-8; never throws.
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace awsmp::detail
