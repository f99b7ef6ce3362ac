// sqs_client against moto's SQS (AWS JSON 1.0 on loopback): the whole receive / change
// visibility / delete cycle, batches, the receive count, oversized bodies and AWS errors.
#include <awsmp/error.hpp>
#include <awsmp/sqs_client.hpp>
#include <boost/test/unit_test.hpp>
#include <random>

#include "integration/events/moto_sqs.hpp"

using namespace awsmp;
using namespace events_test;

namespace {

std::string unique_name(const std::string& base) {
  static std::mt19937_64 rng{std::random_device{}()};
  return base + "-" + std::to_string(rng() % 1000000000);
}

template <class T>
T on_client(std::function<awaitable<T>(sqs_client&)> op,
            std::size_t max_bytes = sqs_client::default_max_message_bytes) {
  moto_signer s;
  boost::asio::io_context io;
  sqs_client client(io.get_executor(), s.signer, moto_options(), max_bytes);
  auto f = boost::asio::co_spawn(io, op(client), boost::asio::use_future);
  io.run();
  return f.get();
}

sqs_receive_options quick(int max = 10) {
  sqs_receive_options o;
  o.max_messages = max;
  o.wait_time_seconds = 1;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqs_client_moto)

BOOST_AUTO_TEST_CASE(receive_change_visibility_delete) {
  const auto name = unique_name("events-cycle");
  const auto url = create_queue(name);
  BOOST_TEST(on_client<std::string>([&](sqs_client& c) { return c.get_queue_url(name); }) == url);
  const std::string body = R"({"Type": "Notification", "Message": "h\u00e9llo"})";
  send_message(url, body);
  auto first =
      on_client<std::vector<sqs_message>>([&](sqs_client& c) { return c.receive_message(url, quick()); });
  BOOST_TEST_REQUIRE(first.size() == 1u);
  BOOST_TEST(first[0].body == body);
  BOOST_TEST(first[0].defect.empty());
  BOOST_TEST(first[0].receive_count == 1);
  BOOST_TEST(!first[0].receipt_handle.empty());
  // Visible again at once: the second delivery counts 2.
  on_client<void>(
      [&](sqs_client& c) { return c.change_message_visibility(url, first[0].receipt_handle, 0); });
  auto second =
      on_client<std::vector<sqs_message>>([&](sqs_client& c) { return c.receive_message(url, quick()); });
  BOOST_TEST_REQUIRE(second.size() == 1u);
  BOOST_TEST(second[0].receive_count == 2);
  BOOST_TEST(second[0].message_id == first[0].message_id);
  on_client<void>([&](sqs_client& c) { return c.delete_message(url, second[0].receipt_handle); });
  BOOST_TEST(on_client<std::vector<sqs_message>>([&](sqs_client& c) {
               return c.receive_message(url, quick());
             }).empty());
}

BOOST_AUTO_TEST_CASE(delete_batch) {
  const auto url = create_queue(unique_name("events-batch"));
  for (int i = 0; i < 3; ++i) send_message(url, "m" + std::to_string(i));
  std::vector<sqs_message> got;
  for (int round = 0; round < 5 && got.size() < 3; ++round) {
    auto more =
        on_client<std::vector<sqs_message>>([&](sqs_client& c) { return c.receive_message(url, quick()); });
    got.insert(got.end(), more.begin(), more.end());
  }
  BOOST_TEST_REQUIRE(got.size() == 3u);
  std::vector<sqs_delete_entry> entries;
  for (std::size_t i = 0; i < got.size(); ++i)
    entries.push_back({"e" + std::to_string(i), got[i].receipt_handle});
  const auto result =
      on_client<sqs_delete_batch_result>([&](sqs_client& c) { return c.delete_message_batch(url, entries); });
  BOOST_TEST(result.successful.size() == 3u);
  BOOST_TEST(result.failed.empty());
  BOOST_TEST(on_client<std::vector<sqs_message>>([&](sqs_client& c) {
               return c.receive_message(url, quick());
             }).empty());
}

BOOST_AUTO_TEST_CASE(oversized_message_is_withheld_but_keeps_its_handle) {
  const auto url = create_queue(unique_name("events-big"));
  send_message(url, std::string(300, 'x'));
  auto got = on_client<std::vector<sqs_message>>(
      [&](sqs_client& c) { return c.receive_message(url, quick()); }, 256);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].body.empty());
  BOOST_TEST(!got[0].defect.empty());
  BOOST_TEST(!got[0].receipt_handle.empty());
}

BOOST_AUTO_TEST_CASE(unknown_queue_is_an_aws_error) {
  try {
    on_client<std::string>([&](sqs_client& c) { return c.get_queue_url(unique_name("no-such-queue")); });
    BOOST_ERROR("no error");
  } catch (const aws_error& e) {
    BOOST_TEST(e.http_status() == 400u);
    const bool named = e.type().find("NonExistentQueue") != std::string::npos ||
                       e.type().find("QueueDoesNotExist") != std::string::npos;
    BOOST_TEST(named, e.type());
  }
}

BOOST_AUTO_TEST_CASE(a_wait_as_long_as_the_timeout_is_refused) {
  moto_signer s;
  boost::asio::io_context io;
  auto o = moto_options();
  o.timeout = std::chrono::seconds{10};
  sqs_client client(io.get_executor(), s.signer, o);
  sqs_receive_options r;
  r.wait_time_seconds = 20;
  auto f =
      boost::asio::co_spawn(io, client.receive_message("http://127.0.0.1:1/q", r), boost::asio::use_future);
  io.run();
  BOOST_CHECK_THROW(f.get(), boost::system::system_error);
  BOOST_TEST(client.stats().requests == 0u);  // refused before anything was sent
}

BOOST_AUTO_TEST_SUITE_END()
