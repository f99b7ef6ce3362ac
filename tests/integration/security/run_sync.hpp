// Runs one awaitable to completion on a fresh io_context and returns its result (or rethrows).
// TODO(lead): migrate to tests/support/run_sync.hpp (same run_sync(make) form).
#pragma once

#include <awsmp/common.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <utility>

namespace awsmp::test {

/// Drives `make(executor)`'s awaitable on its own io_context until nothing is left to run.
template <class Make>
auto run_sync(Make make) {
  boost::asio::io_context io;
  using awaitable_type = decltype(make(io.get_executor()));
  using value_type = typename awaitable_type::value_type;
  std::exception_ptr error;
  if constexpr (std::is_void_v<value_type>) {
    boost::asio::co_spawn(io, make(io.get_executor()), [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<value_type> result;
    boost::asio::co_spawn(io, make(io.get_executor()), [&](std::exception_ptr e, value_type v) {
      error = e;
      if (!e) result = std::move(v);
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }
}

}  // namespace awsmp::test
