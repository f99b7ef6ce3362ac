// Options shared by the service clients (metering and entitlement).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace awsmp {

/// Transport, retry and endpoint settings of a service client; every default is documented here.
struct client_options {
  std::string region = "us-east-1";  ///< signing region and regional endpoint
  std::string endpoint;  ///< empty: https://<service>.marketplace.<region>.amazonaws.com; else a URL (http://
                         ///< only for loopback tests)
  std::chrono::milliseconds timeout{10'000};  ///< per attempt: connect + TLS + write + read
  int max_attempts = 3;                       ///< AWS standard retry: total attempts including the first
  std::size_t max_connections = 8;            ///< keep-alive pool size per endpoint
  std::string ca_file;                        ///< extra trust anchor (e.g. the emulator's CA), PEM
  bool verify_peer =
      true;  ///< false disables certificate checks (logged as a warning); loopback endpoints only ...
  bool allow_insecure_remote = false;  ///< ... unless this is true too (never in production)

  double max_requests_per_second = 0;                ///< client-side rate limit; 0: none
  std::size_t max_response_bytes = 8 * 1024 * 1024;  ///< larger responses fail with errc::response_too_large
  std::chrono::milliseconds base_backoff{
      1'000};  ///< standard retry: delay = random(0,1) * base * 2^attempt ...
  std::chrono::milliseconds max_backoff{20'000};  ///< ... capped here
  unsigned retry_quota = 500;  ///< retry tokens: a retry costs 5 (10 after a timeout), a success refunds 1
};

}  // namespace awsmp
