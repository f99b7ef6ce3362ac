// Fakes for the lifecycle tests: a counting/gated/failing entitlement store and an entitlement
// service, each built from plain data and counters (the metering_api fake is
// tests/support/fake_metering.hpp).
#pragma once

#include <algorithm>
#include <awsmp/entitlement_service_client.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <stdexcept>

#include "state_test_support.hpp"

namespace awsmp::test {

/// Wraps a store: counts get calls, can fail the next N gets, and can hold gets at a gate
/// (the row is read first, so a held get returns what the store had when it was called).
class instrumented_store final : public entitlement_store {
 public:
  explicit instrumented_store(entitlement_store& inner, asio::any_io_executor ex) : inner_(inner), gate_(ex) {
    gate_.expires_at(asio::steady_timer::time_point::max());
  }
  std::atomic<int> gets{0};
  std::atomic<int> fail_next_gets{0};
  bool gated = false;
  int waiting = 0;  // gets held at the gate now (only touched on a single-threaded io_context)

  /// Lets every held get finish.
  void open_gate() {
    gated = false;
    gate_.cancel();
  }

  using entitlement_store::erase;
  using entitlement_store::get;
  using entitlement_store::list;
  awaitable<void> put(entitlement ent) override { return inner_.put(std::move(ent)); }
  awaitable<std::optional<entitlement>> get(billed_customer customer, std::string dimension) override {
    ++gets;
    auto row = co_await inner_.get(std::move(customer), std::move(dimension));
    if (gated) {
      ++waiting;
      co_await gate_.async_wait(asio::as_tuple(asio::use_awaitable));
      --waiting;
    }
    if (fail_next_gets > 0) {
      --fail_next_gets;
      throw boost::system::system_error(make_error_code(boost::system::errc::io_error), "disk on fire");
    }
    co_return row;
  }
  awaitable<std::vector<entitlement>> list(billed_customer customer) override {
    return inner_.list(std::move(customer));
  }
  awaitable<void> erase(billed_customer customer, std::string dimension) override {
    return inner_.erase(std::move(customer), std::move(dimension));
  }

 private:
  entitlement_store& inner_;
  asio::steady_timer gate_;
};

/// GetEntitlements over fixed pages of `pages_size`; can fail on a given page.
class fake_entitlement_service final : public entitlement_service_api {
 public:
  std::vector<marketplace_entitlement> all;
  std::size_t page_size = 2;
  int fail_on_page = -1;
  int calls = 0;
  std::string last_product_code;

  std::map<entitlement_filter, std::vector<std::string>> last_filter;

  // Filters as GetEntitlements applies them: every filter must match, any of its values.
  static bool matches(const marketplace_entitlement& e,
                      const std::map<entitlement_filter, std::vector<std::string>>& f) {
    for (const auto& [name, values] : f) {
      const std::string& field = name == entitlement_filter::customer_identifier ? e.customer_identifier
                                 : name == entitlement_filter::dimension         ? e.dimension
                                 : name == entitlement_filter::customer_aws_account_id
                                     ? e.customer_aws_account_id
                                     : e.license_arn;
      if (std::find(values.begin(), values.end(), field) == values.end()) return false;
    }
    return true;
  }

  awaitable<get_entitlements_output> get_entitlements(get_entitlements_input input) override {
    const int page = input.next_token.empty() ? 0 : std::stoi(input.next_token);
    ++calls;
    last_product_code = input.product_code;
    last_filter = input.filter;
    if (page == fail_on_page) throw aws_error(503, "ThrottlingException", "slow down", "req-2");
    std::vector<marketplace_entitlement> selected;
    for (const auto& e : all)
      if (matches(e, input.filter)) selected.push_back(e);
    get_entitlements_output out;
    const std::size_t begin = static_cast<std::size_t>(page) * page_size;
    for (std::size_t i = begin; i < selected.size() && i < begin + page_size; ++i)
      out.entitlements.push_back(selected[i]);
    if (begin + page_size < selected.size()) out.next_token = std::to_string(page + 1);
    co_return out;
  }
};

}  // namespace awsmp::test
