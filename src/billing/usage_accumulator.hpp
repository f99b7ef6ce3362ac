// The hot path of record_usage: per-customer token counters in 32 shards, each a mutex and a
// flat open-addressing table over chunked storage with interned ids (~70 bytes a customer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "billing/billing_planner.hpp"

namespace awsmp::detail {

/// Result of usage_accumulator::add.
enum class add_result { ok, overflow, closed };

/// Thread-safe map customer id -> account_state, sharded so that two threads recording for
/// different customers rarely meet on a lock. Accounts are never removed (a customer's last
/// sealed hour must survive for the hour rule); keys (billing_planner account_key) are shorter
/// than an id chunk (8 KiB).
class usage_accumulator {
 public:
  // 32: plenty for the few threads of an executor, and compaction holds every shard lock plus
  // the journal's at once, which must stay below ThreadSanitizer's limit of 64 held locks.
  static constexpr std::size_t shard_count = 32;

  usage_accumulator();
  ~usage_accumulator();
  usage_accumulator(const usage_accumulator&) = delete;
  usage_accumulator& operator=(const usage_accumulator&) = delete;

  /// Adds tokens to a customer (creating it). Under the customer's shard lock and before the
  /// counters change, calls on_accept(first_hour) (the journal append, so a seal can never
  /// precede the usage it consumed in the journal); if on_accept throws, nothing changes.
  /// `hour_now()` is read only when the account had nothing unbilled: its result becomes the
  /// account's first usage hour (and first_hour, else no_hour). After close(), refuses with
  /// add_result::closed: checked under the shard lock, so no add slips past close().
  template <class HourNow, class OnAccept>
  add_result add(std::string_view id, std::int64_t input, std::int64_t output, HourNow&& hour_now,
                 OnAccept&& on_accept) {
    const std::uint64_t h = hash(id);
    shard& s = shard_of(h);
    std::lock_guard lock(s.mutex);
    if (closed_.load(std::memory_order_relaxed)) return add_result::closed;
    account* a = find_or_create(s, id, h);
    account_state st = a->state();
    if (total_would_overflow(st, input, output)) return add_result::overflow;
    hour_t first = no_hour;
    if (a->input == 0 && a->output == 0 && a->carried == 0 && (input != 0 || output != 0)) first = hour_now();
    on_accept(first);
    if (first != no_hour) a->first_usage = static_cast<std::int32_t>(first);
    a->input += input;
    a->output += output;
    ++s.calls;
    s.tokens += static_cast<std::uint64_t>(input) + static_cast<std::uint64_t>(output);
    return add_result::ok;
  }

  /// Calls fn(id, state) for one customer under its shard lock (creating it when `create`),
  /// storing the state back afterwards; returns false when it does not exist and !create.
  bool visit(std::string_view id, bool create,
             const std::function<void(std::string_view, account_state&)>& fn);
  /// Calls fn(id, state) for every customer, shard by shard under each shard's lock, storing
  /// the state back. fn must not call back into the accumulator.
  void for_each(const std::function<void(std::string_view, account_state&)>& fn);
  /// Refuses every later add(); when it returns, every add that was not refused is complete.
  void close();
  /// Locks every shard, calls fn, unlocks (consistent snapshot for journal compaction).
  void with_all_locked(const std::function<void()>& fn);
  /// Like for_each but the caller already holds every lock (inside with_all_locked).
  void for_each_locked(const std::function<void(std::string_view, account_state&)>& fn);

  /// Customers tracked, calls accepted and tokens accepted (summed over shards, under locks).
  std::uint64_t customers() const;
  std::uint64_t calls() const;
  std::uint64_t tokens() const;
  /// Bytes of heap this structure holds (tables, chunks), for the memory benchmark.
  std::size_t memory_bytes() const;

 private:
  struct account {
    std::int64_t input = 0;
    std::int64_t output = 0;
    std::int64_t carried = 0;
    std::uint32_t hash = 0;
    std::uint32_t id_ref = 0;  // id chunk << 16 | offset
    std::int32_t last_sealed = static_cast<std::int32_t>(no_hour);
    std::int32_t first_usage = static_cast<std::int32_t>(no_hour);
    std::uint16_t id_len = 0;
    account_state state() const noexcept { return {input, output, carried, last_sealed, first_usage}; }
    void store(const account_state& s) noexcept;
  };
  static constexpr std::size_t accounts_per_chunk = 256;
  static constexpr std::size_t id_chunk_bytes = 1u << 13;

  struct alignas(64) shard {
    mutable std::mutex mutex;
    std::vector<std::uint32_t> slots;  // account index + 1; 0: empty
    std::vector<std::unique_ptr<account[]>> chunks;
    std::vector<std::unique_ptr<char[]>> id_chunks;
    std::uint32_t count = 0;
    std::uint32_t id_used = id_chunk_bytes;  // bytes used in the last id chunk
    std::uint64_t calls = 0;
    std::uint64_t tokens = 0;
  };

  static std::uint64_t hash(std::string_view id) noexcept;
  shard& shard_of(std::uint64_t h) noexcept { return shards_[h >> 59]; }
  static account& at(shard& s, std::uint32_t index) noexcept {
    return s.chunks[index / accounts_per_chunk][index % accounts_per_chunk];
  }
  static std::string_view id_of(const shard& s, const account& a) noexcept {
    return {s.id_chunks[a.id_ref >> 16].get() + (a.id_ref & 0xFFFFu), a.id_len};
  }
  static account* find_or_create(shard& s, std::string_view id, std::uint64_t h);
  static account* find(shard& s, std::string_view id, std::uint64_t h) noexcept;
  static void grow(shard& s);

  std::unique_ptr<shard[]> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace awsmp::detail
