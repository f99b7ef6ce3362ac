#include "events/sns_signature.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>

#include "core/throw.hpp"

namespace awsmp::detail {

namespace {

X509* as_x509(const x509_certificate& c) noexcept {
  return static_cast<X509*>(c.native());
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::shared_ptr<const x509_certificate> x509_certificate::from_pem(std::string_view pem) {
  if (pem.size() > 64 * 1024) throw_error(errc::malformed_message, "certificate: larger than 64 KiB");
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) throw_error(errc::malformed_message, "certificate: cannot allocate");
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!x) throw_error(errc::malformed_message, "certificate: not a PEM X.509 certificate");
  return std::shared_ptr<const x509_certificate>(new x509_certificate(x));
}

x509_certificate::~x509_certificate() {
  X509_free(static_cast<X509*>(x509_));
}

std::string certificate_violation(const x509_certificate& cert, time_point now,
                                  const x509_certificate* anchor) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const time_t t = static_cast<time_t>(seconds);
  if (X509_cmp_time(X509_get0_notBefore(as_x509(cert)), const_cast<time_t*>(&t)) > 0)
    return "the signing certificate is not valid yet";
  if (X509_cmp_time(X509_get0_notAfter(as_x509(cert)), const_cast<time_t*>(&t)) < 0)
    return "the signing certificate has expired";
  if (!anchor) return {};
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  std::string why;
  if (!store || !ctx || X509_STORE_add_cert(store, as_x509(*anchor)) != 1 ||
      X509_STORE_CTX_init(ctx, store, as_x509(cert), nullptr) != 1) {
    why = "cannot set up certificate verification";
  } else {
    X509_STORE_CTX_set_time(ctx, 0, t);
    if (X509_verify_cert(ctx) != 1)
      why = std::string("the signing certificate does not chain to the trust anchor: ") +
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  }
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return why;
}

bool decode_base64(std::string_view text, std::string& out) {
  out.clear();
  if (text.empty() || text.size() % 4 != 0) return false;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=') {
        // Padding only in the last group, only at its end.
        if (i + 4 != text.size() || k < 2) return false;
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return false;
        v[k] = base64_value(c);
        if (v[k] < 0) return false;
      }
    }
    const unsigned triple =
        (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out += static_cast<char>((triple >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((triple >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(triple & 0xff);
  }
  return true;
}

bool verify_rsa_signature(const x509_certificate& cert, std::string_view signature_version,
                          std::string_view data, std::string_view signature) noexcept {
  const EVP_MD* md = nullptr;
  if (signature_version == "1")
    md = EVP_sha1();
  else if (signature_version == "2")
    md = EVP_sha256();
  else
    return false;
  EVP_PKEY* key = X509_get0_pubkey(as_x509(cert));
  if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return false;  // SNS signs with RSA only
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace awsmp::detail
