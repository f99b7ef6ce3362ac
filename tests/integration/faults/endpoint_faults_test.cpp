// Endpoint faults end to end: a host name that cannot resolve, a server certificate from an
// unknown CA, and a certificate for another host. Each must fail the flush at once with a clear
// error (no retry storm: such errors would fail the same way again), keep every record pending
// unchanged, and bill it exactly once when a later flush reaches a good endpoint.
#include <atomic>
#include <awsmp/testing/test_certificates.hpp>
#include <fstream>
#include <memory>

#include "faults_support.hpp"

using namespace awsmp;
using namespace faults;

namespace {

// A name glibc's resolver refuses by itself: an empty label (".."), so getaddrinfo answers
// EAI_NONAME without sending a query (checked with strace, see docs/fault_matrix.md). A name
// under ".invalid" would still be sent to the configured DNS server.
constexpr const char* unresolvable_host = "bad_host..example";

struct endpoint_case {
  std::string name;
  client_options options;
};

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

// Runs the common scenario: usage recorded, `rounds` flushes through the broken client (each
// must leave every record pending and send nothing), then a flush through the good one.
// Returns how long the broken flushes took.
std::chrono::steady_clock::duration broken_then_good(asio::io_context& io, testing::marketplace_emulator& emu,
                                                     metering_client& broken, metering_client& good,
                                                     const std::filesystem::path& journal, int rounds,
                                                     std::uint64_t s, const std::string& label) {
  switchable_metering metering(broken);
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.journal = journal;
  // Hours are moved on by hand: the usage's hour has ended when the first flush runs.
  o.clock = [offset] {
    return std::chrono::system_clock::now() - std::chrono::hours(2) + std::chrono::hours(offset->load());
  };
  token_billing_tracker tracker(io.get_executor(), product, metering, o);
  std::mt19937_64 rng(s);
  std::map<std::string, std::int64_t> recorded;
  record_random(io, tracker, rng, 30, 400, recorded);
  offset->fetch_add(1);

  const auto records_before = emu.accepted_records().size();
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t sealed = 0;
  for (int i = 0; i < rounds; ++i) {
    std::string error;
    std::size_t unprocessed = 0;
    try {
      unprocessed = run_sync(io, tracker.flush()).unprocessed_records.size();
    } catch (const std::exception& e) {
      error = e.what();
    }
    const auto st = tracker.stats();
    if (i == 0) sealed = st.records_sealed;
    BOOST_TEST_MESSAGE(label << " flush " << i << ": " << (error.empty() ? "returned" : "threw: " + error)
                             << ", pending " << st.records_pending << ", last_error " << st.last_error);
    BOOST_TEST(st.records_sealed == sealed);   // a failed flush seals nothing new ...
    BOOST_TEST(st.records_pending == sealed);  // ... and keeps everything it sealed
    BOOST_TEST(st.records_acknowledged == 0u);
    BOOST_TEST(!st.last_error.empty());
    BOOST_TEST((!error.empty() || unprocessed == sealed));
    BOOST_TEST(st.records_dead_lettered == 0u);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(sealed > 0u);
  BOOST_TEST(emu.accepted_records().size() == records_before);  // nothing reached the service
  const auto bs = broken.stats();
  BOOST_TEST(bs.retries == 0u, label << ": retried " << bs.retries << " times");
  BOOST_TEST(bs.attempts == bs.requests);

  metering.use(good);
  BOOST_TEST(flush_until_done(io, tracker, 5) < 5);
  offset->fetch_add(1);
  for (const auto& [id, tokens] : recorded) run_sync(io, tracker.settle(id));
  BOOST_TEST(flush_until_done(io, tracker, 5) < 5);
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  const auto billed = check_ledger(emu);
  for (const auto& [id, tokens] : recorded) {
    const auto it = billed.find(id);
    BOOST_TEST((it == billed.end() ? 0 : it->second) == (tokens + 999) / 1000, label << " " << id);
  }
  return took;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fault_matrix_endpoints)

BOOST_AUTO_TEST_CASE(an_unresolvable_host_fails_fast_and_a_good_endpoint_bills_once) {
  temp_dir dir;
  testing::marketplace_emulator emu(emulator_with_customers(30, dir.path() / "ca.pem"));
  emu.start();
  asio::io_context io;
  signing sig;
  auto bad = client_for(emu);
  bad.endpoint = std::string("https://") + unresolvable_host + ":" + std::to_string(emu.port());
  metering_client broken(io.get_executor(), sig.signer, bad);
  metering_client good(io.get_executor(), sig.signer, client_for(emu));
  const auto took =
      broken_then_good(io, emu, broken, good, dir.path() / "billing.journal", 3, seed(3), "dns");
  BOOST_TEST((took < 3s));  // three flushes, no resolver timeout waited for
  emu.stop();
}

BOOST_AUTO_TEST_CASE(an_unknown_ca_fails_without_retries_and_a_good_endpoint_bills_once) {
  temp_dir dir;
  testing::marketplace_emulator emu(emulator_with_customers(30, dir.path() / "ca.pem"));
  emu.start();
  asio::io_context io;
  signing sig;
  // The emulator's certificate is sound, but the client trusts only a CA that did not sign it.
  write_file(dir.path() / "other-ca.pem", testing::make_test_certificates().ca_cert_pem);
  auto bad = client_for(emu);
  bad.ca_file = (dir.path() / "other-ca.pem").string();
  metering_client broken(io.get_executor(), sig.signer, bad);
  metering_client good(io.get_executor(), sig.signer, client_for(emu));
  const auto connections_before = emu.stats().connections;
  broken_then_good(io, emu, broken, good, dir.path() / "billing.journal", 3, seed(4), "wrong CA");
  // At most one connection per batch call and flush: the failures were not retried.
  const auto failed_connections = emu.stats().connections - connections_before;
  BOOST_TEST_MESSAGE("connections in all: " << failed_connections << ", broken client requests "
                                            << broken.stats().requests);
  BOOST_TEST(broken.stats().connections_opened <= broken.stats().requests);
  BOOST_TEST(emu.stats().auth_failures == 0u);
  emu.stop();
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_fails_without_retries_and_the_right_name_bills_once) {
  temp_dir dir;
  // A certificate that names only "localhost": reached as 127.0.0.1 the name does not match,
  // reached as localhost it does (same server, same CA).
  const auto bundle = testing::make_test_certificates({"localhost"}, {});
  write_file(dir.path() / "ca.pem", bundle.ca_cert_pem);
  auto eo = emulator_with_customers(30, dir.path() / "unused-ca.pem");
  eo.tls_certificate_pem = bundle.server_cert_pem;
  eo.tls_private_key_pem = bundle.server_key_pem;
  testing::marketplace_emulator emu(eo);
  emu.start();
  asio::io_context io;
  signing sig;
  auto bad = client_for(emu);
  bad.endpoint = "https://127.0.0.1:" + std::to_string(emu.port());
  bad.ca_file = (dir.path() / "ca.pem").string();
  auto right = bad;
  right.endpoint = "https://localhost:" + std::to_string(emu.port());
  metering_client broken(io.get_executor(), sig.signer, bad);
  metering_client good(io.get_executor(), sig.signer, right);
  broken_then_good(io, emu, broken, good, dir.path() / "billing.journal", 3, seed(6), "wrong host");
  BOOST_TEST(broken.stats().connections_opened <= broken.stats().requests);
  emu.stop();
}

BOOST_AUTO_TEST_SUITE_END()
