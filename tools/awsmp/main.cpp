// Tutorial 4: `awsmp`, an operator's command line built on the public API.
//
//   awsmp resolve <registration-token>
//   awsmp meter <product-code> <customer> <quantity> [--dimension D]
//   awsmp entitlements <product-code> [--customer C]
//   awsmp flush --journal PATH --product-code P      send everything pending in a journal
//   awsmp inspect-journal PATH                        unbilled usage, pending, dead letters
//   awsmp stats --journal PATH [--product-code P]     the tracker's counters after replay
//   awsmp dynamodb create-tables [--subscriptions-table T] [--entitlements-table T]
//                                [--fleet-table T] [--region R] [--endpoint URL]
//                                                     the DynamoDB stores' and the fleet's tables
//   awsmp fleet status --product-code P [--fleet-table T] [--shards N] [--region R] [--endpoint URL]
//                                                     lease holder, sealed hours, lag, dead letters
//   awsmp fleet redrive --product-code P [--dimension D] [--tokens-per-unit N] [--dead-letter-age MIN]
//                       [--force] [--fleet-table T] [--shards N] [--region R] [--endpoint URL]
//                                                     dead letters back to pending (or to their key)
//
// Credentials and region come from the default chain; AWSMP_ENDPOINT / AWSMP_CA_FILE point it
// at the emulator (the Marketplace commands); --endpoint points `dynamodb` at another DynamoDB
// (moto on loopback, DynamoDB Local). flush, inspect-journal and stats open the journal exclusively: stop the
// server that owns it first (the command says so when it is locked).
#include <awsmp/awsmp.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/dynamodb_entitlement_store.hpp>
#include <awsmp/dynamodb_subscription_store.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/region.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;

namespace {

[[noreturn]] void usage() {
  std::cerr << "usage:\n"
               "  awsmp resolve <registration-token>\n"
               "  awsmp meter <product-code> <customer> <quantity> [--dimension D]\n"
               "  awsmp entitlements <product-code> [--customer C]\n"
               "  awsmp flush --journal PATH --product-code P\n"
               "  awsmp inspect-journal PATH\n"
               "  awsmp stats --journal PATH [--product-code P]\n"
               "  awsmp dynamodb create-tables [--subscriptions-table T] [--entitlements-table T]\n"
               "                               [--fleet-table T] [--region R] [--endpoint URL]\n"
               "  awsmp fleet status --product-code P [--fleet-table T] [--shards N] [--region R]\n"
               "                     [--endpoint URL]\n"
               "  awsmp fleet redrive --product-code P [--dimension D] [--tokens-per-unit N]\n"
               "                      [--dead-letter-age MIN] [--force] [--fleet-table T] [--shards N]\n"
               "                      [--region R] [--endpoint URL]\n";
  std::exit(2);
}

// Positional arguments and --flag value pairs.
struct arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  std::string flag(const std::string& name, std::string fallback = {}) const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

arguments parse(int argc, char** argv) {
  arguments a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--force") {
      a.flags["force"] = "1";  // the one flag without a value
    } else if (s.rfind("--", 0) == 0) {
      if (i + 1 >= argc) usage();
      a.flags[s.substr(2)] = argv[++i];
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

// flush/inspect/stats must not send anything except what flush is asked to send.
class refusing_metering final : public awsmp::metering_api {
 public:
  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string) override { refuse(); }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(
      awsmp::batch_meter_usage_input) override {
    refuse();
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input) override { refuse(); }

 private:
  [[noreturn]] static void refuse() {
    throw boost::system::system_error(awsmp::make_error_code(awsmp::errc::invalid_argument),
                                      "this command does not send usage");
  }
};

void print_stats(const awsmp::token_billing_stats& s) {
  std::cout << "record_usage_calls    " << s.record_usage_calls << "\n"
            << "tokens_recorded       " << s.tokens_recorded << "\n"
            << "customers             " << s.customers << "\n"
            << "records_sealed        " << s.records_sealed << " (heartbeats " << s.heartbeats_sealed << ")\n"
            << "records_sent          " << s.records_sent << "\n"
            << "records_acknowledged  " << s.records_acknowledged << "\n"
            << "records_pending       " << s.records_pending << "\n"
            << "records_dead_lettered " << s.records_dead_lettered << "\n"
            << "retries               " << s.retries << "\n"
            << "units_sealed          " << s.units_sealed << "\n"
            << "journal_bytes         " << s.journal_bytes << "\n"
            << "last_error            " << (s.last_error.empty() ? "-" : s.last_error) << "\n";
}

// A DynamoDB client from --region / --endpoint and the default credential chain.
struct dynamodb_access {
  dynamodb_access(asio::any_io_executor ex, const arguments& args)
      : credentials(awsmp::default_credentials_provider(ex)),
        signer(*credentials, region_of(args), "dynamodb"),
        client(ex, signer, options_of(args)) {}
  static std::string region_of(const arguments& args) {
    const std::string r = args.flag("region");
    return r.empty() ? awsmp::resolve_region() : r;
  }
  static awsmp::client_options options_of(const arguments& args) {
    awsmp::client_options o;
    o.region = region_of(args);
    o.endpoint = args.flag("endpoint");
    return o;
  }
  std::unique_ptr<awsmp::credentials_provider> credentials;
  awsmp::sigv4_signer signer;
  awsmp::dynamodb::dynamodb_client client;
};

std::string utc_hour(std::int64_t hour) {
  if (hour < 0) return "-";
  const auto t = std::chrono::sys_seconds(std::chrono::hours(hour));
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>((t - day) / std::chrono::hours(1)));
  return buf;
}

std::string describe_customer(const awsmp::usage_record& r) {
  return r.customer_identifier.empty() ? r.customer_aws_account_id + " " + r.license_arn
                                       : r.customer_identifier;
}

// A whole number flag; a malformed one is a usage error, not an exception out of main.
std::int64_t number_flag(const arguments& args, const std::string& name, std::int64_t fallback) {
  const std::string text = args.flag(name);
  if (text.empty()) return fallback;
  std::size_t used = 0;
  std::int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0) {
    std::cerr << "awsmp: --" << name << " must be a whole number, not '" << text << "'\n";
    std::exit(2);
  }
  return value;
}

// The fleet table from --fleet-table and --shards (out of uint32's range reads as 0, which the
// fleet options refuse by name).
awsmp::fleet_options fleet_options_of(const arguments& args) {
  awsmp::fleet_options options;
  options.table = args.flag("fleet-table", "awsmp-fleet");
  const std::int64_t n = number_flag(args, "shards", 16);
  options.shards = n < 0 || n > std::numeric_limits<std::uint32_t>::max() ? 0 : static_cast<std::uint32_t>(n);
  return options;
}

// `awsmp fleet status`: what the fleet table says, for an operator (docs/fleet.md). Exit code 1
// when records are dead-lettered or the lease is free while usage waits to be sealed.
asio::awaitable<int> fleet_status(const arguments& args) {
  auto ex = co_await asio::this_coro::executor;
  dynamodb_access db(ex, args);
  const awsmp::fleet_options options = fleet_options_of(args);
  const auto now = std::chrono::system_clock::now();
  const auto st = co_await awsmp::read_fleet_status(db.client, options, args.flag("product-code"), now);
  std::cout << "lease holder        " << (st.lease_holder.empty() ? "(none)" : st.lease_holder);
  if (st.lease_expires)
    std::cout << " (expires in "
              << std::chrono::duration_cast<std::chrono::seconds>(*st.lease_expires - now).count() << " s)";
  std::cout << "\nkeys                " << st.keys << "\nnewest sealed hour  "
            << utc_hour(st.newest_sealed_hour) << "\nunsealed            " << st.unsealed_tokens
            << " tokens in " << st.keys_unsealed << " keys"
            << "\npending records     " << st.pending.size() << "\ndead letters        "
            << st.dead_letters.size() << "\ninstances           " << st.instances.size() << "\n";
  for (const auto& in : st.instances)
    std::cout << "  " << in.instance_id << ": last push " << in.lag.count() << " s ago, " << in.keys
              << " keys, " << in.tokens << " tokens\n";
  for (const auto& d : st.dead_letters)
    std::cout << "  dead: " << describe_customer(d.record) << " " << d.record.dimension << " "
              << d.record.quantity << ": " << d.reason << "\n";
  co_return st.dead_letters.empty() && (st.keys_unsealed == 0 || !st.lease_holder.empty()) ? 0 : 1;
}

// `awsmp fleet redrive`: after fixing what AWS refused, moves the fleet's dead letters back
// (redrive_fleet_dead_letters); the lease holder sends them at its next round. The dimension,
// tokens per unit and dead-letter age must be the fleet's own. Exit code 1 when some stay dead.
asio::awaitable<int> fleet_redrive(const arguments& args) {
  auto ex = co_await asio::this_coro::executor;
  dynamodb_access db(ex, args);
  const awsmp::fleet_options options = fleet_options_of(args);
  awsmp::fleet_redrive_options r;
  r.dimension = args.flag("dimension", r.dimension);
  r.tokens_per_unit = number_flag(args, "tokens-per-unit", r.tokens_per_unit);
  r.dead_letter_age = std::chrono::minutes(number_flag(args, "dead-letter-age", r.dead_letter_age.count()));
  r.force = args.flag("force") == "1";
  const auto result = co_await awsmp::redrive_fleet_dead_letters(
      db.client, options, args.flag("product-code"), r, std::chrono::system_clock::now());
  std::cout << "resent      " << result.resent << " (pending again; the lease holder sends them)\n"
            << "returned    " << result.returned << " (too old to resend; billed again in a later hour)\n"
            << "still dead  " << result.kept.size() << "\n";
  for (const auto& d : result.kept)
    std::cout << "  dead: " << describe_customer(d.record) << " " << d.record.dimension << " "
              << d.record.quantity << ": " << d.reason
              << (d.in_doubt ? " (in doubt: AWS may have billed it; --force moves it)" : "") << "\n";
  co_return result.kept.empty() ? 0 : 1;
}

// How a store creates its table: dynamodb_subscription_store::create_table and the like.
using create_table_function = awsmp::awaitable<void> (*)(awsmp::dynamodb::dynamodb_client&, std::string);

// Creates one table unless it exists (create runs either way: it is idempotent and finishes a
// half-done set-up, such as the entitlements table's TTL), then prints what it found and its
// status. Throws what the client throws.
asio::awaitable<void> ensure_table(awsmp::dynamodb::dynamodb_client& client, std::string role,
                                   std::string table, create_table_function create) {
  const std::string lookup = table;
  const auto before = co_await client.describe_table(lookup);
  const std::string name = table;
  co_await create(client, name);
  const auto after = co_await client.describe_table(lookup);
  std::cout << role << " table " << table << ": " << (before ? "exists" : "created") << " ("
            << (after ? after->status : std::string("not visible yet")) << ")" << std::endl;
}

// `awsmp dynamodb create-tables`: every table awsmp's DynamoDB stores need, billed on demand
// (PAY_PER_REQUEST); running it again changes nothing.
asio::awaitable<int> create_tables(const arguments& args) {
  auto ex = co_await asio::this_coro::executor;
  dynamodb_access db(ex, args);
  auto& client = db.client;
  // Named values, not temporaries inside co_await (the g++ 12 bug in README).
  const std::string subscriptions = "subscriptions", entitlements = "entitlements";
  const std::string subscriptions_table = args.flag("subscriptions-table", "awsmp-subscriptions");
  const std::string entitlements_table = args.flag("entitlements-table", "awsmp-entitlements");
  co_await ensure_table(client, subscriptions, subscriptions_table,
                        &awsmp::dynamodb::dynamodb_subscription_store::create_table);
  co_await ensure_table(client, entitlements, entitlements_table,
                        &awsmp::dynamodb::dynamodb_entitlement_store::create_table);
  const std::string fleet = "fleet", fleet_table = args.flag("fleet-table", "awsmp-fleet");
  co_await ensure_table(client, fleet, fleet_table, &awsmp::create_fleet_table);
  co_return 0;
}

asio::awaitable<int> run(std::string command, arguments args) {
  if (command == "dynamodb" && args.positional.size() == 1 && args.positional[0] == "create-tables") {
    for (const auto& [flag, value] : args.flags)
      if (flag != "subscriptions-table" && flag != "entitlements-table" && flag != "fleet-table" &&
          flag != "region" && flag != "endpoint")
        usage();  // a misspelt table flag must not create a table under the default name
    co_return co_await create_tables(args);
  }
  if (command == "fleet" && args.positional.size() == 1 && args.positional[0] == "status") {
    for (const auto& [flag, value] : args.flags)
      if (flag != "product-code" && flag != "fleet-table" && flag != "shards" && flag != "region" &&
          flag != "endpoint")
        usage();
    co_return co_await fleet_status(args);
  }
  if (command == "fleet" && args.positional.size() == 1 && args.positional[0] == "redrive") {
    for (const auto& [flag, value] : args.flags)
      if (flag != "product-code" && flag != "dimension" && flag != "tokens-per-unit" &&
          flag != "dead-letter-age" && flag != "force" && flag != "fleet-table" && flag != "shards" &&
          flag != "region" && flag != "endpoint")
        usage();
    co_return co_await fleet_redrive(args);
  }
  auto ex = co_await asio::this_coro::executor;
  const bool needs_aws =
      command == "resolve" || command == "meter" || command == "entitlements" || command == "flush";
  std::unique_ptr<awsmp::credentials_provider> credentials;
  std::unique_ptr<awsmp::sigv4_signer> signer;
  awsmp::client_options options;
  if (needs_aws) {
    credentials = awsmp::default_credentials_provider(ex);
    options.region = awsmp::resolve_region();
    if (const char* endpoint = std::getenv("AWSMP_ENDPOINT")) options.endpoint = endpoint;
    if (const char* ca = std::getenv("AWSMP_CA_FILE")) options.ca_file = ca;
    signer = std::make_unique<awsmp::sigv4_signer>(*credentials, options.region);
  }

  if (command == "resolve" && args.positional.size() == 1) {
    awsmp::metering_client metering(ex, *signer, options);
    const auto c = co_await metering.resolve_customer(args.positional[0]);
    std::cout << "customer_identifier     " << c.customer_identifier << "\n"
              << "customer_aws_account_id " << c.customer_aws_account_id << "\n"
              << "product_code            " << c.product_code << "\n"
              << "license_arn             " << c.license_arn << "\n";
    co_return 0;
  }
  if (command == "meter" && args.positional.size() == 3) {
    awsmp::metering_client metering(ex, *signer, options);
    awsmp::batch_meter_usage_input in;
    in.product_code = args.positional[0];
    awsmp::usage_record r;
    r.customer_identifier = args.positional[1];
    r.quantity = static_cast<std::int32_t>(std::stol(args.positional[2]));
    r.dimension = args.flag("dimension", std::string(awsmp::dimension_tokens));
    // Stamped now: inside the hour it bills and not before the usage. AWS keeps one record per
    // customer, dimension and UTC hour: another quantity later in this hour is DuplicateRecord.
    r.timestamp = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    in.usage_records.push_back(r);
    const auto out = co_await metering.batch_meter_usage(in);
    for (const auto& res : out.results)
      std::cout << awsmp::to_string(res.status) << " " << res.metering_record_id << "\n";
    if (!out.unprocessed_records.empty()) std::cout << "unprocessed: run the command again\n";
    co_return out.results.size() == 1 && out.results[0].status == awsmp::usage_record_status::success ? 0 : 1;
  }
  if (command == "entitlements" && args.positional.size() == 1) {
    awsmp::entitlement_service_client service(ex, *signer, options);
    awsmp::get_entitlements_input in;
    in.product_code = args.positional[0];
    if (auto c = args.flag("customer"); !c.empty())
      in.filter[awsmp::entitlement_filter::customer_identifier] = {c};
    const auto all = co_await service.get_all_entitlements(in);
    for (const auto& e : all) {
      std::cout << e.customer_identifier << " " << e.dimension << " ";
      std::visit(
          [](const auto& v) {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
              std::cout << "-";
            else
              std::cout << v;
          },
          e.value);
      std::cout << "\n";
    }
    co_return 0;
  }
  if (command == "flush" && !args.flag("journal").empty() && !args.flag("product-code").empty()) {
    awsmp::metering_client metering(ex, *signer, options);
    awsmp::token_billing_options to;
    to.journal = args.flag("journal");
    awsmp::token_billing_tracker tracker(ex, args.flag("product-code"), metering, to);
    const auto out = co_await tracker.flush();
    std::map<awsmp::usage_record_status, int> by_status;
    for (const auto& r : out.results) ++by_status[r.status];
    std::cout << "results: " << out.results.size() << " (success "
              << by_status[awsmp::usage_record_status::success]
              << "), still pending: " << out.unprocessed_records.size() << "\n";
    print_stats(tracker.stats());
    co_return out.unprocessed_records.empty() ? 0 : 1;
  }
  if ((command == "inspect-journal" && args.positional.size() == 1) ||
      (command == "stats" && !args.flag("journal").empty())) {
    refusing_metering refuse;
    awsmp::token_billing_options to;
    to.journal = command == "stats" ? args.flag("journal") : args.positional[0];
    // The product code is only used when sending, which these commands never do.
    awsmp::token_billing_tracker tracker(ex, args.flag("product-code", "inspect"), refuse, to);
    if (command == "stats") {
      print_stats(tracker.stats());
      co_return 0;
    }
    const auto open = co_await tracker.snapshot();
    std::cout << "unbilled usage (" << open.size() << " customers)\n";
    for (const auto& r : open)
      std::cout << "  " << r.customer_identifier << " input " << r.input_tokens << " output "
                << r.output_tokens << " carried " << r.carried_tokens << " total " << r.total_tokens << "\n";
    const auto s = tracker.stats();
    std::cout << "pending records: " << s.records_pending << "\n";
    const auto dead = co_await tracker.dead_letters();
    std::cout << "dead letters: " << dead.size() << "\n";
    for (const auto& d : dead)
      std::cout << "  " << d.record.customer_identifier << " " << d.record.dimension << " "
                << d.record.quantity << ": " << d.reason << "\n";
    co_return 0;
  }
  usage();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  asio::io_context ioc;
  int rc = 1;
  asio::co_spawn(ioc, run(argv[1], parse(argc, argv)), [&](std::exception_ptr e, int result) {
    rc = result;
    if (!e) return;
    rc = 1;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& err) {
      std::cerr << "awsmp: " << err.what() << "\n";
    }
  });
  ioc.run();
  return rc;
}
