// Size limits: responses larger than max_response_bytes (declared, chunked, or in the
// headers) fail with errc::response_too_large instead of growing memory without bound, and
// request bodies of 1 MB or more are refused before sending.
#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <boost/test/unit_test.hpp>

#include "loopback_peer.hpp"
#include "support/run_sync.hpp"
#include "transport/http_client.hpp"

using namespace awsmp;
using namespace awsmp::test;

namespace {

constexpr std::size_t limit = 64 * 1024;

// Sends one request to a peer answering `answer`; returns the error code (empty on success).
boost::system::error_code send_to(peer_answer answer) {
  loopback_peer peer([answer](const peer_request&) { return answer; });
  detail::http_client_options options;
  options.max_response_bytes = limit;
  options.timeout = std::chrono::milliseconds(5'000);
  try {
    run_sync([&](auto ex) -> awaitable<detail::http_response> {
      detail::http_client client(ex, detail::endpoint::parse(peer.url()), options);
      http_request request{boost::beast::http::verb::post, "/", 11};
      request.body() = "{}";
      request.prepare_payload();
      co_return co_await client.send(std::move(request));
    });
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(security_limits)

BOOST_AUTO_TEST_CASE(a_response_within_the_limit_is_read) {
  BOOST_TEST(!send_to(http_answer(200, std::string(limit, 'x'))));
}

BOOST_AUTO_TEST_CASE(a_declared_oversized_body_is_refused) {
  BOOST_TEST(send_to(http_answer(200, std::string(limit + 1, 'x'))) ==
             make_error_code(errc::response_too_large));
}

BOOST_AUTO_TEST_CASE(a_huge_declared_length_is_refused_without_reading_it) {
  // Claims 8 GB and sends nothing more: must fail at once, not wait for or allocate the body.
  peer_answer answer{"HTTP/1.1 200 OK\r\nContent-Length: 8589934592\r\n\r\n", false};
  BOOST_TEST(send_to(answer) == make_error_code(errc::response_too_large));
}

BOOST_AUTO_TEST_CASE(an_oversized_chunked_body_is_refused) {
  std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(16 * 1024, 'y');
  for (std::size_t sent = 0; sent <= limit; sent += chunk.size()) bytes += "4000\r\n" + chunk + "\r\n";
  bytes += "0\r\n\r\n";
  BOOST_TEST(send_to({bytes, true}) == make_error_code(errc::response_too_large));
}

BOOST_AUTO_TEST_CASE(oversized_headers_are_refused) {
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nX-Padding: " + std::string(limit * 2, 'h') + "\r\nContent-Length: 0\r\n\r\n";
  BOOST_TEST(send_to({bytes, true}) == make_error_code(errc::response_too_large));
}

BOOST_AUTO_TEST_CASE(request_bodies_of_one_megabyte_are_refused) {
  BOOST_CHECK_NO_THROW(validate_request_body_size(max_request_body_bytes - 1));
  BOOST_CHECK_THROW(validate_request_body_size(max_request_body_bytes), boost::system::system_error);
  try {
    validate_request_body_size(max_request_body_bytes + 10);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == make_error_code(errc::invalid_argument));
  }
}

BOOST_AUTO_TEST_SUITE_END()
