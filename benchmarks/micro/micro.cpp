// Micro-benchmarks of the hot protocol paths: SigV4 signing of a 25-record BatchMeterUsage
// request (cached key), encoding that body, and decoding its 25-result response. The
// record_usage, is_entitled and store numbers are in benchmarks/record_usage and
// benchmarks/stores.
// Run: build/release/benchmarks/micro/awsmp-bench-micro  (targets: sign <= 3 us,
// encode <= 8 us, decode <= 12 us on the 2-core CI machine).
#include <benchmark/benchmark.h>

#include <array>
#include <awsmp/sigv4.hpp>
#include <awsmp/validation.hpp>
#include <awsmp/wire.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <string>

namespace {

using namespace std::chrono_literals;

const awsmp::time_point event_time{std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 13h};

awsmp::batch_meter_usage_input make_batch() {
  awsmp::batch_meter_usage_input input;
  input.product_code = "prod-abcdefghijklmnopqrstu";
  for (int i = 0; i < 25; ++i) {
    awsmp::usage_record r;
    r.customer_identifier = "customer-" + std::to_string(100000 + i);
    r.dimension = std::string(awsmp::dimension_tokens);
    r.quantity = 1000 + i;
    r.timestamp = event_time;
    input.usage_records.push_back(std::move(r));
  }
  return input;
}

awsmp::batch_meter_usage_output make_results(const awsmp::batch_meter_usage_input& in) {
  awsmp::batch_meter_usage_output out;
  for (const auto& r : in.usage_records)
    out.results.push_back({r, "a1b2c3d4-e5f6-7890-abcd-" + r.customer_identifier.substr(9) + "000000",
                           awsmp::usage_record_status::success});
  return out;
}

awsmp::http_request make_request(const std::string& body) {
  awsmp::http_request req{boost::beast::http::verb::post, "/", 11};
  req.set(boost::beast::http::field::host, "metering.marketplace.us-east-1.amazonaws.com");
  req.set(boost::beast::http::field::content_type, awsmp::wire::content_type);
  req.set("X-Amz-Target", awsmp::wire::target_batch_meter_usage);
  req.body() = body;
  req.prepare_payload();
  return req;
}

void sign_batch_request(benchmark::State& state) {
  const std::string body = awsmp::wire::encode(make_batch());
  const awsmp::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  awsmp::sigv4::signing_key_cache cache;
  const awsmp::http_request prototype = make_request(body);
  for (auto _ : state) {
    awsmp::http_request req = prototype;  // subtract copy_request_baseline for the signing cost
    auto steps = awsmp::sigv4::sign(req, creds, "us-east-1", "aws-marketplace", event_time, {}, cache);
    benchmark::DoNotOptimize(steps);
  }
}
BENCHMARK(sign_batch_request);

// What sigv4_signer does per request: the hot-path overload that builds no intermediate steps.
void sign_batch_request_hot_path(benchmark::State& state) {
  const std::string body = awsmp::wire::encode(make_batch());
  const awsmp::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  awsmp::sigv4::signing_key_cache cache;
  const awsmp::http_request prototype = make_request(body);
  for (auto _ : state) {
    awsmp::http_request req = prototype;  // subtract copy_request_baseline for the signing cost
    awsmp::sigv4::sign(req, creds, "us-east-1", "aws-marketplace", event_time, cache);
    benchmark::DoNotOptimize(req);
  }
}
BENCHMARK(sign_batch_request_hot_path);

void copy_request_baseline(benchmark::State& state) {
  const awsmp::http_request prototype = make_request(awsmp::wire::encode(make_batch()));
  for (auto _ : state) {
    awsmp::http_request req = prototype;
    benchmark::DoNotOptimize(req);
  }
}
BENCHMARK(copy_request_baseline);

void encode_batch_body(benchmark::State& state) {
  const auto input = make_batch();
  for (auto _ : state) {
    std::string body = awsmp::wire::encode(input);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(encode_batch_body);

void validate_and_encode_batch(benchmark::State& state) {
  const auto input = make_batch();
  for (auto _ : state) {
    awsmp::validate(input);
    std::string body = awsmp::wire::encode(input);
    awsmp::validate_request_body_size(body.size());
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(validate_and_encode_batch);

void decode_batch_response(benchmark::State& state) {
  const std::string body = awsmp::wire::encode(make_results(make_batch()));
  for (auto _ : state) {
    auto out = awsmp::wire::decode<awsmp::batch_meter_usage_output>(body);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(decode_batch_response);

// The same response through the general path (parse to a DOM, then the member-table decoder):
// what decode_batch_response would cost without the DOM-free batch-result decoder.
void decode_batch_response_dom(benchmark::State& state) {
  const std::string body = awsmp::wire::encode(make_results(make_batch()));
  for (auto _ : state) {
    std::array<unsigned char, 8192> buffer;
    boost::json::monotonic_resource arena(buffer.data(), buffer.size());
    const boost::json::value doc = boost::json::parse(body, &arena);
    auto out = boost::json::value_to<awsmp::batch_meter_usage_output>(doc);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(decode_batch_response_dom);

}  // namespace

BENCHMARK_MAIN();
