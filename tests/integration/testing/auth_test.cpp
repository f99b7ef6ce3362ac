// SigV4 verification of the emulator: every refusal answers AWS's error type and status, and
// nothing of a refused request is processed.
#include "emulator_fixture.hpp"

using namespace emu_test;

namespace {
const std::string resolve_body = R"({"RegistrationToken":"token-1"})";
}

BOOST_AUTO_TEST_SUITE(emulator_auth)

BOOST_AUTO_TEST_CASE(a_correct_signature_passes_and_each_broken_one_is_refused) {
  emulator_fixture f;
  BOOST_TEST(f.send(f.make_request(wire::target_resolve_customer, resolve_body)).status == 200u);

  const auto unsigned_request = f.send(f.make_request(wire::target_resolve_customer, resolve_body), std::nullopt);
  BOOST_TEST(unsigned_request.status == 403u);
  BOOST_TEST(unsigned_request.type() == "MissingAuthenticationTokenException");

  const auto wrong_secret = f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                                   credentials{access_key, "not-the-secret", "", {}});
  BOOST_TEST(wrong_secret.status == 403u);
  BOOST_TEST(wrong_secret.type() == "InvalidSignatureException");

  const auto unknown_key = f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                                  credentials{"AKIDUNKNOWN", secret_key, "", {}});
  BOOST_TEST(unknown_key.status == 403u);
  BOOST_TEST(unknown_key.type() == "UnrecognizedClientException");

  const auto wrong_service = f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                                    credentials{access_key, secret_key, "", {}}, std::nullopt, "execute-api");
  BOOST_TEST(wrong_service.type() == "InvalidSignatureException");
  BOOST_TEST(wrong_service.body.find("aws-marketplace") != std::string::npos);

  const auto stale = f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                            credentials{access_key, secret_key, "", {}}, f.clock.now() - 16min);
  BOOST_TEST(stale.type() == "InvalidSignatureException");
  BOOST_TEST(stale.body.find("Signature expired") != std::string::npos);
  const auto early = f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                            credentials{access_key, secret_key, "", {}}, f.clock.now() + 16min);
  BOOST_TEST(early.type() == "InvalidSignatureException");
  // Within the 15 minutes either way, a signature is fine.
  BOOST_TEST(f.send(f.make_request(wire::target_resolve_customer, resolve_body),
                    credentials{access_key, secret_key, "", {}}, f.clock.now() - 14min).status == 200u);

  BOOST_TEST(f.emulator->stats().auth_failures == 6u);
}

BOOST_AUTO_TEST_CASE(tampering_after_signing_is_detected) {
  emulator_fixture f;
  auto sign = [&f](http_request& r) {
    sigv4::sign(r, credentials{access_key, secret_key, "", {}}, "us-east-1", "aws-marketplace", f.clock.now());
  };
  const std::string body = "{\"ProductCode\":\"prod-abc\",\"UsageRecords\":[{\"CustomerIdentifier\":\"cust-1\","
                           "\"Dimension\":\"tokens_1m\",\"Quantity\":1,\"Timestamp\":" + epoch(f.clock.now()) + "}]}";
  // The body changed after signing: a quantity of 1 becomes 9.
  auto req = f.make_request(wire::target_batch_meter_usage, body);
  sign(req);
  req.body() = body.substr(0, body.find("\"Quantity\":1")) + "\"Quantity\":9" + body.substr(body.find("\"Quantity\":1") + 12);
  req.prepare_payload();
  const auto tampered = f.send(std::move(req), std::nullopt);
  BOOST_TEST(tampered.type() == "InvalidSignatureException");

  // A signed header changed after signing.
  auto target_swap = f.make_request(wire::target_batch_meter_usage, body);
  sign(target_swap);
  target_swap.set("X-Amz-Target", wire::target_meter_usage);
  BOOST_TEST(f.send(std::move(target_swap), std::nullopt).type() == "InvalidSignatureException");

  // A content hash header that lies about the body.
  auto lying_hash = f.make_request(wire::target_batch_meter_usage, body, [](http_request& r) {
    r.set("x-amz-content-sha256", std::string(64, '0'));
  });
  sign(lying_hash);
  BOOST_TEST(f.send(std::move(lying_hash), std::nullopt).type() == "InvalidSignatureException");

  BOOST_TEST(f.emulator->accepted_records().empty());
}

BOOST_AUTO_TEST_CASE(malformed_authorization_headers_are_incomplete_signatures) {
  emulator_fixture f;
  auto with_auth = [&f](std::string value, bool with_date = true) {
    return f.send(f.make_request(wire::target_resolve_customer, resolve_body,
                                 [&](http_request& r) {
                                   r.set(http::field::authorization, value);
                                   if (with_date) r.set("X-Amz-Date", "20260115T120030Z");
                                 }),
                  std::nullopt);
  };
  const auto no_signature = with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host");
  BOOST_TEST(no_signature.status == 400u);
  BOOST_TEST(no_signature.type() == "IncompleteSignatureException");
  BOOST_TEST(with_auth("Basic dXNlcjpwYXNz").type() == "IncompleteSignatureException");
  BOOST_TEST(with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115, SignedHeaders=host, Signature=00").type() ==
             "IncompleteSignatureException");
  BOOST_TEST(with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/aws-marketplace/aws4_request, "
                       "SignedHeaders=host, Signature=00",
                       false)
                 .type() == "IncompleteSignatureException");
  // Scope date and X-Amz-Date disagree; host not signed.
  BOOST_TEST(with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260114/us-east-1/aws-marketplace/aws4_request, "
                       "SignedHeaders=host;x-amz-date, Signature=00")
                 .type() == "InvalidSignatureException");
  BOOST_TEST(with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/aws-marketplace/aws4_request, "
                       "SignedHeaders=x-amz-date, Signature=00")
                 .type() == "InvalidSignatureException");
}

BOOST_AUTO_TEST_CASE(a_configured_region_must_match_the_scope) {
  emulator_fixture f([](testing::emulator_options& o) { o.region = "eu-west-1"; });
  const auto a = f.send(f.make_request(wire::target_resolve_customer, resolve_body));  // signed for us-east-1
  BOOST_TEST(a.type() == "InvalidSignatureException");
  BOOST_TEST(a.body.find("region") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verification_can_be_switched_off) {
  emulator_fixture f([](testing::emulator_options& o) { o.verify_signatures = false; });
  BOOST_TEST(f.send(f.make_request(wire::target_resolve_customer, resolve_body), std::nullopt).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
