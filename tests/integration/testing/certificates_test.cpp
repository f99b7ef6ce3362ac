// make_test_certificates: a CA and a server certificate that OpenSSL verifies for the names given.
#include <awsmp/testing/test_certificates.hpp>

#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

x509_ptr load(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
}

// Verifies `leaf` against `ca` as a TLS server certificate, optionally for a host or an IP.
bool verifies(const std::string& ca_pem, const std::string& leaf_pem, const char* host, const char* ip) {
  auto ca = load(ca_pem);
  auto leaf = load(leaf_pem);
  BOOST_REQUIRE(ca && leaf);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  if (host) X509_VERIFY_PARAM_set1_host(param, host, 0);
  if (ip) X509_VERIFY_PARAM_set1_ip_asc(param, ip);
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_certificates)

BOOST_AUTO_TEST_CASE(the_server_certificate_verifies_for_its_names_only) {
  const auto b = awsmp::testing::make_test_certificates();
  BOOST_TEST(b.ca_cert_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  BOOST_TEST(b.server_key_pem.find("BEGIN PRIVATE KEY") != std::string::npos);
  BOOST_TEST(verifies(b.ca_cert_pem, b.server_cert_pem, "localhost", nullptr));
  BOOST_TEST(verifies(b.ca_cert_pem, b.server_cert_pem, nullptr, "127.0.0.1"));
  BOOST_TEST(verifies(b.ca_cert_pem, b.server_cert_pem, nullptr, "::1"));
  BOOST_TEST(!verifies(b.ca_cert_pem, b.server_cert_pem, "example.com", nullptr));
  BOOST_TEST(!verifies(b.ca_cert_pem, b.server_cert_pem, nullptr, "10.0.0.1"));

  const auto custom = awsmp::testing::make_test_certificates({"emulator.test"}, {"10.1.2.3"});
  BOOST_TEST(verifies(custom.ca_cert_pem, custom.server_cert_pem, "emulator.test", nullptr));
  BOOST_TEST(verifies(custom.ca_cert_pem, custom.server_cert_pem, nullptr, "10.1.2.3"));
  BOOST_TEST(!verifies(custom.ca_cert_pem, custom.server_cert_pem, "localhost", nullptr));
  // Another bundle's CA does not vouch for this server.
  BOOST_TEST(!verifies(b.ca_cert_pem, custom.server_cert_pem, "emulator.test", nullptr));
}

BOOST_AUTO_TEST_CASE(every_bundle_is_fresh) {
  const auto a = awsmp::testing::make_test_certificates();
  const auto b = awsmp::testing::make_test_certificates();
  BOOST_TEST(a.ca_cert_pem != b.ca_cert_pem);
  BOOST_TEST(a.server_key_pem != b.server_key_pem);
  auto ca_a = load(a.ca_cert_pem), ca_b = load(b.ca_cert_pem);
  BOOST_TEST(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca_a.get()), X509_get0_serialNumber(ca_b.get())) != 0);
  BOOST_TEST(X509_check_ca(ca_a.get()) >= 1);
  // Short-lived: valid now, not a year from now.
  BOOST_TEST(X509_cmp_current_time(X509_get0_notBefore(ca_a.get())) < 0);
  time_t in_a_year = time(nullptr) + 365 * 24 * 3600;
  BOOST_TEST(X509_cmp_time(X509_get0_notAfter(ca_a.get()), &in_a_year) < 0);
}

BOOST_AUTO_TEST_CASE(bad_names_are_invalid_arguments) {
  BOOST_CHECK_THROW(awsmp::testing::make_test_certificates({"localhost"}, {"300.1.1.1"}), boost::system::system_error);
  BOOST_CHECK_THROW(awsmp::testing::make_test_certificates({}, {}), boost::system::system_error);
  BOOST_CHECK_THROW(awsmp::testing::make_test_certificates({""}, {}), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
