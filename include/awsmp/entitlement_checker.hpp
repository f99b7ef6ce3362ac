// entitlement_checker: "may this customer use this dimension?", answered from a bounded,
// coherent cache in front of an entitlement_store.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace awsmp {

/// Settings of an entitlement_checker; every default is documented here.
struct entitlement_checker_options {
  /// How long a store row (or its absence) is answered from the cache. 0 disables caching
  /// (every call reads the store; concurrent reads of one key are still shared).
  std::chrono::nanoseconds cache_ttl = std::chrono::seconds(60);
  /// Most (billed customer, dimension) keys kept; the least recently used is evicted past it.
  /// 0 disables caching.
  std::size_t max_entries = 100'000;
  /// The wall clock used for cache freshness and for expires_at; empty: system_clock::now.
  clock_function clock;
};

/// Counters of an entitlement_checker, for observability and tests.
struct entitlement_checker_stats {
  std::uint64_t hits = 0;         ///< answered from the cache
  std::uint64_t misses = 0;       ///< not (freshly) cached
  std::uint64_t store_reads = 0;  ///< entitlement_store::get calls made
  std::uint64_t coalesced = 0;    ///< misses that waited for a read already in flight
  std::uint64_t evictions = 0;    ///< entries dropped to stay within max_entries
  std::size_t entries = 0;        ///< keys cached now
};

/// Answers is_entitled on every request of a busy server. A customer is entitled to a
/// dimension when the store has a row for it, its value is > 0 and now < expires_at (use
/// awsmp::never_expires for an entitlement without end). Expiry is evaluated on every call
/// with the current clock, so a cached row never answers "entitled" past its expires_at.
///
/// The cache is sharded and each shard is guarded by a mutex instead of a strand: a hit
/// costs one short lock and no executor hop, and never suspends. Concurrent misses of one
/// key share one store read (single-flight); grant, revoke and invalidate drop the cached
/// entry and mark a read in flight as stale so that its (older) result is not cached.
/// Store errors propagate to every caller waiting for that read and are never cached.
/// Thread-safe: call from any thread of any executor; `store` must outlive the checker, and
/// operations must complete before the checker is destroyed.
class entitlement_checker {
 public:
  /// A checker with the given cache TTL and the other defaults; throws
  /// system_error(errc::invalid_argument) for a negative TTL.
  entitlement_checker(asio::any_io_executor ex, entitlement_store& store, std::chrono::nanoseconds cache_ttl);
  /// A checker with explicit options; throws system_error(errc::invalid_argument) for a negative TTL.
  entitlement_checker(asio::any_io_executor ex, entitlement_store& store,
                      entitlement_checker_options options);
  ~entitlement_checker();
  entitlement_checker(const entitlement_checker&) = delete;
  entitlement_checker& operator=(const entitlement_checker&) = delete;

  /// True when `who` is entitled to `dimension` now; in the account form the answer is per
  /// license (another license of the same account does not count). Throws
  /// system_error(errc::invalid_argument) for an id that breaks the rule book before the
  /// store is read, and what the store throws on a miss.
  awaitable<bool> is_entitled(billed_customer who, std::string dimension);
  /// Legacy form: is_entitled(billed_customer::legacy(customer_identifier), dimension).
  awaitable<bool> is_entitled(std::string customer_identifier, std::string dimension);
  /// Stores `ent` (insert or replace, key ent.customer()) and drops the cached answer; throws
  /// like the store's put.
  awaitable<void> grant_entitlement(entitlement ent);
  /// Removes the row of (who, dimension) and drops the cached answers it affects; throws like
  /// the store's erase.
  awaitable<void> revoke_entitlement(billed_customer who, std::string dimension);
  /// Legacy form: revoke_entitlement(billed_customer::legacy(customer_identifier), dimension).
  awaitable<void> revoke_entitlement(std::string customer_identifier, std::string dimension);
  /// Drops the cached answers of (who, dimension) (after the store was changed behind the
  /// checker's back); throws system_error(errc::invalid_argument) for a bad id.
  awaitable<void> invalidate(billed_customer who, std::string dimension);
  /// Legacy form: invalidate(billed_customer::legacy(customer_identifier), dimension).
  awaitable<void> invalidate(std::string customer_identifier, std::string dimension);
  /// Drops every cached answer; never throws.
  void invalidate_all() noexcept;

  /// The store behind the cache; never throws.
  entitlement_store& store() noexcept;
  /// A snapshot of the counters; never throws.
  entitlement_checker_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
