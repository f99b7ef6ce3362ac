// Helpers shared by the credentials tests: capture log lines and checks that an error carries a code and no
// secret.
#pragma once

#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace awsmp {
/// Lets BOOST_TEST print awsmp error codes.
inline std::ostream& operator<<(std::ostream& os, errc e) {
  return os << make_error_code(e).message();
}
}  // namespace awsmp

namespace awsmp::test {

/// Kept for the integration/credentials suites: migrate to tests/support/run_sync.hpp (run_sync).
template <class T>
T run(boost::asio::io_context& ctx, boost::asio::awaitable<T> a) {
  return run_sync(ctx, std::move(a));
}

/// The system_error that `f` throws (fails the test when it throws nothing or something else).
template <class F>
boost::system::system_error error_of(F&& f) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    return e;
  }
  BOOST_FAIL("expected a system_error");
  throw 0;  // unreachable
}

/// Captures every log line (all levels) while alive; restores the default sink afterwards.
class log_capture {
 public:
  log_capture() {
    awsmp::set_log_sink(awsmp::log_level::debug, [this](awsmp::log_level, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~log_capture() { awsmp::set_log_sink(awsmp::log_level::warning, {}); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Asserts that none of `secrets` occurs in `text`.
inline void check_no_secret(const std::string& text, std::initializer_list<std::string_view> secrets) {
  for (auto s : secrets)
    BOOST_TEST(text.find(s) == std::string::npos, "secret '" << s << "' leaked into: " << text);
}

}  // namespace awsmp::test
