// Real skips for Boost.Test cases (issue 15 item 10): a case that cannot run because a peer is
// missing calls skip(reason) and returns; the executable then exits 77 instead of 0 (unless a
// case failed), which ctest reports as Skipped (SKIP_RETURN_CODE 77 is set on every test) and
// scripts/ctest_summary.sh counts (and refuses in CI, where AWSMP_REQUIRE_PEERS=1).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace awsmp::test {

/// The exit code ctest maps to "Skipped" for every awsmp test.
inline constexpr int skip_exit_code = 77;

/// Reasons given to skip() in this process (read by tests/support/test_main.cpp).
inline std::vector<std::string>& skipped_reasons() {
  static std::vector<std::string> reasons;
  return reasons;
}

/// Marks the current case as skipped for `reason`; the caller returns from the case. Never throws
/// beyond std::bad_alloc.
inline void skip(const std::string& reason) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const auto name = boost::unit_test::framework::current_test_case().full_name();
  skipped_reasons().push_back(name + ": " + reason);
  std::cout << "SKIPPED: " << name << ": " << reason << std::endl;
}

/// True when a socket can be bound to [::1]. False only for the errors that mean "no IPv6
/// loopback on this machine" (address family not supported, address not available), so that
/// any other failure of the code under test still fails the test.
inline bool ipv6_loopback_available(std::string* why = nullptr) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io);
  boost::system::error_code ec;
  a.open(boost::asio::ip::tcp::v6(), ec);
  if (!ec) a.bind({boost::asio::ip::address_v6::loopback(), 0}, ec);
  if (!ec) return true;
  if (why) *why = ec.message();
  if (ec == boost::asio::error::address_family_not_supported ||
      ec == boost::system::errc::address_not_available ||
      ec == boost::system::errc::address_family_not_supported)
    return false;
  throw boost::system::system_error(ec, "probing the IPv6 loopback");
}

}  // namespace awsmp::test
