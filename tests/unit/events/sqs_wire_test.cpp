// The SQS request bodies byte for byte, and the decoding of SQS answers (receive count,
// oversized and corrupted bodies, batch failures).
#include "events/sqs_wire.hpp"

#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>

using namespace awsmp;
using namespace awsmp::detail;

namespace {
const std::string queue = "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events";

bool is_invalid_argument(const boost::system::system_error& e) {
  return e.code() == make_error_code(errc::invalid_argument);
}
bool is_malformed(const boost::system::system_error& e) {
  return e.code() == make_error_code(errc::malformed_message);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sqs_wire_suite)

BOOST_AUTO_TEST_CASE(targets) {
  BOOST_TEST(sqs_target_receive_message == "AmazonSQS.ReceiveMessage");
  BOOST_TEST(sqs_target_delete_message == "AmazonSQS.DeleteMessage");
  BOOST_TEST(sqs_target_delete_message_batch == "AmazonSQS.DeleteMessageBatch");
  BOOST_TEST(sqs_target_change_message_visibility == "AmazonSQS.ChangeMessageVisibility");
  BOOST_TEST(sqs_target_get_queue_url == "AmazonSQS.GetQueueUrl");
}

BOOST_AUTO_TEST_CASE(request_bytes) {
  sqs_receive_options o;
  BOOST_TEST(
      encode_receive_message(queue, o) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "AttributeNames": ["ApproximateReceiveCount"], "MessageSystemAttributeNames": ["ApproximateReceiveCount"], "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20})");
  o.max_messages = 1;
  o.wait_time_seconds = 0;
  o.visibility_timeout = 45;
  BOOST_TEST(
      encode_receive_message(queue, o) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "AttributeNames": ["ApproximateReceiveCount"], "MessageSystemAttributeNames": ["ApproximateReceiveCount"], "MaxNumberOfMessages": 1, "VisibilityTimeout": 45, "WaitTimeSeconds": 0})");
  BOOST_TEST(
      encode_delete_message(queue, "AQEB\"x/+=") ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "ReceiptHandle": "AQEB\"x/+="})");
  BOOST_TEST(
      encode_delete_message_batch(queue, {{"m0", "h0"}, {"m_1", "h1"}}) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "Entries": [{"Id": "m0", "ReceiptHandle": "h0"}, {"Id": "m_1", "ReceiptHandle": "h1"}]})");
  BOOST_TEST(
      encode_change_message_visibility(queue, "h", 0) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "ReceiptHandle": "h", "VisibilityTimeout": 0})");
  BOOST_TEST(encode_get_queue_url("mp-events", "") == R"({"QueueName": "mp-events"})");
  BOOST_TEST(encode_get_queue_url("mp-events", "123456789012") ==
             R"({"QueueName": "mp-events", "QueueOwnerAWSAccountId": "123456789012"})");
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_refused_before_sending) {
  auto receive = [](int max, int wait, std::optional<int> vis) {
    sqs_receive_options o;
    o.max_messages = max;
    o.wait_time_seconds = wait;
    o.visibility_timeout = vis;
    return encode_receive_message(queue, o);
  };
  BOOST_CHECK_EXCEPTION(receive(0, 20, {}), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(receive(11, 20, {}), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(receive(10, 21, {}), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(receive(10, -1, {}), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(receive(10, 20, 43201), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_receive_message("", {}), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_delete_message(queue, ""), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_delete_message_batch(queue, {}), boost::system::system_error,
                        is_invalid_argument);
  std::vector<sqs_delete_entry> eleven(11, sqs_delete_entry{"a", "h"});
  for (std::size_t i = 0; i < eleven.size(); ++i) eleven[i].id = "m" + std::to_string(i);
  BOOST_CHECK_EXCEPTION(encode_delete_message_batch(queue, eleven), boost::system::system_error,
                        is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_delete_message_batch(queue, {{"a", "h"}, {"a", "h2"}}),
                        boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_delete_message_batch(queue, {{"a b", "h"}}), boost::system::system_error,
                        is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_change_message_visibility(queue, "h", -1), boost::system::system_error,
                        is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_get_queue_url("", ""), boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_get_queue_url("q", "12"), boost::system::system_error, is_invalid_argument);
}

BOOST_AUTO_TEST_CASE(decode_receive) {
  BOOST_TEST(decode_receive_message("{}", 100).empty());
  const std::string body = "hello";
  const std::string answer = R"({"Messages": [
      {"MessageId": "m1", "ReceiptHandle": "r1", "MD5OfBody": ")" +
                             md5_hex(body) + R"(", "Body": "hello",
       "Attributes": {"ApproximateReceiveCount": "3"}},
      {"MessageId": "m2", "ReceiptHandle": "r2", "MD5OfBody": "00000000000000000000000000000000", "Body": "hello"},
      {"MessageId": "m3", "ReceiptHandle": "r3", "Body": "0123456789abcdef"}]})";
  const auto out = decode_receive_message(answer, 10);
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].message_id == "m1");
  BOOST_TEST(out[0].receipt_handle == "r1");
  BOOST_TEST(out[0].body == "hello");
  BOOST_TEST(out[0].receive_count == 3);
  BOOST_TEST(out[0].defect.empty());
  BOOST_TEST(out[1].body.empty());
  BOOST_TEST(out[1].defect.find("MD5") != std::string::npos);
  BOOST_TEST(out[1].receipt_handle == "r2");  // kept: the caller must be able to leave it
  BOOST_TEST(out[2].body.empty());
  BOOST_TEST(out[2].defect.find("larger") != std::string::npos);
  BOOST_TEST(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321 test suite
  BOOST_TEST(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  for (
      const char* bad :
      {"", "[]", R"({"Messages": 3})", R"({"Messages": [{"ReceiptHandle": "r", "Body": "b"}]})",
       R"({"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "Body": "b", "Attributes": {"ApproximateReceiveCount": "x"}}]})"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_CHECK_EXCEPTION(decode_receive_message(bad, 100), boost::system::system_error, is_malformed);
    }
  }
}

BOOST_AUTO_TEST_CASE(decode_batch_and_url) {
  const auto r = decode_delete_message_batch(
      R"({"Successful": [{"Id": "a"}], "Failed": [{"Id": "b", "Code": "ReceiptHandleIsInvalid", "Message": "m", "SenderFault": true}]})");
  BOOST_TEST(r.successful == std::vector<std::string>{"a"});
  BOOST_TEST_REQUIRE(r.failed.size() == 1u);
  BOOST_TEST(r.failed[0].id == "b");
  BOOST_TEST(r.failed[0].code == "ReceiptHandleIsInvalid");
  BOOST_TEST(r.failed[0].sender_fault);
  BOOST_TEST(decode_get_queue_url(R"({"QueueUrl": "https://x/1/q"})") == "https://x/1/q");
  BOOST_CHECK_EXCEPTION(decode_get_queue_url("{}"), boost::system::system_error, is_malformed);
  BOOST_CHECK_EXCEPTION(decode_delete_message_batch(R"({"Failed": [{}]})"), boost::system::system_error,
                        is_malformed);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqs_send_message_suite)

BOOST_AUTO_TEST_CASE(request_bytes_and_limits) {
  BOOST_TEST(sqs_target_send_message == "AmazonSQS.SendMessage");
  BOOST_TEST(
      encode_send_message(queue, "{\"Type\":\"Notification\"}", std::nullopt) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "MessageBody": "{\"Type\":\"Notification\"}"})");
  BOOST_TEST(
      encode_send_message(queue, "x", 5) ==
      R"({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/mp-events", "MessageBody": "x", "DelaySeconds": 5})");
  BOOST_CHECK_EXCEPTION(encode_send_message(queue, "", std::nullopt), boost::system::system_error,
                        is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_send_message(queue, std::string(sqs_max_send_bytes + 1, 'a'), std::nullopt),
                        boost::system::system_error, is_invalid_argument);
  BOOST_CHECK_EXCEPTION(encode_send_message(queue, "x", 901), boost::system::system_error,
                        is_invalid_argument);
}

BOOST_AUTO_TEST_CASE(answer_md5_is_checked) {
  const std::string body = "hello";
  const auto ok = decode_send_message(
      R"({"MessageId":"m-1","MD5OfMessageBody":")" + md5_hex(body) + R"(","SequenceNumber":"7"})", body);
  BOOST_TEST(ok.message_id == "m-1");
  BOOST_TEST(ok.sequence_number == "7");
  BOOST_CHECK_EXCEPTION(
      decode_send_message(R"({"MessageId":"m-1","MD5OfMessageBody":")" + md5_hex("other") + R"("})", body),
      boost::system::system_error, is_malformed);
  BOOST_CHECK_EXCEPTION(decode_send_message(R"({"MD5OfMessageBody":"x"})", body), boost::system::system_error,
                        is_malformed);
}

BOOST_AUTO_TEST_SUITE_END()
