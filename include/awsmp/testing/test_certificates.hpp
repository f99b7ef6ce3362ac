// Throwaway X.509 certificates for loopback TLS in tests and in the emulator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace awsmp::testing {

/// A certificate authority and one server certificate it signed, all PEM-encoded.
struct certificate_bundle {
  std::string ca_cert_pem;      ///< trust anchor to give clients (client_options::ca_file)
  std::string server_cert_pem;  ///< leaf certificate for the server, signed by the CA
  std::string server_key_pem;   ///< the leaf's private key (PKCS#8, unencrypted)
};

/// Generates, at run time, a fresh CA (EC P-256, CA:TRUE, keyCertSign) and a server certificate
/// signed by it (EC P-256, serverAuth) whose subjectAltName holds `dns_names` and `ip_addresses`
/// (IPv4 or IPv6 literals). Both are valid from one hour ago (clock skew) for `validity`; serials
/// are random. Nothing touches the disk. Throws system_error(errc::invalid_argument) for a
/// malformed IP address or when both lists are empty, and std::runtime_error when OpenSSL fails.
certificate_bundle make_test_certificates(std::vector<std::string> dns_names = {"localhost"},
                                          std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"},
                                          std::chrono::hours validity = std::chrono::hours{24});

/// A CA and the RSA signing certificate it issued, as SNS signs with; all PEM-encoded.
struct signing_certificate_bundle {
  std::string ca_cert_pem;  ///< trust anchor (sns_verifier_options::trust_anchor_pem)
  std::string cert_pem;     ///< RSA 2048 leaf (digitalSignature), what SigningCertURL serves
  std::string key_pem;      ///< the leaf's private key (PKCS#8, unencrypted)
};

/// Generates, at run time, a fresh CA (EC P-256) and an RSA 2048 signing certificate it issued
/// (CN sns.amazonaws.com, not a server certificate), valid from one hour before `now` (empty:
/// the system clock; a test clock may run elsewhere) for `validity`. Nothing touches the disk.
/// Throws system_error(errc::invalid_argument) for a non-positive validity and
/// std::runtime_error when OpenSSL fails.
signing_certificate_bundle make_sns_signing_certificate(
    std::chrono::hours validity = std::chrono::hours{24},
    std::optional<std::chrono::system_clock::time_point> now = std::nullopt);

}  // namespace awsmp::testing
