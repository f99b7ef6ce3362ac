// The SQLite store's acknowledged writes survive a power cut (issue 15 item 11), observed
// through the durability shim. synchronous=NORMAL, which SQLite documents as not durable in WAL
// mode, is the control: the shim must see it lose acknowledged rows, or it observes nothing.
#include <awsmp/sqlite_store.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

#include "child_process.hpp"
#include "support/durability.hpp"
#include "support/run_sync.hpp"

namespace asio = boost::asio;
using awsmp::test::durable_tree;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t puts_before_kill = 30;

awsmp::entitlement row(int i) {
  return awsmp::entitlement{"customer-" + std::to_string(i), "prod-1", "tokens_1m", i + 1,
                            awsmp::time_point(std::chrono::seconds(1'700'000'000 + i))};
}

awsmp::sqlite_store_options options(const std::filesystem::path& path, awsmp::sqlite_synchronous sync) {
  awsmp::sqlite_store_options o;
  o.path = path;
  o.synchronous = sync;
  return o;
}

/// Runs a writer child with `sync`, kills it, cuts the power and returns (acknowledged rows,
/// acknowledged rows found again).
std::pair<int, int> put_kill_cut_count(const durable_tree& tree, awsmp::sqlite_synchronous sync) {
  const auto path = tree.path() / "state.db";
  {
    // The database exists (and is synced) before the child starts, as at a service's start.
    asio::io_context io;
    awsmp::sqlite_store create(io.get_executor(), options(path, awsmp::sqlite_synchronous::full));
  }
  durability::writer_child child([&](const durability::writer_child::report_fn& report) {
    asio::io_context io;
    awsmp::sqlite_store store(io.get_executor(), options(path, sync));
    for (int i = 0;; ++i) {
      auto r = row(i);
      awsmp::test::run_sync(io, store.entitlements().put(std::move(r)));
      report(std::to_string(i));
    }
  });
  const auto reports = child.kill_after(puts_before_kill);
  BOOST_REQUIRE(reports.size() >= puts_before_kill);
  durable_tree::power_loss();

  asio::io_context io;
  awsmp::sqlite_store store(io.get_executor(), options(path, awsmp::sqlite_synchronous::full));
  int found = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto got =
        awsmp::test::run_sync(io, store.entitlements().get("customer-" + std::to_string(i), "tokens_1m"));
    if (got && *got == row(static_cast<int>(i))) ++found;
  }
  return {static_cast<int>(reports.size()), found};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_durability_observed)

BOOST_AUTO_TEST_CASE(synchronous_full_keeps_every_acknowledged_row) {
  durable_tree tree;
  const auto [acknowledged, found] = put_kill_cut_count(tree, awsmp::sqlite_synchronous::full);
  BOOST_TEST(found == acknowledged, "acknowledged rows lost in the power cut");
}

BOOST_AUTO_TEST_CASE(synchronous_normal_is_seen_to_lose_rows) {
  durable_tree tree;
  const auto [acknowledged, found] = put_kill_cut_count(tree, awsmp::sqlite_synchronous::normal);
  BOOST_TEST(found < acknowledged, "the shim did not observe SQLite's unsynced WAL commits");
}

BOOST_AUTO_TEST_SUITE_END()
