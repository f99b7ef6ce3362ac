// A writer child for the power-cut tests: forked, it reports each completed write on a pipe and
// is killed with SIGKILL by the parent after enough reports; the parent then cuts the power.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace durability {

/// A forked child that runs `body(report)`; `report(line)` sends one line to the parent.
class writer_child {
 public:
  using report_fn = std::function<void(const std::string&)>;

  explicit writer_child(const std::function<void(const report_fn&)>& body) {
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(fds[0]);
      const int out = fds[1];
      try {
        body([out](const std::string& line) {
          const std::string l = line + "\n";
          if (::write(out, l.data(), l.size()) != static_cast<ssize_t>(l.size())) ::_exit(3);
        });
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer child: %s\n", e.what());
        ::_exit(2);
      }
      ::pause();  // wait for the SIGKILL: never exit on our own (exit could flush or sync)
      ::_exit(4);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~writer_child() {
    if (pid_ > 0) kill();
    if (fd_ >= 0) ::close(fd_);
  }
  writer_child(const writer_child&) = delete;
  writer_child& operator=(const writer_child&) = delete;

  /// Reads reports until `wanted` arrived (bounded: 120 s, generous for a loaded machine; the
  /// bound only stops a broken child from hanging the suite), SIGKILLs the child, and returns
  /// every report received, those still in the pipe included.
  std::vector<std::string> kill_after(std::size_t wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (lines_.size() < wanted && std::chrono::steady_clock::now() < deadline)
      if (!consume(100) && exited_) break;
    kill();
    while (consume(0)) {
    }
    BOOST_TEST_MESSAGE("the child reported " << lines_.size() << " completed writes before SIGKILL");
    return lines_;
  }

 private:
  void kill() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
               "the child died of SIGKILL, status " << status);
    pid_ = -1;
  }
  bool consume(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) {
      exited_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buffer_.find('\n')) != std::string::npos; buffer_.erase(0, nl + 1))
      lines_.push_back(buffer_.substr(0, nl));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string buffer_;
  std::vector<std::string> lines_;
};

}  // namespace durability
