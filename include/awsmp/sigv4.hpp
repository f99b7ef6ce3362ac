// AWS Signature Version 4: a pure signer (no I/O, the date is a parameter) and the
// request_signer that the service clients call.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/credentials.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace awsmp {

/// The HTTP request type that awsmp builds, signs and sends.
using http_request = boost::beast::http::request<boost::beast::http::string_body>;

/// Signs outgoing requests; implementations may fetch credentials asynchronously.
class request_signer {
public:
  virtual ~request_signer() = default;
  /// Adds the signature headers to `request`; throws what the credentials provider throws.
  virtual awaitable<void> sign(http_request& request) = 0;
};

namespace sigv4 {

/// Every intermediate step of one signature, for conformance tests and debugging.
struct signing_steps {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      ///< lower-case hex
  std::string authorization;  ///< the Authorization header value
  std::string amz_date;       ///< YYYYMMDD'T'HHMMSS'Z'
};

/// Options of the pure signer; the defaults are right for every non-S3 AWS JSON service.
struct signing_options {
  bool normalize_path = true;        ///< remove dot segments and empty segments (all services but S3)
  bool sign_session_token = true;    ///< false: add X-Amz-Security-Token after signing (unsigned)
  bool add_content_sha256 = false;   ///< add x-amz-content-sha256 (S3 style); off for JSON services
};

/// Pure: adds X-Amz-Date (and X-Amz-Security-Token when set) and Authorization to `request`.
/// Throws system_error(errc::invalid_argument) when the credentials or region are empty.
void sign(http_request& request, const credentials& creds, std::string_view region,
          std::string_view service, time_point now);

/// Pure: like sign() with options, and returns every intermediate step.
signing_steps sign(http_request& request, const credentials& creds, std::string_view region,
                   std::string_view service, time_point now, const signing_options& options);

/// Pure: the canonical request of `request` as it stands (call after signing to see what was
/// signed; the signed headers are read from its Authorization header when present, else all
/// headers are used). Never throws beyond std::bad_alloc.
std::string canonical_request(const http_request& request);

/// Pure: the SigV4 signing key HMAC chain for (secret, yyyymmdd, region, service).
std::array<std::uint8_t, 32> derive_signing_key(std::string_view secret_access_key,
                                                std::string_view yyyymmdd,
                                                std::string_view region,
                                                std::string_view service);

/// A thread-safe cache of derived signing keys keyed by (secret, date, region, service), so
/// that a busy client does four fewer HMACs per request.
class signing_key_cache {
public:
  signing_key_cache();
  ~signing_key_cache();
  signing_key_cache(const signing_key_cache&) = delete;
  signing_key_cache& operator=(const signing_key_cache&) = delete;
  /// Returns the key for these inputs, deriving it once per distinct tuple; never throws beyond bad_alloc.
  std::array<std::uint8_t, 32> get(std::string_view secret_access_key, std::string_view yyyymmdd,
                                   std::string_view region, std::string_view service);
  /// How many keys were derived (not served from the cache); for tests.
  std::uint64_t derivations() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Pure: signs with keys from `cache`; otherwise identical to sign() with options.
signing_steps sign(http_request& request, const credentials& creds, std::string_view region,
                   std::string_view service, time_point now, const signing_options& options,
                   signing_key_cache& cache);

}  // namespace sigv4

/// A request_signer that signs with SigV4 using credentials from a provider and the system clock.
class sigv4_signer final : public request_signer {
public:
  /// `provider` must outlive the signer. Never throws beyond std::bad_alloc.
  sigv4_signer(credentials_provider& provider, std::string region,
               std::string service = "aws-marketplace");
  /// Same, reading the time from `clock` (tests).
  sigv4_signer(credentials_provider& provider, std::string region, std::string service,
               clock_function clock);
  /// Signs `request`; throws what the provider throws, or errc::invalid_argument for empty credentials.
  awaitable<void> sign(http_request& request) override;
  /// The region this signer signs for.
  const std::string& region() const noexcept { return region_; }

private:
  credentials_provider& provider_;
  std::string region_;
  std::string service_;
  clock_function clock_;
  sigv4::signing_key_cache cache_;
};

}  // namespace awsmp
