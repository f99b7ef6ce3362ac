// Runs one awaitable to completion from synchronous test code (shared by every test suite).
#pragma once

#include <awsmp/common.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace awsmp::test {

/// Runs `a` on `io` until `a` completes and returns its result or rethrows its exception.
/// Stops as soon as `a` is done, so other work on `io` (a server, a parked reader) stays pending
/// for the next call. Throws std::runtime_error when `io` runs out of work before `a` completes
/// (an awaitable that can never finish fails instead of hanging).
template <class T>
T run_sync(boost::asio::io_context& io, awaitable<T> a) {
  auto done = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
  io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    // run_one blocks while work is pending (a socket read, a timer), so this does not spin.
    if (io.run_one() == 0 && done.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      throw std::runtime_error("run_sync: the io_context ran out of work before the awaitable completed");
  }
  return done.get();
}

/// Runs `make(executor)`'s awaitable on a fresh io_context that is drained afterwards, so every
/// handler the operation left behind has run too; returns its result or rethrows its exception.
template <class Make>
auto run_sync(Make make) {
  boost::asio::io_context io;
  auto a = make(io.get_executor());
  using result_type = typename decltype(a)::value_type;
  auto done = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
  io.run();
  if constexpr (std::is_void_v<result_type>)
    done.get();
  else
    return done.get();
}

}  // namespace awsmp::test
