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
  bool encode_path = true;           ///< false: the path is signed as sent, already encoded once (S3)
};

/// Pure: adds X-Amz-Date (and X-Amz-Security-Token when set) and Authorization to `request`,
/// replacing those of an earlier signature. Signs every header but hop-by-hop ones, User-Agent,
/// Expect and X-Amzn-Trace-Id. Throws system_error(errc::invalid_argument) when a credential,
/// the region or the service is empty or malformed, or the request has no Host header; the
/// message names the field and never contains a secret. Thread-safe (per-thread buffers).
void sign(http_request& request, const credentials& creds, std::string_view region,
          std::string_view service, time_point now);

/// Pure: like sign() with options, and returns every intermediate step.
signing_steps sign(http_request& request, const credentials& creds, std::string_view region,
                   std::string_view service, time_point now, const signing_options& options);

/// Pure: the canonical request of `request` as it stands (call after signing to see what was
/// signed; the signed headers are read from its Authorization header when present, else every
/// header that sign() would sign is used; default options). Never throws beyond std::bad_alloc.
std::string canonical_request(const http_request& request);

/// Pure: the SigV4 signing key HMAC chain for (secret, yyyymmdd, region, service).
std::array<std::uint8_t, 32> derive_signing_key(std::string_view secret_access_key,
                                                std::string_view yyyymmdd,
                                                std::string_view region,
                                                std::string_view service);

/// Pure: the canonical URI of a request path (the part of the target before '?'): dot and empty
/// segments removed when `normalize`, then every byte but RFC 3986 unreserved ones and '/'
/// percent-encoded (so an already-encoded path is encoded twice, as SigV4 requires for every
/// service but S3). Never throws beyond std::bad_alloc.
std::string canonical_uri(std::string_view path, bool normalize = true);

/// Pure: the canonical query string of a raw query (the part of the target after '?'): each
/// name and value percent-decoded then re-encoded, pairs sorted by encoded name then value,
/// a missing value written as "name=". Never throws beyond std::bad_alloc.
std::string canonical_query_string(std::string_view query);

/// Pure: `now` as the X-Amz-Date value YYYYMMDD'T'HHMMSS'Z' (UTC, seconds truncated down).
/// Throws system_error(errc::invalid_argument) outside the years 1..9999.
std::string amz_date(time_point now);

/// A thread-safe cache of derived signing keys keyed by (secret, date, region, service), so
/// that a busy client does four fewer HMACs per request. Bounded: the least recently used
/// entry is evicted when full; secrets held are wiped on eviction and destruction.
class signing_key_cache {
public:
  /// A cache of 16 entries (a process rarely signs for more keys, regions and services a day).
  signing_key_cache();
  /// A cache of `capacity` entries (at least 1); never throws beyond std::bad_alloc.
  explicit signing_key_cache(std::size_t capacity);
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

/// Pure: the hot path: signs with keys from `cache` and default options, without building the
/// intermediate steps. Throws as sign() does.
void sign(http_request& request, const credentials& creds, std::string_view region,
          std::string_view service, time_point now, signing_key_cache& cache);

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
