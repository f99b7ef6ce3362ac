// Internal: server-side SigV4 verification of the emulator, pure (the time is a parameter).
#pragma once

#include <awsmp/sigv4.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace awsmp::testing::detail {

/// Why a request was refused, in the shape AWS answers it.
struct auth_failure {
  unsigned status = 403;
  std::string type;      ///< MissingAuthenticationTokenException, IncompleteSignatureException, ...
  std::string message;   ///< never contains the signature or the secret
};

/// What the verifier needs besides the request.
struct auth_settings {
  const std::map<std::string, std::string, std::less<>>* credentials = nullptr;  ///< access key -> secret
  std::string_view service = "aws-marketplace";
  std::string_view region;                          ///< empty: any region
  std::chrono::seconds max_skew{15 * 60};
};

/// Recomputes the request's SigV4 signature from its X-Amz-Date and SignedHeaders with the
/// secret of its access key and compares it in constant time; also checks the credential
/// scope (date, region, service) and the clock skew against `now`. Returns the failure, or
/// nothing when the request is authentic. Never throws beyond std::bad_alloc.
std::optional<auth_failure> verify_sigv4(const http_request& request, const auth_settings& settings,
                                         time_point now, sigv4::signing_key_cache& cache);

}  // namespace awsmp::testing::detail
