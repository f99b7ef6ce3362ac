// awsmp-emulator: runs awsmp::testing::marketplace_emulator as a process until SIGINT/SIGTERM.
// Prints one line when ready: "awsmp-emulator ready endpoint=<url> ca_file=<path or ->".
#include <unistd.h>

#include <awsmp/log.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "testing/emulator_json.hpp"

namespace {

constexpr std::string_view usage_text = R"(usage: awsmp-emulator [options]

A local AWS Marketplace Metering + Entitlement Service endpoint (AWS JSON 1.1, SigV4-checked).
Prints "awsmp-emulator ready endpoint=<url> ca_file=<path>" on stdout when it accepts
connections, then serves until SIGINT or SIGTERM.

Network:
  --port N                 TCP port (default 0: ephemeral, read it from the ready line)
  --bind ADDRESS           address to bind (default 127.0.0.1)
  --allow-remote           allow a non-loopback --bind address (then the example keys are
                           refused: give --credentials; the admin endpoint is off unless
                           AWSMP_EMULATOR_ADMIN_TOKEN is set; a warning is printed)
  --http                   plain HTTP instead of HTTPS
  --ca-file PATH           where to write the generated CA certificate (PEM); default: a file
                           in $TMPDIR removed at exit
  --max-connections N      open connections beyond this are closed at once (default 256)

Authentication:
  --credentials KEY:SECRET accepted access key and secret (repeatable; default
                           AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
  --region REGION          require this region in the credential scope (default: any)
  --no-auth                accept unsigned requests

Data:
  --product CODE[:D1,D2]   a product the seller owns, with its dimensions (repeatable; without
                           any, every product code is accepted)
  --customers N            generate N subscribers: token-0001 -> customer-0001 (account id
                           100000000001, license ...:license/l-0001), of the first product
                           (or prod-demo), each entitled to the product's dimensions
  --id-width W             digits in generated ids (default 4)
  --customers-file FILE    JSON: an array of customers, or {"products": [...], "customers":
                           [...], "entitlements": [...], "faults": {...}} (see docs/emulator.md)
  --max-records N          accepted records kept before EmulatorLimitExceededException (default 500000)

Faults (deterministic for a seed):
  --throttle-percent P     ThrottlingException (400)
  --server-error-percent P InternalServiceErrorException (500)
  --drop-percent P         close the connection before processing
  --drop-after-commit-percent P   record, then close without answering
  --unprocessed-percent P  return BatchMeterUsage records in UnprocessedRecords
  --latency-ms MS          delay every answer
  --seed N                 fault generator seed (default 1)

Other:
  --log-level LEVEL        debug, info, warning (default), error, off
  --help                   this text
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "awsmp-emulator: " << message << "\n(see --help)\n";
  std::exit(2);
}

template <class T>
T parse_number(std::string_view flag, std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    usage_error(std::string(flag) + ": not a number: " + std::string(text));
  return value;
}

double parse_percent(std::string_view flag, std::string_view text) {
  // from_chars for double is in libstdc++ 11+, but parse through strtod for portability.
  std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !(v >= 0 && v <= 100))
    usage_error(std::string(flag) + ": must be 0..100");
  return v;
}

std::string padded(std::size_t n, int width) {
  std::string digits = std::to_string(n);
  if (static_cast<int>(digits.size()) < width)
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return digits;
}

}  // namespace

int main(int argc, char** argv) {
  namespace testing = awsmp::testing;
  testing::emulator_options options;
  bool credentials_given = false;
  std::size_t generated = 0;
  int id_width = 4;
  std::vector<std::string> config_files;
  awsmp::log_level level = awsmp::log_level::warning;

  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= args.size()) usage_error(std::string(flag) + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::cout << usage_text;
      return 0;
    } else if (flag == "--port") {
      options.port = parse_number<std::uint16_t>(flag, value());
    } else if (flag == "--bind") {
      options.bind_address = std::string(value());
    } else if (flag == "--allow-remote") {
      options.allow_non_loopback = true;
    } else if (flag == "--http") {
      options.tls = false;
    } else if (flag == "--tls") {
      options.tls = true;
    } else if (flag == "--ca-file") {
      options.ca_file = std::string(value());
    } else if (flag == "--max-connections") {
      options.max_connections = parse_number<std::size_t>(flag, value());
    } else if (flag == "--credentials") {
      const std::string_view pair = value();
      const auto colon = pair.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == pair.size())
        usage_error("--credentials must be KEY:SECRET");
      if (!credentials_given) options.credentials.clear();
      credentials_given = true;
      options.credentials[std::string(pair.substr(0, colon))] = std::string(pair.substr(colon + 1));
    } else if (flag == "--region") {
      options.region = std::string(value());
    } else if (flag == "--no-auth") {
      options.verify_signatures = false;
    } else if (flag == "--product") {
      const std::string_view spec = value();
      testing::emulated_product product;
      const auto colon = spec.find(':');
      product.product_code = std::string(spec.substr(0, colon));
      if (colon != std::string_view::npos) {
        std::stringstream dims{std::string(spec.substr(colon + 1))};
        for (std::string d; std::getline(dims, d, ',');)
          if (!d.empty()) product.dimensions.push_back(d);
      }
      if (product.product_code.empty()) usage_error("--product needs a product code");
      options.products.push_back(std::move(product));
    } else if (flag == "--customers") {
      generated = parse_number<std::size_t>(flag, value());
    } else if (flag == "--id-width") {
      id_width = parse_number<int>(flag, value());
      if (id_width < 1 || id_width > 20) usage_error("--id-width must be 1..20");
    } else if (flag == "--customers-file") {
      config_files.emplace_back(value());
    } else if (flag == "--max-records") {
      options.max_records = parse_number<std::size_t>(flag, value());
    } else if (flag == "--throttle-percent") {
      options.faults.throttle_percent = parse_percent(flag, value());
    } else if (flag == "--server-error-percent") {
      options.faults.server_error_percent = parse_percent(flag, value());
    } else if (flag == "--drop-percent") {
      options.faults.drop_connection_percent = parse_percent(flag, value());
    } else if (flag == "--drop-after-commit-percent") {
      options.faults.drop_after_commit_percent = parse_percent(flag, value());
    } else if (flag == "--unprocessed-percent") {
      options.faults.unprocessed_percent = parse_percent(flag, value());
    } else if (flag == "--latency-ms") {
      options.faults.latency = std::chrono::milliseconds{parse_number<std::int64_t>(flag, value())};
    } else if (flag == "--seed") {
      options.faults.seed = parse_number<std::uint64_t>(flag, value());
    } else if (flag == "--log-level") {
      const std::string_view l = value();
      if (l == "debug")
        level = awsmp::log_level::debug;
      else if (l == "info")
        level = awsmp::log_level::info;
      else if (l == "warning")
        level = awsmp::log_level::warning;
      else if (l == "error")
        level = awsmp::log_level::error;
      else if (l == "off")
        level = awsmp::log_level::off;
      else
        usage_error("--log-level must be debug, info, warning, error or off");
    } else {
      usage_error("unknown option " + std::string(flag));
    }
  }
  awsmp::set_log_sink(level, {});
  // From the environment, not a flag: a command line is visible to every local user (ps).
  if (const char* token = std::getenv("AWSMP_EMULATOR_ADMIN_TOKEN"); token != nullptr && *token != '\0')
    options.admin_token = token;
  if (options.allow_non_loopback)
    std::cerr
        << "awsmp-emulator: WARNING: --allow-remote: this test tool may be reachable from other machines\n";

  try {
    for (const auto& file : config_files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) usage_error("cannot read " + file);
      std::stringstream text;
      text << in.rdbuf();
      testing::detail::load_configuration(boost::json::parse(text.str()), options);
    }
    const std::string product =
        options.products.empty() ? "prod-demo" : options.products.front().product_code;
    const std::vector<std::string> dimensions =
        options.products.empty() ? std::vector<std::string>{} : options.products.front().dimensions;
    for (std::size_t n = 1; n <= generated; ++n) {
      testing::emulated_customer c;
      const std::string id = padded(n, id_width);
      c.registration_token = "token-" + id;
      c.identity.customer_identifier = "customer-" + id;
      c.identity.product_code = product;
      c.identity.customer_aws_account_id = "1" + padded(n, 11);
      c.identity.license_arn = "arn:aws:license-manager::123456789012:license/l-" + id;
      for (const auto& d : dimensions) {
        awsmp::marketplace_entitlement e;
        e.product_code = product;
        e.dimension = d;
        e.customer_identifier = c.identity.customer_identifier;
        e.customer_aws_account_id = c.identity.customer_aws_account_id;
        e.license_arn = c.identity.license_arn;
        e.value = std::int64_t{1};
        options.entitlements.push_back(std::move(e));
      }
      options.customers.push_back(std::move(c));
    }

    bool remove_ca = false;
    if (options.tls && options.ca_file.empty()) {
      options.ca_file = (std::filesystem::temp_directory_path() /
                         ("awsmp-emulator-" + std::to_string(::getpid()) + "-ca.pem"))
                            .string();
      remove_ca = true;
    }

    boost::asio::io_context ioc{1};
    testing::marketplace_emulator emulator(ioc.get_executor(), options);
    emulator.start();
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&emulator](const boost::system::error_code& ec, int) {
      if (!ec) emulator.stop();
    });
    std::cout << "awsmp-emulator ready endpoint=" << emulator.endpoint()
              << " ca_file=" << (options.tls ? emulator.ca_file() : std::string("-")) << std::endl;
    ioc.run();
    if (remove_ca) {
      std::error_code ec;
      std::filesystem::remove(options.ca_file, ec);
    }
    const auto stats = emulator.stats();
    std::cerr << "awsmp-emulator stopped: " << stats.requests << " requests, " << stats.records_accepted
              << " records accepted, " << stats.faults_injected() << " faults injected\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "awsmp-emulator: " << e.what() << "\n";
    return 1;
  }
}
