// The durable store across process boundaries: reopening after a clean exit, and after a
// writer child is killed with SIGKILL in the middle of its writes.
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>

#include "unit/state/state_test_support.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string customer(int i) {
  return "customer-" + std::to_string(i);
}

entitlement row(int i) {
  return entitlement{customer(i), "prod-1", "tokens_1m", i + 1,
                     time_point(std::chrono::seconds(1'700'000'000 + i))};
}

subscription sub(int i) {
  subscription s;
  s.customer_identifier = customer(i);
  s.product_code = "prod-1";
  s.status = (i % 2) ? subscription_status::active : subscription_status::unsubscribed;
  s.subscribed_at = time_point(std::chrono::seconds(1'700'000'000 + i));
  if (i % 2 == 0) s.unsubscribed_at = s.subscribed_at + 1h;
  return s;
}

// The child: writes rows `first`, `first+1`, ... forever and reports each one on `ack_fd`
// only after its put returned (i.e. after the commit). It never returns.
[[noreturn]] void writer_child(const fs::path& path, sqlite_synchronous sync, int first, int ack_fd) {
  try {
    asio::io_context ctx;
    auto o = awsmp::test::sqlite_options(path);
    o.synchronous = sync;
    o.quick_check_on_open = false;
    sqlite_store store(ctx.get_executor(), o);
    for (int i = first;; ++i) {
      run_sync(ctx, store.entitlements().put(row(i)));
      run_sync(ctx, store.subscriptions().put(sub(i)));
      const std::string line = std::to_string(i) + "\n";
      if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer child: %s\n", e.what());
  }
  ::_exit(2);
}

// Reads acknowledgements until at least `wanted` arrived (or 20 s passed), kills the child
// with SIGKILL, then collects whatever acknowledgements were already in the pipe.
int kill_after_acks(pid_t child, int ack_fd, int wanted) {
  std::string buffer;
  int last = -1, acks = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto consume = [&](int timeout_ms) {
    pollfd p{ack_fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::read(ack_fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
      last = std::stoi(buffer.substr(0, nl));
      ++acks;
    }
    return true;
  };
  while (acks < wanted && std::chrono::steady_clock::now() < deadline) consume(100);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(WIFSIGNALED(status), "the child was killed, it did not exit on its own");
  while (consume(0)) {
  }
  BOOST_TEST_MESSAGE("child acknowledged " << acks << " writes before SIGKILL");
  return last;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_durability)

BOOST_AUTO_TEST_CASE(rows_survive_a_clean_restart) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "state.db";
  for (auto sync : {sqlite_synchronous::full, sqlite_synchronous::normal}) {
    fs::remove(path);
    {
      asio::io_context ctx;
      auto o = awsmp::test::sqlite_options(path);
      o.synchronous = sync;
      sqlite_store store(ctx.get_executor(), o);
      for (int i = 0; i < 50; ++i) {
        run_sync(ctx, store.entitlements().put(row(i)));
        run_sync(ctx, store.subscriptions().put(sub(i)));
      }
      run_sync(ctx, store.entitlements().erase(customer(7), "tokens_1m"));
    }
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    for (int i = 0; i < 50; ++i) {
      const auto got = run_sync(ctx, store.entitlements().get(customer(i), "tokens_1m"));
      if (i == 7) {
        BOOST_TEST(!got.has_value(), "the erase survived too");
        continue;
      }
      BOOST_REQUIRE(got.has_value());
      BOOST_TEST((*got == row(i)));
      BOOST_TEST(
          (run_sync(ctx, store.subscriptions().get(customer(i))) == std::optional<subscription>(sub(i))));
    }
    BOOST_TEST(run_sync(ctx, store.subscriptions().list(subscription_status::active)).size() == 25u);
  }
}

BOOST_AUTO_TEST_CASE(acknowledged_writes_survive_kill_9_of_the_writer) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "state.db";
  {
    asio::io_context ctx;
    sqlite_store create(ctx.get_executor(), awsmp::test::sqlite_options(path));
  }
  int first = 0;
  // Three rounds, alternating durability modes: each one is recovered by the next child.
  for (int round = 0; round < 3; ++round) {
    const auto sync = round % 2 ? sqlite_synchronous::normal : sqlite_synchronous::full;
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      writer_child(path, sync, first, fds[1]);
    }
    ::close(fds[1]);
    const int last = kill_after_acks(child, fds[0], 150);
    ::close(fds[0]);
    BOOST_REQUIRE_MESSAGE(last >= first, "the child acknowledged at least one write");

    // Opening runs quick_check: the file must be intact, not merely readable.
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    int missing = 0;
    for (int i = 0; i <= last; ++i) {
      const auto e = run_sync(ctx, store.entitlements().get(customer(i), "tokens_1m"));
      const auto s = run_sync(ctx, store.subscriptions().get(customer(i)));
      if (!e || !(*e == row(i)) || !s || !(*s == sub(i))) ++missing;
    }
    BOOST_TEST(missing == 0, "every acknowledged write of rounds 0.." << round << " is there");
    // At most the one write in flight at the kill may exist beyond the last acknowledgement.
    BOOST_TEST(!run_sync(ctx, store.entitlements().get(customer(last + 2), "tokens_1m")).has_value());
    run_sync(ctx, store.entitlements().put(row(last + 1000)));  // and the store still takes writes
    first = last + 1;
  }
}

BOOST_AUTO_TEST_SUITE_END()
