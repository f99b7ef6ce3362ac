#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <awsmp/error.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/throw.hpp"

namespace awsmp::testing {
namespace {

template <auto Free>
struct openssl_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION_free>>;
using names_ptr = std::unique_ptr<GENERAL_NAMES, openssl_deleter<GENERAL_NAMES_free>>;

// OpenSSL reports failures on a thread-local queue; the first entry says what went wrong.
[[noreturn]] void fail(const char* what) {
  std::string message = std::string("make_test_certificates: ") + what;
  if (unsigned long code = ERR_get_error(); code != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    message += ": ";
    message += text.data();
  }
  ERR_clear_error();
  throw std::runtime_error(message);
}

void check(int rc, const char* what) {
  if (rc <= 0) fail(what);
}

pkey_ptr make_key() {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen(P-256)");
  return key;
}

// Random 159-bit positive serial: unpredictable, and below the 20-octet limit of RFC 5280.
void set_random_serial(X509* cert) {
  bn_ptr bn(BN_new());
  if (!bn) fail("BN_new");
  check(BN_rand(bn.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
  if (BN_is_zero(bn.get())) check(BN_set_word(bn.get(), 1), "BN_set_word");
  if (!BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) fail("BN_to_ASN1_INTEGER");
}

void set_common_name(X509_NAME* name, const std::string& cn) {
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("awsmp test"), -1, -1, 0),
        "X509_NAME_add_entry_by_txt(O)");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
        "X509_NAME_add_entry_by_txt(CN)");
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext) fail("X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// Starts a certificate: version 3, random serial, validity window, subject and public key.
// `now` (empty: the system clock) is the instant the validity is measured from.
x509_ptr begin_certificate(EVP_PKEY* key, const std::string& cn, std::chrono::hours validity,
                           std::optional<std::time_t> now = std::nullopt) {
  x509_ptr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  set_random_serial(cert.get());
  std::time_t base = now ? *now : std::time(nullptr);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(validity).count();
  // Backdated an hour so that a client whose clock runs a little behind still accepts it.
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &base)) fail("X509_time_adj_ex");
  if (!X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(seconds / 86400),
                        static_cast<long>(seconds % 86400), &base))
    fail("X509_time_adj_ex");
  set_common_name(X509_get_subject_name(cert.get()), cn);
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  return cert;
}

names_ptr make_subject_alt_names(const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses) {
  names_ptr names(sk_GENERAL_NAME_new_null());
  if (!names) fail("sk_GENERAL_NAME_new_null");
  for (const auto& dns : dns_names) {
    if (dns.empty()) detail::throw_invalid_argument("dns_names", "a name must not be empty");
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (!text || !ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size()))) {
      ASN1_IA5STRING_free(text);
      fail("ASN1_STRING_set");
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (!gen) {
      ASN1_IA5STRING_free(text);
      fail("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(gen, GEN_DNS, text);
    if (!sk_GENERAL_NAME_push(names.get(), gen)) {
      GENERAL_NAME_free(gen);
      fail("sk_GENERAL_NAME_push");
    }
  }
  for (const auto& ip : ip_addresses) {
    std::array<unsigned char, 16> bytes{};
    int length = 0;
    if (inet_pton(AF_INET, ip.c_str(), bytes.data()) == 1) {
      length = 4;
    } else if (inet_pton(AF_INET6, ip.c_str(), bytes.data()) == 1) {
      length = 16;
    } else {
      detail::throw_invalid_argument("ip_addresses", "each entry must be an IPv4 or IPv6 literal");
    }
    ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
    if (!octets || !ASN1_OCTET_STRING_set(octets, bytes.data(), length)) {
      ASN1_OCTET_STRING_free(octets);
      fail("ASN1_OCTET_STRING_set");
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (!gen) {
      ASN1_OCTET_STRING_free(octets);
      fail("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(gen, GEN_IPADD, octets);
    if (!sk_GENERAL_NAME_push(names.get(), gen)) {
      GENERAL_NAME_free(gen);
      fail("sk_GENERAL_NAME_push");
    }
  }
  return names;
}

std::string to_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

certificate_bundle make_test_certificates(std::vector<std::string> dns_names,
                                          std::vector<std::string> ip_addresses,
                                          std::chrono::hours validity) {
  if (dns_names.empty() && ip_addresses.empty())
    detail::throw_invalid_argument("dns_names/ip_addresses",
                                   "at least one subject alternative name is required");
  if (validity.count() <= 0) detail::throw_invalid_argument("validity", "must be positive");
  // Validate the names before spending time on key generation.
  names_ptr alt_names = make_subject_alt_names(dns_names, ip_addresses);

  pkey_ptr ca_key = make_key();
  x509_ptr ca = begin_certificate(ca_key.get(), "awsmp test CA", validity);
  check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "X509_set_issuer_name");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), ca.get(), nullptr, nullptr, 0);
  add_ext(ca.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(ca.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(ca.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()), "X509_sign(CA)");

  pkey_ptr server_key = make_key();
  const std::string cn = dns_names.empty() ? ip_addresses.front() : dns_names.front();
  x509_ptr server = begin_certificate(server_key.get(), cn, validity);
  check(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())), "X509_set_issuer_name");
  X509V3_set_ctx(&ctx, ca.get(), server.get(), nullptr, nullptr, 0);
  add_ext(server.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(server.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(server.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_ext(server.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(server.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  check(X509_add1_ext_i2d(server.get(), NID_subject_alt_name, alt_names.get(), 0, X509V3_ADD_DEFAULT),
        "X509_add1_ext_i2d(subjectAltName)");
  check(X509_sign(server.get(), ca_key.get(), EVP_sha256()), "X509_sign(server)");

  certificate_bundle bundle;
  bundle.ca_cert_pem = to_pem(ca.get());
  bundle.server_cert_pem = to_pem(server.get());
  bundle.server_key_pem = to_pem(server_key.get());
  return bundle;
}

signing_certificate_bundle make_sns_signing_certificate(
    std::chrono::hours validity, std::optional<std::chrono::system_clock::time_point> now) {
  if (validity.count() <= 0) detail::throw_invalid_argument("validity", "must be positive");
  std::optional<std::time_t> base;
  if (now) base = std::chrono::system_clock::to_time_t(*now);
  pkey_ptr ca_key = make_key();
  x509_ptr ca = begin_certificate(ca_key.get(), "awsmp test SNS CA", validity, base);
  check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "X509_set_issuer_name");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), ca.get(), nullptr, nullptr, 0);
  add_ext(ca.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(ca.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), &ctx, NID_subject_key_identifier, "hash");
  check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()), "X509_sign(CA)");

  // SNS signs with RSA (SHA1withRSA / SHA256withRSA), so the leaf's key must be RSA.
  pkey_ptr key(EVP_RSA_gen(2048));
  if (!key) fail("EVP_RSA_gen(2048)");
  x509_ptr leaf = begin_certificate(key.get(), "sns.amazonaws.com", validity, base);
  check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())), "X509_set_issuer_name");
  X509V3_set_ctx(&ctx, ca.get(), leaf.get(), nullptr, nullptr, 0);
  add_ext(leaf.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(leaf.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  check(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()), "X509_sign(signing)");

  signing_certificate_bundle bundle;
  bundle.ca_cert_pem = to_pem(ca.get());
  bundle.cert_pem = to_pem(leaf.get());
  bundle.key_pem = to_pem(key.get());
  return bundle;
}

}  // namespace awsmp::testing
