// Internal: how awsmp code writes a log line through the user's sink (awsmp/log.hpp).
#pragma once

#include <awsmp/log.hpp>
#include <string_view>

namespace awsmp {

namespace detail {
/// True when a line at `level` would reach the sink; cheap enough for hot paths.
bool log_enabled(log_level level) noexcept;
/// Sends one line to the sink; swallows what the sink throws.
void log(log_level level, std::string_view message) noexcept;
}  // namespace detail

}  // namespace awsmp
