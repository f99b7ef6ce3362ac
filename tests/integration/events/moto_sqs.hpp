// Test support: moto's server (tests/support/moto_server.hpp) and a raw SQS caller for the operations
// sqs_client does not offer (CreateQueue, SendMessage). A missing moto FAILS the test: it is installed
// wherever these tests run.
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/moto_server.hpp"
#include "transport/aws_json_client.hpp"
#include "unit/events/run_sync.hpp"

namespace events_test {

/// One moto server per test process (starting moto takes seconds): the shared fixture of
/// tests/support/moto_server.hpp, which fails with an install hint when moto is missing.
inline awsmp::test::moto_server& moto() {
  static awsmp::test::moto_server server;
  return server;
}

/// Static test credentials for moto (which does not enforce signatures by default).
struct moto_signer {
  awsmp::static_credentials_provider provider{awsmp::credentials{"AKIDEXAMPLE", "secret", "", std::nullopt}};
  awsmp::sigv4_signer signer{provider, "us-east-1", "sqs"};
};

inline awsmp::client_options moto_options() {
  awsmp::client_options o;
  o.endpoint = moto().url();
  o.timeout = std::chrono::seconds{30};
  o.max_attempts = 1;
  return o;
}

/// Calls an SQS operation directly (for the ones sqs_client does not have) and returns the answer.
inline boost::json::object sqs_call(const std::string& op, const boost::json::object& request) {
  moto_signer s;
  boost::asio::io_context io;
  awsmp::detail::aws_json_client client(io.get_executor(), s.signer, moto_options(), "unused",
                                        "application/x-amz-json-1.0");
  std::string target = "AmazonSQS." + op;
  std::string body = boost::json::serialize(request);
  auto f =
      boost::asio::co_spawn(io, client.call(std::move(target), std::move(body)), boost::asio::use_future);
  io.run();
  const auto answer = f.get();
  return answer.empty() ? boost::json::object{} : boost::json::parse(answer).as_object();
}

/// Creates a queue (with optional attributes) and returns its URL.
inline std::string create_queue(const std::string& name, boost::json::object attributes = {}) {
  boost::json::object req{{"QueueName", name}};
  if (!attributes.empty()) req["Attributes"] = std::move(attributes);
  return std::string(sqs_call("CreateQueue", req).at("QueueUrl").as_string());
}

inline void send_message(const std::string& queue_url, const std::string& body) {
  sqs_call("SendMessage", boost::json::object{{"QueueUrl", queue_url}, {"MessageBody", body}});
}

}  // namespace events_test
