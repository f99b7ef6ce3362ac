// Test support: runs one awaitable to completion on a private io_context.
#pragma once

#include <awsmp/common.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace events_test {

template <class T>
T run_sync(awsmp::awaitable<T> op) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.run();
  return f.get();
}

}  // namespace events_test
