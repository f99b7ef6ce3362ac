// Internal: the Prometheus text format's lexical pieces (escaping, exact numbers), apart from
// prometheus_text so that the unit tests can check each rule on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// A label value as the text format writes it between double quotes: backslash, double quote
/// and line feed become \\, \" and \n; never throws beyond std::bad_alloc.
std::string escape_label_value(std::string_view value);

/// A HELP docstring: backslash and line feed become \\ and \n (a double quote stays); never
/// throws beyond std::bad_alloc.
std::string escape_help(std::string_view text);

/// `units` / 10^`decimals` written exactly in decimal, without trailing zeros ("12", "0.5",
/// "-3.25"), so that a float parser reads the intended number; decimals 0..9; never throws
/// beyond std::bad_alloc.
std::string exact_decimal(std::int64_t units, int decimals);

/// An unsigned integer in decimal, every digit exact; never throws beyond std::bad_alloc.
std::string exact_integer(std::uint64_t value);

}  // namespace awsmp::detail
