// Test support: moto's server as a child process (tests/integration/events/moto_sqs_launcher.py)
// and a raw SQS caller for the operations sqs_client does not offer (CreateQueue, SendMessage).
// A missing moto FAILS the test: it is installed wherever these tests run.
#pragma once

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <sstream>
#include <stdexcept>
#include <string>

#include "transport/aws_json_client.hpp"
#include "unit/events/run_sync.hpp"

extern char** environ;

namespace events_test {

class moto_server {
 public:
  moto_server() {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string python = AWSMP_PYTHON;
    std::string script = std::string(AWSMP_TEST_SOURCE_DIR) + "/integration/events/moto_sqs_launcher.py";
    char* argv[] = {python.data(), script.data(), nullptr};
    const int rc = ::posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + python);
    }
    std::istringstream line(read_line());
    std::string word;
    line >> word >> port_;
    if (word != "READY" || port_.empty()) throw std::runtime_error("moto did not start: " + line.str());
  }
  ~moto_server() {
    if (stdin_ >= 0) ::close(stdin_);  // the launcher's cue to stop
    if (pid_ > 0) {
      for (int i = 0; i < 100 && pid_ > 0; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_)
          pid_ = -1;
        else
          ::usleep(100'000);
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (stdout_ >= 0) ::close(stdout_);
  }
  moto_server(const moto_server&) = delete;
  moto_server& operator=(const moto_server&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + port_; }

  /// One per test process: starting moto takes seconds.
  static moto_server& get() {
    static moto_server server;
    return server;
  }

 private:
  std::string read_line() {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char c;
      if (::read(stdout_, &c, 1) != 1) break;
      if (c == '\n') return out;
      out.push_back(c);
    }
    return out;
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string port_;
};

/// Static test credentials for moto (which does not enforce signatures by default).
struct moto_signer {
  awsmp::static_credentials_provider provider{awsmp::credentials{"AKIDEXAMPLE", "secret", "", std::nullopt}};
  awsmp::sigv4_signer signer{provider, "us-east-1", "sqs"};
};

inline awsmp::client_options moto_options() {
  awsmp::client_options o;
  o.endpoint = moto_server::get().endpoint();
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
