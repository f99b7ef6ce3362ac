// Helpers shared by the state tests (stores, lifecycle, concurrency_state, integration/stores);
// run_sync and temp_dir come from tests/support. manual_clock stays here: its default start
// (December 2025) differs from tests/support/manual_clock.hpp's, and these tests were written
// against it.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace awsmp::test {

/// A settable wall clock for the clock_function parameters; thread-safe.
class manual_clock {
 public:
  explicit manual_clock(time_point start = time_point(std::chrono::hours(24 * 365 * 56))) : now_(start) {}
  time_point now() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mutex_);
    now_ += std::chrono::duration_cast<time_point::duration>(d);
  }
  clock_function function() {
    return [this] { return now(); };
  }

 private:
  mutable std::mutex mutex_;
  time_point now_;
};

/// The errc carried by a system_error, for BOOST_CHECK_EXCEPTION predicates.
inline auto has_code(errc code) {
  return [code](const boost::system::system_error& e) { return e.code() == make_error_code(code); };
}

/// Options for a store at `path`, everything else defaulted.
inline sqlite_store_options sqlite_options(std::filesystem::path path) {
  sqlite_store_options o;
  o.path = std::move(path);
  return o;
}

/// The two store backends behind one face, so that every store test runs on both.
struct memory_backend {
  static constexpr const char* name = "memory";
  explicit memory_backend(asio::io_context& ctx) : ents(ctx.get_executor()), subs(ctx.get_executor()) {}
  entitlement_store& entitlements() { return ents; }
  subscription_store& subscriptions() { return subs; }
  memory_entitlement_store ents;
  memory_subscription_store subs;
};

struct sqlite_backend {
  static constexpr const char* name = "sqlite";
  explicit sqlite_backend(asio::io_context& ctx)
      : store(ctx.get_executor(), sqlite_options(dir.path() / "state.db")) {}
  entitlement_store& entitlements() { return store.entitlements(); }
  subscription_store& subscriptions() { return store.subscriptions(); }
  temp_dir dir;
  sqlite_store store;
};

}  // namespace awsmp::test
