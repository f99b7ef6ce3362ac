// Test support: a throwaway RSA CA and SNS-like signing certificate made at run time with
// OpenSSL, and helpers that build and sign real-shaped SNS envelopes with them. Shared by the
// unit and integration tests of src/events/ (nothing here is AWS's material).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <awsmp/common.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace events_test {

inline EVP_PKEY* make_rsa_key() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("RSA key generation failed");
  return key;
}

inline std::string to_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// not_before/not_after are offsets in seconds from now.
inline X509* make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                       long not_before, long not_after) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::rand() % 100000 + 1));
  X509_gmtime_adj(X509_getm_notBefore(cert), not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert), not_after);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  add_ext(cert, issuer ? issuer : cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert, issuer ? issuer : cert, NID_key_usage,
          ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

inline std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// A CA and a signing certificate (valid now), plus an expired one and an unrelated one.
struct sns_keys {
  std::string ca_pem;
  std::string signing_pem;
  std::string expired_pem;   // same key, validity ended an hour ago
  std::string stranger_pem;  // another key, self-signed: a forger's certificate
  EVP_PKEY* signing_key = nullptr;
  EVP_PKEY* stranger_key = nullptr;

  sns_keys() {
    EVP_PKEY* ca_key = make_rsa_key();
    X509* ca = make_cert(ca_key, "awsmp test SNS CA", nullptr, nullptr, true, -3600, 86400);
    signing_key = make_rsa_key();
    X509* leaf = make_cert(signing_key, "sns.amazonaws.com", ca, ca_key, false, -3600, 86400);
    X509* old = make_cert(signing_key, "sns.amazonaws.com", ca, ca_key, false, -7200, -3600);
    stranger_key = make_rsa_key();
    X509* stranger = make_cert(stranger_key, "sns.amazonaws.com", nullptr, nullptr, false, -3600, 86400);
    ca_pem = to_pem(ca);
    signing_pem = to_pem(leaf);
    expired_pem = to_pem(old);
    stranger_pem = to_pem(stranger);
    X509_free(ca);
    X509_free(leaf);
    X509_free(old);
    X509_free(stranger);
    EVP_PKEY_free(ca_key);
  }
  ~sns_keys() {
    EVP_PKEY_free(signing_key);
    EVP_PKEY_free(stranger_key);
  }
  sns_keys(const sns_keys&) = delete;
  sns_keys& operator=(const sns_keys&) = delete;

  /// One set per process: RSA key generation is slow.
  static const sns_keys& get() {
    static const sns_keys keys;
    return keys;
  }
};

/// RSA signature over `data` (SHA-1 for version "1", SHA-256 for "2"), base64.
inline std::string rsa_sign(EVP_PKEY* key, const std::string& version, const std::string& data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, version == "1" ? EVP_sha1() : EVP_sha256(), nullptr, key);
  std::size_t n = 0;
  EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string sig(n, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(n);
  EVP_MD_CTX_free(ctx);
  return base64(sig);
}

inline const std::string topic =
    "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodcode123";
inline const std::string cert_url =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem";

/// The members of an envelope, in a map so that tests can change one before or after signing.
using fields = std::map<std::string, std::string>;

/// The string SNS signs, written independently of the library (from the SNS developer guide).
inline std::string string_to_sign(const fields& f) {
  static const char* notification[] = {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"};
  static const char* confirmation[] = {"Message", "MessageId", "SubscribeURL", "Timestamp",
                                       "Token",   "TopicArn",  "Type"};
  std::string out;
  const bool is_notification = f.at("Type") == "Notification";
  auto add = [&](const char* k) {
    auto it = f.find(k);
    if (it == f.end()) return;
    out += k;
    out += '\n';
    out += it->second;
    out += '\n';
  };
  if (is_notification)
    for (auto* k : notification) add(k);
  else
    for (auto* k : confirmation) add(k);
  return out;
}

inline std::string iso8601(awsmp::time_point t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.123Z", &tm);
  return buf;
}

/// A Notification carrying `message`, stamped `when`, ready to sign.
inline fields notification(const std::string& message, awsmp::time_point when,
                           const std::string& id = "a5b2c3d4-0000-4000-8000-000000000001") {
  return fields{
      {"Type", "Notification"},
      {"MessageId", id},
      {"TopicArn", topic},
      {"Message", message},
      {"Timestamp", iso8601(when)},
      {"SignatureVersion", "2"},
      {"SigningCertURL", cert_url},
      {"UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"}};
}

/// Signs `f` with `key` per its SignatureVersion and serialises it as SNS does (JSON object).
inline std::string sign_and_serialize(fields f, EVP_PKEY* key) {
  f["Signature"] = rsa_sign(key, f["SignatureVersion"], string_to_sign(f));
  boost::json::object o;
  for (const auto& [k, v] : f) o[k] = v;
  return boost::json::serialize(o);
}

inline std::string serialize(const fields& f) {
  boost::json::object o;
  for (const auto& [k, v] : f) o[k] = v;
  return boost::json::serialize(o);
}

inline std::string marketplace_message(const std::string& action, const std::string& customer = "cust-7Xq1",
                                       const std::string& product = "prodcode123",
                                       bool old_spelling = false) {
  boost::json::object o;
  o["action"] = action;
  o[old_spelling ? "CustomerIdentifier" : "customer-identifier"] = customer;
  o[old_spelling ? "ProductCode" : "product-code"] = product;
  if (action == "subscribe-success") o["offer-identifier"] = "offer-abc123";
  o["isFreeTrialTermPresent"] = "false";
  return boost::json::serialize(o);
}

}  // namespace events_test
