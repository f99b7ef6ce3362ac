// Input validation of identifiers that cross a trust boundary: registration tokens (from the
// buyer's browser) and customer ids (store keys, log fields). Bad ones are refused with
// errc::invalid_argument naming the field, before anything is sent or stored, and a refused
// token is never quoted back. The emulator binds loopback unless told otherwise.
#include <awsmp/entitlement_store.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/validation.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "loopback_peer.hpp"
#include "security_support.hpp"
#include "support/run_sync.hpp"

using namespace awsmp;
using namespace awsmp::test;

namespace {

// Expects errc::invalid_argument whose message names `field` and does not quote `value`.
template <class F>
void expect_refused(F&& f, std::string_view field, const std::string& value, bool value_is_secret) {
  try {
    f();
    BOOST_ERROR("accepted a bad " << field);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == make_error_code(errc::invalid_argument), e.what());
    BOOST_TEST(std::string_view(e.what()).find(field) != std::string_view::npos,
               "message names the field: " << e.what());
    if (value_is_secret && value.size() >= 8)
      BOOST_TEST(std::string_view(e.what()).find(value) == std::string_view::npos,
                 "message quotes the token");
  }
}

std::vector<std::string> bad_tokens() {
  const std::string base(registration_token);
  return {"",
          std::string(4097, 'a'),
          base + " tail",
          base + "\n",
          base + std::string(1, '\0') + "x",
          base + "\x7f",
          base + "\xc3\xa9",
          "\r\nX-Injected: 1"};
}

std::vector<std::string> bad_ids() {
  return {"",           std::string(256, 'c'), "cust\n1", "cust\r", std::string("cu\0st", 5), "cust\x1b[31m",
          "bad\xff\xfe"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(security_validation)

BOOST_AUTO_TEST_CASE(registration_tokens_are_checked_and_never_quoted) {
  for (const auto& token : bad_tokens())
    expect_refused([&] { validate(resolve_customer_input{token}); }, "RegistrationToken", token, true);
  BOOST_CHECK_NO_THROW(validate(resolve_customer_input{std::string(registration_token)}));
  BOOST_CHECK_NO_THROW(validate(resolve_customer_input{std::string(4096, 'a')}));
}

BOOST_AUTO_TEST_CASE(a_bad_token_is_refused_before_anything_is_sent) {
  loopback_peer peer([](const peer_request&) { return http_answer(200, "{}"); });
  static_credentials_provider provider(
      {"AKIDSECURITYTEST", std::string(secret_access_key), {}, std::nullopt});
  sigv4_signer signer(provider, "us-east-1");
  client_options options;
  options.endpoint = peer.url();
  for (const auto& token : bad_tokens()) {
    expect_refused(
        [&] {
          run_sync([&](auto ex) -> awaitable<resolve_customer_output> {
            metering_client client(ex, signer, options);
            co_return co_await client.resolve_customer(token);
          });
        },
        "RegistrationToken", token, true);
  }
  BOOST_TEST(peer.requests().empty(), "a refused token reached the network");
}

BOOST_AUTO_TEST_CASE(customer_ids_are_checked) {
  for (const auto& id : bad_ids())
    expect_refused([&] { validate_identifier("CustomerIdentifier", id); }, "CustomerIdentifier", id, false);
  BOOST_CHECK_NO_THROW(validate_identifier("CustomerIdentifier", std::string(255, 'c')));
  BOOST_CHECK_NO_THROW(validate_identifier("CustomerIdentifier", "cust-\xc3\xa9t\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(stores_refuse_bad_ids_before_storing) {
  for (const auto& id : bad_ids()) {
    run_sync([&](auto ex) -> awaitable<void> {
      memory_subscription_store subscriptions(ex);
      memory_entitlement_store entitlements(ex);
      subscription sub;
      sub.customer_identifier = id;
      sub.product_code = "prod-1";
      bool refused = false;
      try {
        co_await subscriptions.put(sub);
      } catch (const boost::system::system_error& e) {
        refused = e.code() == make_error_code(errc::invalid_argument);
      }
      BOOST_TEST(refused, "subscription store accepted a bad id");
      const auto stored = co_await subscriptions.list(subscription_status::pending);
      BOOST_TEST(stored.empty());
      refused = false;
      try {
        entitlement ent;
        ent.customer_identifier = id;
        ent.product_code = "prod-1";
        ent.dimension = "seats";
        ent.value = 1;
        co_await entitlements.put(ent);
      } catch (const boost::system::system_error& e) {
        refused = e.code() == make_error_code(errc::invalid_argument);
      }
      BOOST_TEST(refused, "entitlement store accepted a bad id");
    });
  }
}

BOOST_AUTO_TEST_CASE(the_emulator_binds_loopback_unless_told_otherwise) {
  testing::emulator_options defaults;
  BOOST_TEST(defaults.bind_address == "127.0.0.1");
  BOOST_TEST(!defaults.allow_non_loopback);
  for (const std::string& address :
       std::vector<std::string>{"0.0.0.0", "::", "192.168.1.10", "example.com"}) {
    testing::emulator_options options;
    options.bind_address = address;
    options.tls = false;
    bool refused = false;
    try {
      testing::marketplace_emulator emulator(options);
      emulator.start();
      emulator.stop();
    } catch (const boost::system::system_error& e) {
      refused = e.code() == make_error_code(errc::invalid_argument);
    }
    BOOST_TEST(refused, "the emulator bound " << address << " without allow_non_loopback");
  }
  testing::emulator_options options;
  options.tls = false;
  testing::marketplace_emulator emulator(options);
  emulator.start();
  BOOST_TEST(emulator.endpoint().rfind("http://127.0.0.1:", 0) == 0u, emulator.endpoint());
  emulator.stop();
}

BOOST_AUTO_TEST_SUITE_END()
