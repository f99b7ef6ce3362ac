// Test support: an in-memory event_sink that records every call and keeps a durable-looking
// state (active customers, billed-now and settled sets), with a switch to fail the next calls.
#pragma once

#include <awsmp/marketplace_event_consumer.hpp>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace events_test {

class fake_event_sink final : public awsmp::event_sink {
 public:
  std::vector<std::string> calls;      // "activate legacy:c1 prod" ...
  std::map<std::string, bool> active;  // to_string(who) -> active
  std::map<std::string, awsmp::time_point> last_change;
  std::map<std::string, std::vector<awsmp::billed_customer>> licenses;  // account -> licenses
  int fail_next = 0;

  awsmp::awaitable<void> activate(awsmp::billed_customer who, std::string product,
                                  awsmp::time_point t) override {
    record("activate " + to_string(who) + " " + product);
    // Reordering: an activation older than the last change of this customer is stale.
    const auto key = to_string(who);
    if (auto it = last_change.find(key); it != last_change.end() && it->second > t) co_return;
    active[key] = true;
    last_change[key] = t;
  }
  awsmp::awaitable<void> bill_now(awsmp::billed_customer who, awsmp::time_point) override {
    record("bill_now " + to_string(who));
    co_return;
  }
  awsmp::awaitable<void> settle_and_deactivate(awsmp::billed_customer who, awsmp::time_point t) override {
    record("settle " + to_string(who));
    const auto key = to_string(who);
    if (auto it = last_change.find(key); it != last_change.end() && it->second > t) co_return;
    active[key] = false;
    last_change[key] = t;
  }
  awsmp::awaitable<void> sync_entitlements(awsmp::billed_customer who) override {
    record("sync " + to_string(who));
    co_return;
  }
  awsmp::awaitable<std::vector<awsmp::billed_customer>> licenses_of(std::string account) override {
    record("licenses_of " + account);
    auto it = licenses.find(account);
    co_return it == licenses.end() ? std::vector<awsmp::billed_customer>{} : it->second;
  }

 private:
  void record(std::string call) {
    if (fail_next > 0) {
      --fail_next;
      throw std::runtime_error("sink unavailable");
    }
    calls.push_back(std::move(call));
  }
};

}  // namespace events_test
