#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace awsmp::detail {
namespace {

constexpr std::size_t block_size = 64;  // SHA-256 block size, the HMAC pad length

// Fetching the algorithm is costly in OpenSSL 3 (a provider lookup with a lock); do it once.
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("OpenSSL: SHA-256 is unavailable");
    return fetched;
  }();
  return md;
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("OpenSSL: ") + what);
}

// One reusable digest context per thread: signing is hot, and EVP_MD_CTX_new allocates.
struct thread_ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~thread_ctx() { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* local_ctx() {
  thread_local thread_ctx holder;
  if (holder.ctx == nullptr) fail("cannot allocate a digest context");
  return holder.ctx;
}

void digest_parts(EVP_MD_CTX* ctx, std::span<const std::uint8_t> a, std::string_view b, std::uint8_t* out) {
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1) fail("SHA-256 init failed");
  if (!a.empty() && EVP_DigestUpdate(ctx, a.data(), a.size()) != 1) fail("SHA-256 update failed");
  if (!b.empty() && EVP_DigestUpdate(ctx, b.data(), b.size()) != 1) fail("SHA-256 update failed");
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32) fail("SHA-256 final failed");
}

constexpr char hex_digits[] = "0123456789abcdef";

}  // namespace

sha256_digest sha256(std::string_view data) {
  sha256_digest out;
  digest_parts(local_ctx(), {}, data, out.data());
  return out;
}

sha256_hasher::sha256_hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) fail("cannot allocate a digest context");
  if (EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    fail("SHA-256 init failed");
  }
}

sha256_hasher::~sha256_hasher() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void sha256_hasher::update(std::string_view data) {
  if (!data.empty() && EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1)
    fail("SHA-256 update failed");
}

sha256_digest sha256_hasher::finish() {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  sha256_digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != 32) fail("SHA-256 final failed");
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1) fail("SHA-256 init failed");
  return out;
}

// HMAC on the digest context directly rather than EVP_MAC: the MAC API fetches and allocates
// per call, and SigV4 runs five HMACs per uncached signature.
sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  EVP_MD_CTX* ctx = local_ctx();
  std::uint8_t block[block_size] = {};
  if (key.size() > block_size) {
    digest_parts(ctx, key, {}, block);
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  std::uint8_t pad[block_size];
  for (std::size_t i = 0; i < block_size; ++i) pad[i] = block[i] ^ 0x36;
  sha256_digest inner;
  digest_parts(ctx, pad, data, inner.data());
  for (std::size_t i = 0; i < block_size; ++i) pad[i] = block[i] ^ 0x5c;
  sha256_digest out;
  digest_parts(ctx, pad, std::string_view(reinterpret_cast<const char*>(inner.data()), inner.size()),
               out.data());
  // The padded key is as good as the key: leave none of it on the stack.
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  return out;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()), data);
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  const std::size_t start = out.size();
  out.resize(start + bytes.size() * 2);
  char* p = out.data() + start;
  for (std::uint8_t b : bytes) {
    *p++ = hex_digits[b >> 4];
    *p++ = hex_digits[b & 0x0f];
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  append_hex(out, bytes);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

void secure_wipe(std::string& secret) noexcept {
  secure_wipe(secret.data(), secret.size());
  secret.clear();
}

std::string random_uuid() {
  std::array<std::uint8_t, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = to_hex(b);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
         hex.substr(20);
}

}  // namespace awsmp::detail
