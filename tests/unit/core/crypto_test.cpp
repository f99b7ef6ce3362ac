// The internal crypto primitives against published vectors and against OpenSSL's own HMAC.
#include "core/crypto.hpp"

#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

using namespace awsmp::detail;

namespace {

std::string hex_of(const sha256_digest& d) {
  return to_hex(d);
}

// Reference HMAC through a different OpenSSL code path (the MAC API behind HMAC()).
std::string openssl_hmac_hex(const std::string& key, const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return to_hex(std::span<const std::uint8_t>(out, len));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto)

BOOST_AUTO_TEST_CASE(sha256_matches_fips_180_vectors) {
  BOOST_TEST(hex_of(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(hex_of(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hex_of(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(incremental_hash_equals_one_shot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7);
  sha256_hasher h;
  h.update(data.substr(0, 1));
  h.update(data.substr(1, 500));
  h.update("");
  h.update(data.substr(501));
  BOOST_TEST(to_hex(h.finish()) == to_hex(sha256(data)));
  h.update("abc");  // finish() restarted it
  BOOST_TEST(to_hex(h.finish()) == to_hex(sha256("abc")));
}

BOOST_AUTO_TEST_CASE(hmac_matches_rfc_4231) {
  // Test cases 1, 2 and 6 (a 131-byte key, longer than a block, is hashed first).
  BOOST_TEST(hex_of(hmac_sha256(std::string_view(std::string(20, '\x0b')), "Hi There")) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(hex_of(hmac_sha256(std::string_view("Jefe"), "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(hex_of(hmac_sha256(std::string_view(std::string(131, '\xaa')),
                                "Test Using Larger Than Block-Size Key - Hash Key First")) ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

BOOST_AUTO_TEST_CASE(hmac_agrees_with_openssl_for_every_key_length) {
  std::mt19937 rng(42);
  for (std::size_t key_len = 0; key_len <= 140; ++key_len) {
    std::string key(key_len, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    std::string data(rng() % 300, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    BOOST_TEST_CONTEXT("key length " << key_len) {
      BOOST_TEST(hex_of(hmac_sha256(std::string_view(key), data)) == openssl_hmac_hex(key, data));
    }
  }
}

BOOST_AUTO_TEST_CASE(hex_is_lower_case_and_complete) {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  BOOST_TEST(to_hex(bytes) == "000fa0ff");
  std::string out = "x";
  append_hex(out, bytes);
  BOOST_TEST(out == "x000fa0ff");
  BOOST_TEST(to_hex(std::span<const std::uint8_t>()) == "");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_compares_content_and_length) {
  BOOST_TEST(constant_time_equal("", ""));
  BOOST_TEST(constant_time_equal("abc", "abc"));
  BOOST_TEST(!constant_time_equal("abc", "abd"));
  BOOST_TEST(!constant_time_equal("abc", "ab"));
  BOOST_TEST(!constant_time_equal("", "a"));
  BOOST_TEST(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  BOOST_TEST(!constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

BOOST_AUTO_TEST_CASE(secure_wipe_zeroes_and_clears) {
  std::string secret = "wJalrXUtnFEMI";
  char* data = secret.data();
  const std::size_t n = secret.size();
  secure_wipe(secret);
  BOOST_TEST(secret.empty());
  for (std::size_t i = 0; i < n; ++i) BOOST_TEST(data[i] == '\0');
}

BOOST_AUTO_TEST_SUITE_END()
