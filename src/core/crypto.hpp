// Internal cryptographic primitives on OpenSSL EVP: SHA-256, HMAC-SHA256, hex, constant-time
// comparison and secret wiping. Used by SigV4, the emulator's signature check and journals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// A SHA-256 or HMAC-SHA256 result.
using sha256_digest = std::array<std::uint8_t, 32>;

/// The SHA-256 of `data`; throws std::runtime_error only if OpenSSL fails (never in practice).
sha256_digest sha256(std::string_view data);

/// Incremental SHA-256 for data that arrives in pieces; not thread-safe (one per thread).
class sha256_hasher {
public:
  /// Starts a new hash; throws std::runtime_error if OpenSSL cannot allocate a context.
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;
  /// Adds `data`; throws std::runtime_error only if OpenSSL fails.
  void update(std::string_view data);
  /// Returns the digest and restarts the hasher; throws std::runtime_error only if OpenSSL fails.
  sha256_digest finish();

private:
  void* ctx_;  // EVP_MD_CTX, kept opaque so that OpenSSL headers stay out of this header
};

/// HMAC-SHA256 of `data` under `key` (RFC 2104; keys longer than 64 bytes are hashed first);
/// throws std::runtime_error only if OpenSSL fails.
sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);

/// Same, with the key given as bytes in a string (e.g. "AWS4" + secret).
sha256_digest hmac_sha256(std::string_view key, std::string_view data);

/// Appends the lower-case hex spelling of `bytes` to `out`; never throws beyond std::bad_alloc.
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);

/// The lower-case hex spelling of `bytes`; never throws beyond std::bad_alloc.
std::string to_hex(std::span<const std::uint8_t> bytes);

/// Compares two byte strings in time that depends only on their lengths (for signatures and
/// tokens received from a peer); never throws.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// Overwrites `size` bytes at `data` with zeros in a way the optimiser cannot remove; never throws.
void secure_wipe(void* data, std::size_t size) noexcept;

/// Wipes the characters of `secret` (then clears it); never throws.
void secure_wipe(std::string& secret) noexcept;

/// A random (version 4) UUID in its 36-character text form, from OpenSSL's CSPRNG; throws
/// std::runtime_error when the generator fails.
std::string random_uuid();

}  // namespace awsmp::detail
