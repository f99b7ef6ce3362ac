// Endpoint URL parsing and the Host header it implies.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>

#include "transport/http_client.hpp"

using awsmp::detail::endpoint;

BOOST_AUTO_TEST_SUITE(endpoint_suite)

BOOST_AUTO_TEST_CASE(https_defaults) {
  auto ep = endpoint::parse("https://metering.marketplace.us-east-1.amazonaws.com");
  BOOST_TEST(ep.tls);
  BOOST_TEST(ep.host == "metering.marketplace.us-east-1.amazonaws.com");
  BOOST_TEST(ep.port == "443");
  BOOST_TEST(ep.path == "/");
  BOOST_TEST(ep.host_header() == "metering.marketplace.us-east-1.amazonaws.com");
}

BOOST_AUTO_TEST_CASE(explicit_port_and_path) {
  auto ep = endpoint::parse("http://127.0.0.1:8080/prefix/");
  BOOST_TEST(!ep.tls);
  BOOST_TEST(ep.host == "127.0.0.1");
  BOOST_TEST(ep.port == "8080");
  BOOST_TEST(ep.path == "/prefix/");
  BOOST_TEST(ep.host_header() == "127.0.0.1:8080");
  BOOST_TEST(endpoint::parse("https://example.com:443").host_header() == "example.com");
  BOOST_TEST(endpoint::parse("http://example.com:80").host_header() == "example.com");
  BOOST_TEST(endpoint::parse("http://example.com:443").host_header() == "example.com:443");
}

BOOST_AUTO_TEST_CASE(ipv6_literals_lose_and_regain_brackets) {
  auto ep = endpoint::parse("https://[::1]:8443");
  BOOST_TEST(ep.host == "::1");
  BOOST_TEST(ep.port == "8443");
  BOOST_TEST(ep.host_header() == "[::1]:8443");
}

BOOST_AUTO_TEST_CASE(bad_urls_name_the_field_and_rule) {
  for (const char* bad : {"", "metering.example.com", "ftp://example.com", "https://",
                          "https://user:pw@example.com", "https://example.com:0", "https://example.com:65536",
                          "https://example.com:x", "https://example.com/?a=b", "https://example.com/#frag",
                          "https://[::1]:8443e/x", "https://example.com:443x/path"}) {
    BOOST_TEST_CONTEXT(bad) {
      try {
        (void)endpoint::parse(bad);
        BOOST_FAIL("accepted");
      } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == awsmp::errc::invalid_argument));
        BOOST_TEST(std::string(e.what()).find("endpoint") != std::string::npos);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(loopback_detection) {
  using awsmp::detail::is_loopback_host;
  BOOST_TEST(is_loopback_host("localhost"));
  BOOST_TEST(is_loopback_host("127.0.0.1"));
  BOOST_TEST(is_loopback_host("127.1.2.3"));
  BOOST_TEST(is_loopback_host("::1"));
  BOOST_TEST(!is_loopback_host("10.0.0.1"));
  BOOST_TEST(!is_loopback_host("example.com"));
  BOOST_TEST(!is_loopback_host("localhost.example.com"));
}

BOOST_AUTO_TEST_SUITE_END()
