// A consumer written the way the seed's users write it (issue 15 item 8): aggregates
// brace-initialised and strings concatenated right inside the co_await expression, which g++ 12
// destroys twice. Built with -fsanitize=address, so a double destruction of a heap string is a
// crash here, not silent heap corruption. Exit 0: every value arrived intact.
#include <awsmp/entitlement_store.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <map>
#include <string>

namespace {

// Answers every batch with Success; the consumer never flushes, so it is never called.
class accept_all final : public awsmp::metering_api {
 public:
  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string) override {
    co_return awsmp::resolve_customer_output{};
  }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(
      awsmp::batch_meter_usage_input) override {
    co_return awsmp::batch_meter_usage_output{};
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input) override {
    co_return awsmp::meter_usage_output{};
  }
};

// Long enough that std::string allocates (short ones live inside the object, where a double
// destruction goes unnoticed).
const std::string long_prefix = "customer-with-an-identifier-long-enough-to-allocate-";

awsmp::awaitable<int> natural_style(awsmp::memory_entitlement_store& store,
                                    awsmp::token_billing_tracker& tracker) {
  int failures = 0;
  // The seed's own examples, verbatim in shape.
  co_await store.put({"cust-1", "p", "d", 1, {}});
  co_await store.put(
      {long_prefix + "1", "prod-with-a-long-product-code-0001", "dimension-with-a-long-name", 2, {}});
  std::map<std::string, std::int64_t> expected;
  for (int i = 0; i < 60; ++i) {
    co_await tracker.record_usage("cust-" + std::to_string(i % 3), 100 + i, 1);
    co_await tracker.record_usage(long_prefix + std::to_string(i % 4), 1000 + i, 10);
    expected["cust-" + std::to_string(i % 3)] += 100 + i + 1;
    expected[long_prefix + std::to_string(i % 4)] += 1000 + i + 10;
  }
  const auto short_row = co_await store.get("cust-1", "d");
  if (!short_row || short_row->value != 1 || short_row->product_code != "p") ++failures;
  const auto long_row = co_await store.get(long_prefix + "1", "dimension-with-a-long-name");
  if (!long_row || long_row->value != 2 || long_row->product_code != "prod-with-a-long-product-code-0001")
    ++failures;
  for (const auto& r : co_await tracker.snapshot()) {
    if (expected[r.customer_identifier] != r.total_tokens) {
      std::printf("wrong total for %s: %lld\n", r.customer_identifier.c_str(),
                  static_cast<long long>(r.total_tokens));
      ++failures;
    }
    expected.erase(r.customer_identifier);
  }
  failures += static_cast<int>(expected.size());  // customers the tracker lost
  co_return failures;
}

}  // namespace

int main() {
  boost::asio::io_context io;
  awsmp::memory_entitlement_store store(io.get_executor());
  accept_all metering;
  awsmp::token_billing_tracker tracker(io.get_executor(), "prod-consumer", metering);
  auto done = boost::asio::co_spawn(io, natural_style(store, tracker), boost::asio::use_future);
  io.run();
  const int failures = done.get();
  std::printf("natural-style consumer: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
