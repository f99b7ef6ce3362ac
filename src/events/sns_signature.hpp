// Internal: the OpenSSL side of SNS verification (certificates, base64, RSA signatures).
// Pure apart from OpenSSL: no I/O, time as a parameter.
#pragma once

#include <awsmp/common.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// A parsed X.509 certificate (shared: the cache and concurrent verifications hold it).
class x509_certificate {
 public:
  /// Parses one PEM certificate; throws system_error(errc::malformed_message) when it does not.
  static std::shared_ptr<const x509_certificate> from_pem(std::string_view pem);
  ~x509_certificate();
  x509_certificate(const x509_certificate&) = delete;
  x509_certificate& operator=(const x509_certificate&) = delete;
  /// OpenSSL's X509*, for the functions below.
  void* native() const noexcept { return x509_; }

 private:
  explicit x509_certificate(void* x509) noexcept : x509_(x509) {}
  void* x509_;
};

/// Why `cert` is not valid at `now` (outside notBefore..notAfter), or, when `anchor` is not
/// null, does not chain to it; empty when it is fine. Never throws beyond std::bad_alloc.
std::string certificate_violation(const x509_certificate& cert, time_point now,
                                  const x509_certificate* anchor);

/// Strict base64 (RFC 4648, padding required, no whitespace); false when malformed. Never throws
/// beyond std::bad_alloc.
bool decode_base64(std::string_view text, std::string& out);

/// True when `signature` (raw bytes) is `cert`'s RSA signature over `data` with SHA-1
/// (SignatureVersion "1") or SHA-256 ("2"); false for anything else. Never throws.
bool verify_rsa_signature(const x509_certificate& cert, std::string_view signature_version,
                          std::string_view data, std::string_view signature) noexcept;

}  // namespace awsmp::detail
