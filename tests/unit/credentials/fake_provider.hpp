// A scripted credentials provider for the chain and cache tests: counts calls, can wait
// before answering, and answers what its function returns or throws.
#pragma once

#include <awsmp/credentials.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>

namespace awsmp::test {

class fake_provider final : public credentials_provider {
public:
  using script = std::function<credentials(int call)>;
  explicit fake_provider(script s, std::chrono::milliseconds delay = {}) : script_(std::move(s)), delay_(delay) {}

  awaitable<credentials> get() override {
    const int call = ++calls_;
    if (delay_.count() > 0) {
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, delay_);
      co_await t.async_wait(boost::asio::use_awaitable);
    }
    co_return script_(call);
  }
  int calls() const { return calls_.load(); }

private:
  script script_;
  std::chrono::milliseconds delay_;
  std::atomic<int> calls_{0};
};

inline credentials make_credentials(std::string key, std::optional<time_point> expiration = {}) {
  return credentials{std::move(key), "SECRET-" + std::to_string(expiration ? 1 : 0) + "-xyz", "TOKEN-xyz", expiration};
}

}  // namespace awsmp::test
