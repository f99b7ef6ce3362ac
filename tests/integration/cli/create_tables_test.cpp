// `awsmp dynamodb create-tables` run as a process against moto on loopback: it creates the
// subscription and entitlement tables on demand, says so, finds them on a second run without
// changing anything, honours the table-name options, and refuses an unknown option before it
// creates anything. moto missing is a failure (tests/support/moto_server.hpp), never a skip.
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "billing/billing_planner.hpp"
#include "billing/fleet_rows.hpp"
#include "support/fake_metering.hpp"
#include "support/moto_server.hpp"
#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"
#include "transport/aws_json_client.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;

namespace {

struct cli_result {
  int rc = -1;
  std::string output;  // stdout and stderr
};

// Runs the awsmp CLI with `args` and a clean environment: static credentials in the environment
// (the default chain's first source), no shared files, no IMDS. Kills it after 120 s.
cli_result run_cli(const std::vector<std::string>& args, const std::string& home) {
  std::vector<std::string> argv_s{AWSMP_CLI};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s{"AWS_ACCESS_KEY_ID=AKIDMOTO",
                                 "AWS_SECRET_ACCESS_KEY=moto-secret",
                                 "AWS_REGION=us-east-1",
                                 "AWS_EC2_METADATA_DISABLED=true",
                                 "AWS_CONFIG_FILE=" + home + "/none",
                                 "AWS_SHARED_CREDENTIALS_FILE=" + home + "/none",
                                 "HOME=" + home,
                                 "PATH=/usr/bin:/bin"};
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  cli_result r;
  if (spawned != 0) {
    ::close(out[0]);
    throw std::runtime_error(std::string("cannot start ") + AWSMP_CLI);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  pid_t done = 0;
  // Output closed: the program is exiting; give it until the deadline to finish.
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    ::usleep(10'000);
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.output += "\n[killed after 120 s]";
    return r;
  }
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

struct cli_fixture {
  awsmp::test::moto_server moto;
  awsmp::test::temp_dir home;
  asio::io_context ctx;
  static_credentials_provider provider{credentials{"AKIDMOTO", "moto-secret", "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1", "dynamodb"};
  client_options options = [this] {
    client_options o;
    o.endpoint = moto.url();
    return o;
  }();
  dynamodb_client client{ctx.get_executor(), signer, options};

  cli_result create_tables(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"dynamodb", "create-tables", "--endpoint", moto.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args, home.path().string());
  }
  std::optional<table_description> describe(const std::string& table) {
    return awsmp::test::run_sync(ctx, client.describe_table(table));
  }
  // DescribeTable's raw answer, for what table_description does not carry (billing mode, TTL).
  boost::json::object raw(const std::string& target, const boost::json::object& request) {
    awsmp::detail::aws_json_client c(ctx.get_executor(), signer, options, "unused",
                                     "application/x-amz-json-1.0");
    std::string t = "DynamoDB_20120810." + target;
    std::string body = boost::json::serialize(request);
    const std::string answer = awsmp::test::run_sync(ctx, c.call(std::move(t), std::move(body)));
    return boost::json::parse(answer).as_object();
  }
  std::string billing_mode(const std::string& table) {
    const auto d = raw("DescribeTable", {{"TableName", table}});
    return std::string(d.at("Table").at("BillingModeSummary").at("BillingMode").as_string());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_create_tables, cli_fixture)

BOOST_AUTO_TEST_CASE(creates_both_tables_on_demand_then_finds_them) {
  BOOST_TEST(!describe("awsmp-subscriptions").has_value());
  const auto first = create_tables();
  BOOST_TEST_INFO(first.output);
  BOOST_TEST(first.rc == 0);
  BOOST_TEST(contains(first.output, "subscriptions table awsmp-subscriptions: created (ACTIVE)"));
  BOOST_TEST(contains(first.output, "entitlements table awsmp-entitlements: created (ACTIVE)"));
  BOOST_TEST(contains(first.output, "fleet table awsmp-fleet: created (ACTIVE)"));
  const auto fleet = describe("awsmp-fleet");
  BOOST_TEST_REQUIRE(fleet.has_value());
  BOOST_TEST(fleet->key.partition_key.name == "pk");
  BOOST_TEST(billing_mode("awsmp-fleet") == "PAY_PER_REQUEST");

  const auto subs = describe("awsmp-subscriptions");
  const auto ents = describe("awsmp-entitlements");
  BOOST_TEST_REQUIRE(subs.has_value());
  BOOST_TEST_REQUIRE(ents.has_value());
  BOOST_TEST(subs->status == "ACTIVE");
  BOOST_TEST(ents->status == "ACTIVE");
  BOOST_TEST(subs->key.partition_key.name == "pk");
  BOOST_TEST(subs->indexes.size() == 1u);  // by-status, for list()
  BOOST_TEST(billing_mode("awsmp-subscriptions") == "PAY_PER_REQUEST");
  BOOST_TEST(billing_mode("awsmp-entitlements") == "PAY_PER_REQUEST");
  const auto ttl = raw("DescribeTimeToLive", {{"TableName", "awsmp-entitlements"}});
  BOOST_TEST(ttl.at("TimeToLiveDescription").at("TimeToLiveStatus").as_string() == "ENABLED");

  // Idempotent: a second run finds both and changes nothing.
  const auto second = create_tables();
  BOOST_TEST_INFO(second.output);
  BOOST_TEST(second.rc == 0);
  BOOST_TEST(contains(second.output, "subscriptions table awsmp-subscriptions: exists (ACTIVE)"));
  BOOST_TEST(contains(second.output, "entitlements table awsmp-entitlements: exists (ACTIVE)"));
  BOOST_TEST(contains(second.output, "fleet table awsmp-fleet: exists (ACTIVE)"));
  const auto tables = raw("ListTables", {});
  BOOST_TEST(tables.at("TableNames").as_array().size() == 3u);
}

BOOST_AUTO_TEST_CASE(table_names_and_region_options) {
  const auto r = create_tables(
      {"--subscriptions-table", "prod-subs", "--entitlements-table", "prod-ents", "--region", "eu-west-1"});
  BOOST_TEST_INFO(r.output);
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(contains(r.output, "subscriptions table prod-subs: created"));
  BOOST_TEST(contains(r.output, "entitlements table prod-ents: created"));
  // moto keeps tables per region: they are in eu-west-1, not in the fixture's us-east-1.
  BOOST_TEST(!describe("prod-subs").has_value());
  static_credentials_provider p{credentials{"AKIDMOTO", "moto-secret", "", std::nullopt}};
  sigv4_signer eu{p, "eu-west-1", "dynamodb"};
  dynamodb_client eu_client(ctx.get_executor(), eu, options);
  BOOST_TEST(awsmp::test::run_sync(ctx, eu_client.describe_table("prod-subs")).has_value());
  BOOST_TEST(awsmp::test::run_sync(ctx, eu_client.describe_table("prod-ents")).has_value());
}

BOOST_AUTO_TEST_CASE(refusals_create_nothing) {
  // A misspelt option is a usage error (exit 2) before any call.
  const auto typo = create_tables({"--subscription-table", "x"});
  BOOST_TEST(typo.rc == 2);
  BOOST_TEST(contains(typo.output, "usage:"));
  // A table name DynamoDB would refuse is refused with the rule, exit 1.
  const auto bad = create_tables({"--subscriptions-table", "no spaces allowed"});
  BOOST_TEST_INFO(bad.output);
  BOOST_TEST(bad.rc == 1);
  BOOST_TEST(contains(bad.output, "awsmp: "));
  const auto tables = raw("ListTables", {});
  BOOST_TEST(tables.at("TableNames").as_array().empty());
}

BOOST_AUTO_TEST_CASE(fleet_status_shows_the_lease_holder_instances_and_unsealed_usage) {
  BOOST_TEST_REQUIRE(create_tables().rc == 0);
  const std::vector<std::string> status_args{"fleet",      "status",   "--product-code", "prod-cli",
                                             "--endpoint", moto.url(), "--shards",       "4"};
  const auto empty = run_cli(status_args, home.path().string());
  BOOST_TEST_INFO(empty.output);
  BOOST_TEST(empty.rc == 0);
  BOOST_TEST(contains(empty.output, "lease holder        (none)"));
  BOOST_TEST(contains(empty.output, "keys                0"));

  // One instance of a fleet records usage and flushes: it pushes its share and takes the lease;
  // the current hour is not sealed yet, so the tokens show as unsealed.
  awsmp::test::fake_metering metering;
  awsmp::token_billing_options o;
  o.journal = home.path() / "journal";
  awsmp::fleet_options f;
  f.client = &client;
  f.instance_id = "web-1";
  f.shards = 4;
  o.fleet = f;
  {
    awsmp::token_billing_tracker tracker(ctx.get_executor(), "prod-cli", metering, o);
    awsmp::test::run_sync(ctx, tracker.record_usage("cust-1", 1200, 34));
    awsmp::test::run_sync(ctx, tracker.record_usage("cust-2", 5, 0));
    awsmp::test::run_sync(ctx, tracker.flush());
    BOOST_TEST(tracker.stats().fleet->lease_held);
  }
  const auto busy = run_cli(status_args, home.path().string());
  BOOST_TEST_INFO(busy.output);
  BOOST_TEST(busy.rc == 0);
  BOOST_TEST(contains(busy.output, "lease holder        web-1"));
  BOOST_TEST(contains(busy.output, "keys                2"));
  BOOST_TEST(contains(busy.output, "unsealed            1239 tokens in 2 keys"));
  BOOST_TEST(contains(busy.output, "web-1: last push"));
  const auto typo = run_cli({"fleet", "status", "--product", "x"}, home.path().string());
  BOOST_TEST(typo.rc == 2);
}

BOOST_AUTO_TEST_CASE(fleet_redrive_moves_dead_letters_back_and_keeps_the_ones_in_doubt) {
  BOOST_TEST_REQUIRE(create_tables().rc == 0);
  const std::vector<std::string> redrive_args{"fleet",      "redrive",  "--product-code", "prod-cli",
                                              "--endpoint", moto.url(), "--shards",       "4"};
  const auto none = run_cli(redrive_args, home.path().string());
  BOOST_TEST_INFO(none.output);
  BOOST_TEST(none.rc == 0);
  BOOST_TEST(contains(none.output, "resent      0"));

  // A dead record of the last hour, as a lease holder writes it when AWS refuses it; `doubt`
  // says whether AWS may have billed it after all.
  using namespace awsmp::detail;
  const hour_t last_hour = hour_of(std::chrono::system_clock::now()) - 1;
  const auto dead_record = [&](const std::string& customer, int doubt) {
    usage_record r;
    r.customer_identifier = customer;
    r.dimension = std::string(awsmp::dimension_tokens);
    r.quantity = 3;
    r.timestamp = hour_start(last_hour + 1) - std::chrono::seconds(1);
    const std::string pk = fleet_partition("prod-cli", fleet_shard(r.dimension, customer, 4));
    item it = fleet_record_item(pk, r.dimension, customer, last_hour, r);
    it["status"] = attribute_value::string("dead");
    it["reason"] = attribute_value::string("CustomerNotSubscribed");
    it["doubt"] = attribute_value::number(doubt);
    put_item_request put;
    put.table = "awsmp-fleet";
    put.attributes = it;
    awsmp::test::run_sync(ctx, client.put_item(put));
    return it;
  };
  const auto status_of = [&](const item& it) {
    get_item_request g;
    g.table = "awsmp-fleet";
    g.key = {{"pk", it.at("pk")}, {"sk", it.at("sk")}};
    g.consistent_read = true;
    const auto found = awsmp::test::run_sync(ctx, client.get_item(g));
    return found ? found->at("status").as_string() : std::string("(gone)");
  };
  const item refused = dead_record("cust-1", 0);
  const item unsure = dead_record("cust-2", 1);

  const auto first = run_cli(redrive_args, home.path().string());
  BOOST_TEST_INFO(first.output);
  BOOST_TEST(first.rc == 1);  // one stays dead
  BOOST_TEST(contains(first.output, "resent      1"));
  BOOST_TEST(contains(first.output, "still dead  1"));
  BOOST_TEST(contains(first.output, "dead: cust-2 tokens_1m 3: CustomerNotSubscribed (in doubt"));
  BOOST_TEST(status_of(refused) == "pending");
  BOOST_TEST(status_of(unsure) == "dead");

  std::vector<std::string> forced = redrive_args;
  forced.push_back("--force");
  const auto second = run_cli(forced, home.path().string());
  BOOST_TEST_INFO(second.output);
  BOOST_TEST(second.rc == 0);
  BOOST_TEST(contains(second.output, "resent      1"));
  BOOST_TEST(status_of(unsure) == "pending");

  // Bad values are refused before any call: a malformed number is a usage error (2), a
  // setting out of range names the field (1).
  std::vector<std::string> bad_number = redrive_args;
  bad_number.insert(bad_number.end(), {"--tokens-per-unit", "1e6"});
  BOOST_TEST(run_cli(bad_number, home.path().string()).rc == 2);
  std::vector<std::string> bad_age = redrive_args;
  bad_age.insert(bad_age.end(), {"--dead-letter-age", "360"});
  const auto refused_age = run_cli(bad_age, home.path().string());
  BOOST_TEST_INFO(refused_age.output);
  BOOST_TEST(refused_age.rc == 1);
  BOOST_TEST(contains(refused_age.output, "dead_letter_age"));
  BOOST_TEST(run_cli({"fleet", "redrive", "--product-code", "x", "--forced", "1"}, home.path().string()).rc ==
             2);
}

BOOST_AUTO_TEST_SUITE_END()
