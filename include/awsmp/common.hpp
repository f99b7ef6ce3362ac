// Names shared by every part of awsmp: the coroutine and time vocabulary.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string_view>

namespace awsmp {

namespace asio = boost::asio;

/// Every public asynchronous operation returns this; `co_await` it on your executor.
template <class T>
using awaitable = boost::asio::awaitable<T>;

/// Wall-clock instant used for usage timestamps, expirations and signing dates.
using time_point = std::chrono::system_clock::time_point;

/// A wall clock the library reads through, so tests can set the time; never throws.
using clock_function = std::function<time_point()>;

/// The default billing dimension of the token billing tracker (one unit = one million tokens).
inline constexpr std::string_view dimension_tokens = "tokens_1m";

/// How old an unanswered record may get before it is given up (AWS refuses records stamped
/// more than six hours ago): token_billing_options::dead_letter_age's default.
inline constexpr std::chrono::minutes default_dead_letter_age{350};

/// Parses the AWS wire spelling of an awsmp enum; throws system_error(errc::invalid_argument).
template <class Enum>
Enum from_string(std::string_view text);

}  // namespace awsmp
