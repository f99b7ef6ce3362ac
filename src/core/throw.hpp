// Internal: the one way awsmp code throws its own errors, so every message has the same shape.
#pragma once

#include <awsmp/error.hpp>
#include <string_view>

namespace awsmp {

namespace detail {
/// Throws system_error(errc::invalid_argument) with "<field>: <rule>" as its message.
[[noreturn]] void throw_invalid_argument(std::string_view field, std::string_view rule);
/// Throws system_error(code) with the given message.
[[noreturn]] void throw_error(errc code, std::string_view message);
}  // namespace detail

}  // namespace awsmp
