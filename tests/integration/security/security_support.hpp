// Shared pieces of the security tests: a log capture that installs the awsmp log hook at
// debug level (so every line awsmp could ever write is seen), recognisable secrets, and a
// check that none of them appears in a piece of text.
#pragma once

#include "support/temp_dir.hpp"

#include <awsmp/error.hpp>
#include <awsmp/log.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace awsmp::test {

/// Recognisable secret values; none may ever appear in a log line or an exception message.
inline constexpr std::string_view secret_access_key = "SECRETdoNotLogMe/K7MDENG+bPxRfiCYEXAMPLE";
inline constexpr std::string_view session_token = "SESSIONtokenDoNotLogMe+FwoGZXIvYXdzEXAMPLEtoken//";
inline constexpr std::string_view registration_token = "REGISTRATIONtokenDoNotLogMe+abcdefghijklmnop";
inline constexpr std::string_view container_token = "CONTAINERauthTokenDoNotLogMe";

/// Captures every awsmp log line (debug and up) while alive, then restores the default sink.
class log_capture {
public:
  log_capture() {
    set_log_sink(log_level::debug, [this](log_level, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~log_capture() { set_log_sink(log_level::warning, {}); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  /// Every line captured so far.
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Fails the current test when any of `secrets` (non-empty ones) occurs in `text`.
inline void check_no_secret(std::string_view where, std::string_view text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    BOOST_TEST((text.find(s) == std::string_view::npos), where << " contains a secret: " << text);
  }
}

/// Fails the current test when a captured log line contains any of `secrets`.
inline void check_logs_clean(const log_capture& logs, const std::vector<std::string>& secrets) {
  for (const auto& line : logs.lines()) check_no_secret("log line", line, secrets);
}

/// The default secrets every check looks for.
inline std::vector<std::string> default_secrets() {
  return {std::string(secret_access_key), std::string(session_token), std::string(registration_token),
          std::string(container_token)};
}

}  // namespace awsmp::test
