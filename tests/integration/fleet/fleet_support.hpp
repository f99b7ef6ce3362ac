// A fleet in one process for the fleet tests: moto's DynamoDB, the emulator (hour identity),
// and N token_billing_trackers in fleet mode, each with its own journal, clients and a clock
// that runs up to 2 minutes off the emulator's. Instances can crash (destroyed without stop()),
// restart from their journal, and be cut off from DynamoDB.
#pragma once

#include <atomic>
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/moto_server.hpp"
#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace awsmp::test {

/// The UTC hour of an instant (hours since 1970).
inline std::int64_t detail_hour(time_point t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

class fleet_world {
 public:
  static constexpr const char* product = "prod-fleet";
  static constexpr const char* table = "awsmp-fleet";
  static constexpr const char* dimension = "tokens_1m";

  struct member {
    std::chrono::seconds skew{0};
    std::unique_ptr<sigv4_signer> metering_signer;
    std::unique_ptr<metering_client> metering;
    std::unique_ptr<sigv4_signer> dynamo_signer;
    std::unique_ptr<dynamodb::dynamodb_client> dynamo;
    std::unique_ptr<token_billing_tracker> tracker;
  };

  explicit fleet_world(int n) {
    testing::emulator_options eo;
    eo.ca_file = (dir / "ca.pem").string();
    eo.clock = clock_at(std::chrono::seconds(0));
    for (int i = 0; i < 3; ++i) {
      testing::emulated_customer c;
      c.registration_token = "token-" + std::to_string(i);
      c.identity.customer_identifier = "cust-" + std::to_string(i);
      c.identity.product_code = product;
      c.identity.customer_aws_account_id = "12345678901" + std::to_string(i);
      eo.customers.push_back(c);
      customers.push_back(billed_customer::legacy(c.identity.customer_identifier));
    }
    for (int i = 0; i < 2; ++i) {
      testing::emulated_customer c;
      c.registration_token = "token-a" + std::to_string(i);
      c.identity.customer_aws_account_id = "22345678901" + std::to_string(i);
      c.identity.license_arn = "arn:aws:license-manager::" + c.identity.customer_aws_account_id +
                               ":license:l-0123456789abcdef0123456789abcde" + std::to_string(i);
      eo.customers.push_back(c);
      customers.push_back(
          billed_customer::account(c.identity.customer_aws_account_id, c.identity.license_arn));
    }
    emu = std::make_unique<testing::marketplace_emulator>(eo);
    emu->start();
    const std::chrono::seconds skews[] = {std::chrono::seconds(0), std::chrono::seconds(120),
                                          std::chrono::seconds(-120)};
    instances.resize(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < instances.size(); ++i) {
      instances[i].skew = skews[i % 3];
      connect(i, moto.url());
    }
    run(create_fleet_table(*instances[0].dynamo, table));
    for (std::size_t i = 0; i < instances.size(); ++i) start(i);
  }

  ~fleet_world() {
    instances.clear();
    emu->stop();
  }

  member& instance(std::size_t i) { return instances.at(i); }

  template <class T>
  T run(awaitable<T> a) {
    return run_sync(io, std::move(a));
  }

  void advance(std::chrono::seconds d) { now_->fetch_add(d.count()); }

  void flush_all() {
    for (auto& in : instances)
      if (in.tracker) run(in.tracker->flush());
  }

  /// The tracker options of instance i (fleet mode, 1 token per unit so every token is visible).
  token_billing_options options_for(std::size_t i) {
    token_billing_options o;
    o.tokens_per_unit = 1;
    o.dimension = dimension;
    o.journal = dir / ("journal-" + std::to_string(i));
    o.clock = clock_at(instances[i].skew);
    o.compaction_bytes = compaction_bytes;
    fleet_options f;
    f.client = instances[i].dynamo.get();
    f.table = table;
    f.instance_id = "i-" + std::to_string(i);
    f.lease_duration = std::chrono::seconds(300);  // longer than the 2-minute skews
    f.seal_grace = std::chrono::seconds(300);
    f.shards = 4;
    o.fleet = f;
    return o;
  }

  /// Instance i dies: destroyed without stop(); its journal stays.
  void crash(std::size_t i) { instances[i].tracker.reset(); }
  /// Instance i starts again from its journal.
  void restart(std::size_t i) {
    instances[i].tracker.reset();
    start(i);
  }
  /// Instance i restarts with a DynamoDB endpoint that refuses connections.
  void cut_off(std::size_t i) {
    instances[i].tracker.reset();
    connect(i, "http://127.0.0.1:1");
    start(i);
  }
  /// Instance i restarts with DynamoDB reachable again.
  void reconnect(std::size_t i) {
    instances[i].tracker.reset();
    connect(i, moto.url());
    start(i);
  }

  std::int64_t emulator_total(const billed_customer& who) const {
    std::int64_t n = 0;
    for (const auto& r : emu->accepted_records()) {
      const bool same = who.is_account() ? r.record.customer_aws_account_id == who.customer_aws_account_id &&
                                               r.record.license_arn == who.license_arn
                                         : r.record.customer_identifier == who.customer_identifier;
      if (same && r.record.dimension == dimension) n += r.record.quantity;
    }
    return n;
  }

  /// Exactly one record per (customer, dimension, hour), and AWS never answered DuplicateRecord.
  void check_one_record_per_hour() const {
    std::map<std::string, int> per_hour;
    for (const auto& r : emu->accepted_records())
      ++per_hour[r.record.customer_identifier + "|" + r.record.customer_aws_account_id + "|" +
                 r.record.license_arn + "|" + r.record.dimension + "|" +
                 std::to_string(detail_hour(r.record.timestamp))];
    for (const auto& [k, n] : per_hour) BOOST_TEST(n == 1, k);
    BOOST_TEST(emu->stats().records_duplicate == 0u);
  }

  fleet_status status() {
    fleet_options f;
    f.table = table;
    f.shards = 4;
    return run(read_fleet_status(*instances[0].dynamo, f, product, clock_at(std::chrono::seconds(0))()));
  }

  clock_function clock_at(std::chrono::seconds skew) const {
    return [now = now_, skew] { return time_point(std::chrono::seconds(now->load()) + skew); };
  }

  std::uint64_t compaction_bytes = 64ull << 20;  ///< of the trackers started from now on
  asio::io_context io;
  temp_dir dir;
  moto_server moto;
  std::unique_ptr<testing::marketplace_emulator> emu;
  std::vector<billed_customer> customers;

 private:
  void connect(std::size_t i, const std::string& dynamo_url) {
    auto& in = instances[i];
    in.tracker.reset();
    in.metering_signer =
        std::make_unique<sigv4_signer>(creds, "us-east-1", "aws-marketplace", clock_at(in.skew));
    client_options mo;
    mo.endpoint = emu->endpoint();
    mo.ca_file = emu->ca_file();
    mo.timeout = std::chrono::seconds(5);
    mo.base_backoff = std::chrono::milliseconds(5);
    mo.max_backoff = std::chrono::milliseconds(40);
    in.metering = std::make_unique<metering_client>(io.get_executor(), *in.metering_signer, mo);
    in.dynamo_signer = std::make_unique<sigv4_signer>(creds, "us-east-1", "dynamodb");
    client_options dopt;
    dopt.endpoint = dynamo_url;
    dopt.timeout = std::chrono::seconds(5);
    dopt.base_backoff = std::chrono::milliseconds(5);
    dopt.max_backoff = std::chrono::milliseconds(40);
    dopt.max_attempts = 2;
    in.dynamo = std::make_unique<dynamodb::dynamodb_client>(io.get_executor(), *in.dynamo_signer, dopt);
  }
  void start(std::size_t i) {
    instances[i].tracker = std::make_unique<token_billing_tracker>(io.get_executor(), product,
                                                                   *instances[i].metering, options_for(i));
  }

  // A fixed, recent-enough start: 2026-11-25T10:03:00Z (the emulator's clock is this one too).
  std::shared_ptr<std::atomic<std::int64_t>> now_ = std::make_shared<std::atomic<std::int64_t>>(
      std::chrono::duration_cast<std::chrono::seconds>(
          (std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + std::chrono::hours(10) +
           std::chrono::minutes(3))
              .time_since_epoch())
          .count());
  static_credentials_provider creds{
      credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
  std::vector<member> instances;
};

}  // namespace awsmp::test
