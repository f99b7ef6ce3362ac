// A moto server (AWS service emulator, here for DynamoDB) on a free loopback port, started by a
// test fixture and stopped when it is destroyed. When moto cannot be started the constructor
// throws with an install hint: tests that need it FAIL, they never skip.
#pragma once

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>

extern char** environ;

namespace awsmp::test {

/// One moto server process; not copyable. Throws std::runtime_error (with how to install moto)
/// when it does not report ready within 120 s (importing moto on a loaded 2-core machine under
/// sanitizers is slow).
class moto_server {
 public:
  /// Runs `launcher` (tests/support/moto_server.py by default): a script that prints
  /// "READY <port> [words...]" once it serves, anything else when it cannot, and stops when its
  /// stdin closes.
  explicit moto_server(std::string launcher = std::string(AWSMP_TEST_SOURCE_DIR) +
                                              "/support/moto_server.py") {
    int in[2], out[2];
    if (::pipe(in) != 0) throw std::runtime_error("moto_server: pipe failed");
    if (::pipe(out) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      throw std::runtime_error("moto_server: pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string python = AWSMP_PYTHON;
    char* argv[] = {python.data(), launcher.data(), nullptr};
    const int rc = ::posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      stop();
      throw std::runtime_error("cannot start " + python + " for moto_server. " + install_hint());
    }
    const std::string line = read_line(std::chrono::seconds(120));
    if (line.rfind("READY ", 0) != 0) {
      stop();
      throw std::runtime_error("moto_server did not start (" +
                               (line.empty() ? std::string("no answer") : line) + "). " + install_hint());
    }
    port_ = static_cast<unsigned short>(std::stoi(line.substr(6)));
    ready_line_ = line;
  }

  ~moto_server() { stop(); }
  moto_server(const moto_server&) = delete;
  moto_server& operator=(const moto_server&) = delete;

  /// The loopback port moto listens on.
  unsigned short port() const { return port_; }
  /// http://127.0.0.1:<port>, for client_options::endpoint.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// The launcher's READY line ("READY <port> [words...]"), for launchers that report more.
  const std::string& ready_line() const { return ready_line_; }

  /// What to do when moto is missing.
  static std::string install_hint() {
    return "moto's server is required (Python package moto[server] >= 5.2): run scripts/setup.sh or "
           "`python3 -m pip install 'moto[server]>=5.2'`";
  }

 private:
  std::string read_line(std::chrono::milliseconds limit) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char c = 0;
      if (::read(stdout_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  void stop() {
    if (stdin_ >= 0) {
      ::close(stdin_);  // the launcher's cue to stop
      stdin_ = -1;
    }
    if (pid_ > 0) {
      for (int i = 0; i < 100 && pid_ > 0; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_)
          pid_ = -1;
        else
          ::usleep(50'000);
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    if (stdout_ >= 0) {
      ::close(stdout_);
      stdout_ = -1;
    }
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  unsigned short port_ = 0;
  std::string ready_line_;
};

}  // namespace awsmp::test
