// CRC-32C (Castagnoli), the checksum of every billing journal frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace awsmp::detail {

/// Extends `crc` (0 to start) over `data`; pure, never throws.
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0) noexcept;

}  // namespace awsmp::detail
