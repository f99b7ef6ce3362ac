// TLS defaults: certificate and host-name verification are on unless switched off, an
// untrusted or mismatched certificate stops the request before a byte of it is sent, and
// versions below TLS 1.2 are refused.
#include "support/skip.hpp"
#include "loopback_peer.hpp"
#include "run_sync.hpp"
#include "security_support.hpp"

#include "transport/http_client.hpp"

#include <awsmp/metering_client.hpp>
#include <awsmp/testing/test_certificates.hpp>

#include <boost/asio/ssl.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>

using namespace awsmp;
using namespace awsmp::test;

namespace {

std::shared_ptr<boost::asio::ssl::context> server_context(const testing::certificate_bundle& certs) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(certs.server_cert_pem));
  ctx->use_private_key(boost::asio::buffer(certs.server_key_pem), boost::asio::ssl::context::pem);
  return ctx;
}

peer_answer resolved(const peer_request&) {
  return http_answer(200, R"({"CustomerIdentifier":"c","ProductCode":"p","CustomerAWSAccountId":"123456789012"})");
}

// Sends one ResolveCustomer through a metering_client with `options`; returns the error text, or "" on success.
std::string try_resolve(client_options options) {
  static_credentials_provider provider({"AKIDSECURITYTEST", std::string(secret_access_key), {}, std::nullopt});
  sigv4_signer signer(provider, "us-east-1");
  options.max_attempts = 1;
  options.timeout = std::chrono::milliseconds(5'000);
  try {
    run_sync([&](auto ex) -> awaitable<resolve_customer_output> {
      metering_client client(ex, signer, options);
      co_return co_await client.resolve_customer("token-1");
    });
  } catch (const aws_error& e) {
    return std::string("aws_error: ") + e.what();
  } catch (const boost::system::system_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(security_tls)

BOOST_AUTO_TEST_CASE(verification_is_on_by_default) {
  BOOST_TEST(client_options{}.verify_peer);
  BOOST_TEST(detail::http_client_options{}.verify_peer);
  BOOST_TEST(detail::endpoint::parse("https://metering.marketplace.us-east-1.amazonaws.com").tls);
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_is_refused_before_sending) {
  const auto certs = testing::make_test_certificates();
  loopback_peer peer(resolved, server_context(certs));
  client_options options;
  options.endpoint = peer.url();
  const auto error = try_resolve(options);
  BOOST_TEST(!error.empty(), "a certificate from an unknown CA was accepted");
  BOOST_TEST(error.find("aws_error") == std::string::npos);
  BOOST_TEST(peer.requests().empty(), "the request was sent over an unverified connection");

  // The same peer, its CA trusted: the exchange succeeds, so the refusal above was the CA's.
  temp_dir dir;
  options.ca_file = dir.write("ca.pem", certs.ca_cert_pem).string();
  BOOST_TEST(try_resolve(options) == "");
  BOOST_TEST(peer.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(certificate_for_another_host_is_refused) {
  // Signed by a trusted CA, but for names that are not 127.0.0.1.
  const auto certs = testing::make_test_certificates({"metering.example.invalid"}, {"10.11.12.13"});
  loopback_peer peer(resolved, server_context(certs));
  temp_dir dir;
  client_options options;
  options.endpoint = peer.url();
  options.ca_file = dir.write("ca.pem", certs.ca_cert_pem).string();
  BOOST_TEST(!try_resolve(options).empty(), "a certificate for another host was accepted");
  BOOST_TEST(peer.requests().empty());
}

BOOST_AUTO_TEST_CASE(versions_below_tls_1_2_are_refused) {
  const auto certs = testing::make_test_certificates();
  auto ctx = server_context(certs);
  SSL_CTX_set_security_level(ctx->native_handle(), 0);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(ctx->native_handle(), "ALL:@SECLEVEL=0");
  loopback_peer peer(resolved, ctx);

  // Control: a client that allows TLS 1.1 completes a handshake with this peer, so the peer
  // really speaks TLS 1.1 on this machine and a refusal below is the client's doing.
  {
    boost::asio::io_context io;
    boost::asio::ssl::context client_ctx(boost::asio::ssl::context::tls_client);
    SSL_CTX_set_security_level(client_ctx.native_handle(), 0);
    SSL_CTX_set_min_proto_version(client_ctx.native_handle(), TLS1_VERSION);
    SSL_CTX_set_cipher_list(client_ctx.native_handle(), "ALL:@SECLEVEL=0");
    client_ctx.set_verify_mode(boost::asio::ssl::verify_none);
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io, client_ctx);
    const auto port = static_cast<unsigned short>(std::stoi(peer.url().substr(peer.url().rfind(':') + 1)));
    stream.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code ec;
    stream.handshake(boost::asio::ssl::stream_base::client, ec);
    if (ec) {
      awsmp::test::skip("this OpenSSL cannot speak TLS 1.1 at all (" + ec.message() + ")");
      return;
    }
    BOOST_TEST(SSL_version(stream.native_handle()) == TLS1_1_VERSION);
  }

  temp_dir dir;
  client_options options;
  options.endpoint = peer.url();
  options.ca_file = dir.write("ca.pem", certs.ca_cert_pem).string();
  BOOST_TEST(!try_resolve(options).empty(), "a TLS 1.1 connection was accepted");
  BOOST_TEST(peer.requests().empty());
}

BOOST_AUTO_TEST_CASE(disabling_verification_is_logged) {
  log_capture logs;
  boost::asio::io_context io;
  detail::http_client_options options;
  options.verify_peer = false;
  detail::http_client client(io.get_executor(), detail::endpoint::parse("https://127.0.0.1:1"), options);
  bool warned = false;
  for (const auto& line : logs.lines()) warned = warned || line.find("verif") != std::string::npos;
  BOOST_TEST(warned, "verify_peer=false must be visible in the log");
}

BOOST_AUTO_TEST_SUITE_END()
