// The real certificate fetcher (the library's HTTPS client) against a loopback HTTPS peer with
// a run-time CA: it fetches over a verified TLS connection, refuses an unverifiable peer, a
// non-200 answer and plain http, and its PEM verifies a signed envelope end to end.
#include <awsmp/sns_verifier.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>

#include "integration/security/loopback_peer.hpp"
#include "unit/events/run_sync.hpp"
#include "unit/events/sns_test_signer.hpp"

using namespace awsmp;
using namespace events_test;

namespace {

std::shared_ptr<boost::asio::ssl::context> server_context(const testing::certificate_bundle& certs) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(certs.server_cert_pem));
  ctx->use_private_key(boost::asio::buffer(certs.server_key_pem), boost::asio::ssl::context::pem);
  return ctx;
}

struct ca_file {
  std::string path;
  explicit ca_file(const std::string& pem) {
    path = std::string(AWSMP_TEST_BINARY_DIR) + "/events_fetch_ca_" + std::to_string(::getpid()) + ".pem";
    std::ofstream(path) << pem;
  }
  ~ca_file() { std::remove(path.c_str()); }
};

std::string fetch(const std::string& url, const std::string& ca) {
  boost::asio::io_context io;
  auto fetcher = https_certificate_fetcher(io.get_executor(), ca, std::chrono::seconds{10});
  auto f = boost::asio::co_spawn(io, fetcher(url), boost::asio::use_future);
  io.run();
  return f.get();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(certificate_fetcher)

BOOST_AUTO_TEST_CASE(fetches_over_verified_https) {
  const auto certs = testing::make_test_certificates();
  const std::string pem = sns_keys::get().signing_pem;
  test::loopback_peer peer(
      [&](const test::peer_request& r) {
        return r.target() == "/SimpleNotificationService-test.pem" ? test::http_answer(200, pem)
                                                                   : test::http_answer(404, "no");
      },
      server_context(certs));
  ca_file ca(certs.ca_cert_pem);
  BOOST_TEST(fetch(peer.url() + "/SimpleNotificationService-test.pem", ca.path) == pem);
  BOOST_CHECK_THROW(fetch(peer.url() + "/other.pem", ca.path), boost::system::system_error);
  // Without the test CA the peer cannot be verified: the fetch fails instead of trusting it.
  BOOST_CHECK_THROW(fetch(peer.url() + "/SimpleNotificationService-test.pem", ""), std::exception);
  BOOST_CHECK_THROW(fetch("http://127.0.0.1:9/x.pem", ""), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(the_fetched_certificate_verifies_an_envelope) {
  const auto certs = testing::make_test_certificates();
  const std::string pem = sns_keys::get().signing_pem;
  test::loopback_peer peer([&](const test::peer_request&) { return test::http_answer(200, pem); },
                           server_context(certs));
  ca_file ca(certs.ca_cert_pem);
  boost::asio::io_context io;
  auto real = https_certificate_fetcher(io.get_executor(), ca.path, std::chrono::seconds{10});
  // The envelope names the AWS URL (the rules need it); the fetch goes to the loopback peer.
  sns_verifier_options o;
  o.allowed_topic_arns = {topic};
  o.trust_anchor_pem = sns_keys::get().ca_pem;
  const std::string local = peer.url() + "/SimpleNotificationService-test.pem";
  sns_verifier v(o, [&](std::string) { return real(local); });
  const auto body = sign_and_serialize(
      notification(marketplace_message("subscribe-success"), std::chrono::system_clock::now()),
      sns_keys::get().signing_key);
  auto f = boost::asio::co_spawn(io, v.verify(body), boost::asio::use_future);
  io.run();
  const auto r = f.get();
  BOOST_TEST(r.ok(), r.reason);
  BOOST_TEST(v.certificate_fetches() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
