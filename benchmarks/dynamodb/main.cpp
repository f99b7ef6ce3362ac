// awsmp-bench-dynamodb: client CPU per DynamoDB call. Sends --calls PutItem and as many GetItem
// (sequential, keep-alive, one item of ~10 attributes) to --endpoint (moto on loopback) and
// prints one JSON line: this process's user+system CPU seconds per call and the wall time.
// run.py runs it and the AWS SDK for JavaScript v3 peer (bench_js.mjs) against one moto.
#include <sys/resource.h>

#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

using namespace awsmp;
using namespace awsmp::dynamodb;

namespace {

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string arg(int argc, char** argv, const char* name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

item make_item(int i) {
  item it;
  it["pk"] = attribute_value::string("customer-" + std::to_string(i % 1000));
  it["sk"] = attribute_value::number(i);
  it["dimension"] = attribute_value::string("tokens_1m");
  it["quantity"] = attribute_value::number(1000 + i);
  it["hour"] = attribute_value::number(1'764'000'000 + 3600 * (i % 24));
  it["instance"] = attribute_value::string("instance-a");
  it["sealed"] = attribute_value::boolean_value(false);
  it["license_arn"] =
      attribute_value::string("arn:aws:license-manager::123456789012:license:l-0123456789abcdef");
  it["account"] = attribute_value::string("123456789012");
  it["tags"] = attribute_value::string_set({"a", "b"});
  return it;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string endpoint = arg(argc, argv, "--endpoint", "");
  const int calls = std::stoi(arg(argc, argv, "--calls", "2000"));
  const std::string table = arg(argc, argv, "--table", "bench");
  if (endpoint.empty()) {
    std::cerr << "usage: awsmp-bench-dynamodb --endpoint http://127.0.0.1:PORT [--calls N] [--table T]\n";
    return 2;
  }
  asio::io_context io;
  static_credentials_provider provider{credentials{"AKIDBENCH", "bench-secret", "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1", "dynamodb"};
  client_options options;
  options.endpoint = endpoint;
  dynamodb_client client(io.get_executor(), signer, options);
  double cpu = 0, wall = 0;
  int failures = 0;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        if (!co_await client.describe_table(table)) {
          create_table_request t;
          t.table = table;
          t.key = key_schema{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::n}};
          co_await client.create_table(std::move(t));
        }
        // Warm-up: connection, signing key cache, allocator.
        for (int i = 0; i < 20; ++i) {
          put_item_request p;
          p.table = table;
          p.attributes = make_item(i);
          co_await client.put_item(std::move(p));
        }
        const double cpu0 = cpu_seconds();
        const auto wall0 = std::chrono::steady_clock::now();
        for (int i = 0; i < calls; ++i) {
          put_item_request p;
          p.table = table;
          p.attributes = make_item(i);
          co_await client.put_item(std::move(p));
          get_item_request g;
          g.table = table;
          g.key = item{{"pk", attribute_value::string("customer-" + std::to_string(i % 1000))},
                       {"sk", attribute_value::number(i)}};
          if (!co_await client.get_item(std::move(g))) ++failures;
        }
        cpu = cpu_seconds() - cpu0;
        wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  const auto stats = client.stats();
  std::printf(
      "{\"client\":\"awsmp\",\"calls\":%d,\"cpu_s\":%.6f,\"cpu_us_per_call\":%.2f,\"wall_s\":%.3f,"
      "\"missing\":%d,"
      "\"connections_opened\":%llu}\n",
      2 * calls, cpu, cpu * 1e6 / (2 * calls), wall, failures,
      static_cast<unsigned long long>(stats.connections_opened));
  return failures == 0 ? 0 : 1;
}
