// record_usage with a journal completes only after its bytes were synced, and a power cut after
// completion loses nothing (issue 15 item 11), observed through the durability shim.
#include <awsmp/token_billing_tracker.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <sstream>
#include <string>

#include "child_process.hpp"
#include "support/durability.hpp"
#include "support/fake_metering.hpp"
#include "support/manual_clock.hpp"
#include "support/run_sync.hpp"

namespace asio = boost::asio;
using awsmp::test::durable_tree;

namespace {

constexpr std::size_t calls_before_kill = 40;

awsmp::token_billing_options journal_options(const std::filesystem::path& journal) {
  awsmp::token_billing_options o;
  o.journal = journal;
  o.clock = awsmp::test::manual_clock().function();
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(journal_durability)

BOOST_AUTO_TEST_CASE(record_usage_completes_after_the_sync_and_survives_a_power_cut) {
  durable_tree tree;
  const auto journal = tree.path() / "usage.journal";
  // Child: record usage forever; after each completed call report "customer tokens durable syncs".
  durability::writer_child child([&](const durability::writer_child::report_fn& report) {
    asio::io_context io;
    awsmp::test::fake_metering metering;
    awsmp::token_billing_tracker tracker(io.get_executor(), "prod-durable", metering,
                                         journal_options(journal));
    for (int i = 0;; ++i) {
      const std::string customer = "cust-" + std::to_string(i % 3);
      awsmp::test::run_sync(io, tracker.record_usage(customer, 1000 + i, 7));
      report(customer + " " + std::to_string(1000 + i + 7) + " " +
             std::to_string(durable_tree::is_durable(journal)) + " " +
             std::to_string(durable_tree::syncs(journal)));
    }
  });
  const auto reports = child.kill_after(calls_before_kill);
  BOOST_REQUIRE(reports.size() >= calls_before_kill);

  std::map<std::string, std::int64_t> acknowledged;
  unsigned long last_syncs = 0;
  for (const auto& line : reports) {
    std::istringstream in(line);
    std::string customer;
    std::int64_t tokens = 0;
    int durable = 0;
    unsigned long syncs = 0;
    in >> customer >> tokens >> durable >> syncs;
    acknowledged[customer] += tokens;
    BOOST_TEST(durable == 1, "record_usage completed before its journal bytes were synced: " << line);
    BOOST_TEST(syncs > last_syncs, "no new fdatasync of the journal before completion: " << line);
    last_syncs = syncs;
  }

  durable_tree::power_loss();
  asio::io_context io;
  awsmp::test::fake_metering metering;
  awsmp::token_billing_tracker recovered(io.get_executor(), "prod-durable", metering,
                                         journal_options(journal));
  std::map<std::string, std::int64_t> found;
  for (const auto& r : awsmp::test::run_sync(io, recovered.snapshot()))
    found[r.customer_identifier] = r.total_tokens;
  std::int64_t extra = 0;
  for (const auto& [customer, tokens] : acknowledged) {
    BOOST_TEST(found[customer] >= tokens, customer << ": acknowledged usage lost in the power cut");
    extra += found[customer] - tokens;
  }
  // At most the one call that completed after the last report read may have been added.
  BOOST_TEST(extra <= 1000 + static_cast<std::int64_t>(reports.size()) + 7);
  BOOST_TEST(metering.batches().empty());
}

BOOST_AUTO_TEST_SUITE_END()
