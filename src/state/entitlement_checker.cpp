#include <array>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/error.hpp>
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

// A (billed customer, dimension) key. The account form and the legacy form never collide:
// exactly one of {account, license} and {customer} is set.
struct cache_key {
  std::string account;
  std::string license;
  std::string customer;
  std::string dimension;
};

// Lookups use views, so that a hit does not copy the caller's strings.
struct key_view {
  std::string_view account;
  std::string_view license;
  std::string_view customer;
  std::string_view dimension;
};

key_view view_of(const billed_customer& who, std::string_view dimension) noexcept {
  return {who.customer_aws_account_id, who.license_arn, who.customer_identifier, dimension};
}

std::size_t combine(std::size_t h, std::string_view part) noexcept {
  const std::size_t p = std::hash<std::string_view>{}(part);
  return h ^ (p + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::size_t hash_key(const key_view& k) noexcept {
  // The legacy form (the hot path of existing callers) hashes two strings, as before.
  std::size_t h = std::hash<std::string_view>{}(k.customer);
  if (!k.account.empty() || !k.license.empty()) h = combine(combine(h, k.account), k.license);
  return combine(h, k.dimension);
}

struct key_hash {
  using is_transparent = void;
  std::size_t operator()(const cache_key& k) const noexcept {
    return hash_key(key_view{k.account, k.license, k.customer, k.dimension});
  }
  std::size_t operator()(const key_view& k) const noexcept { return hash_key(k); }
};

struct key_equal {
  using is_transparent = void;
  static key_view view(const cache_key& k) noexcept {
    return {k.account, k.license, k.customer, k.dimension};
  }
  static key_view view(const key_view& k) noexcept { return k; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    const key_view x = view(a), y = view(b);
    return x.customer == y.customer && x.dimension == y.dimension && x.license == y.license &&
           x.account == y.account;
  }
};

cache_key owned(const key_view& k) {
  return cache_key{std::string(k.account), std::string(k.license), std::string(k.customer),
                   std::string(k.dimension)};
}

using read_result = std::optional<entitlement>;
using waiter_handler = asio::any_completion_handler<void(std::exception_ptr, read_result)>;

// A suspended caller: its handler, and its executor with outstanding work tracked so that
// its io_context does not run out of work while it waits on someone else's read.
struct waiter {
  waiter_handler handler;
  asio::any_completion_executor executor;
};

// One store read in progress, shared by every caller that missed the same key meanwhile.
struct flight {
  bool done = false;
  bool stale = false;  // the key was invalidated during the read: do not cache the result
  std::exception_ptr error;
  read_result row;
  std::vector<waiter> waiters;
};

struct cache_entry {
  read_result row;  // nullopt: the store had no row (cached too, so that unknown customers are cheap)
  time_point fresh_until;
  std::list<const cache_key*>::iterator lru;
};

bool entitled(const read_result& row, time_point now) noexcept {
  return row && row->value > 0 && now < row->expires_at;
}

}  // namespace

struct entitlement_checker::impl {
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<cache_key, cache_entry, key_hash, key_equal> entries;
    std::list<const cache_key*> lru;  // front: most recently used; points at keys of `entries`
    std::unordered_map<cache_key, std::shared_ptr<flight>, key_hash, key_equal> flights;
    std::uint64_t hits = 0, misses = 0, store_reads = 0, coalesced = 0, evictions = 0;
  };

  impl(asio::any_io_executor e, entitlement_store& s, entitlement_checker_options o)
      : ex(std::move(e)), store(s), options(std::move(o)) {
    if (options.cache_ttl.count() < 0) detail::throw_invalid_argument("cache_ttl", "must not be negative");
    if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
    caching = options.cache_ttl.count() > 0 && options.max_entries > 0;
    // Sharding only pays off when each shard still holds a useful number of entries.
    shard_count = options.max_entries >= 1024 ? max_shards : 1;
    per_shard_capacity = std::max<std::size_t>(1, options.max_entries / shard_count);
  }

  shard& shard_for(std::size_t hash) noexcept { return shards[hash % shard_count]; }

  void erase_entry(shard& s, decltype(shard::entries)::iterator it) {
    s.lru.erase(it->second.lru);
    s.entries.erase(it);
  }

  void insert_entry(shard& s, const key_view& key, read_result row, time_point fresh_until) {
    if (auto it = s.entries.find(key); it != s.entries.end()) erase_entry(s, it);
    auto [it, inserted] = s.entries.emplace(owned(key), cache_entry{std::move(row), fresh_until, {}});
    s.lru.push_front(&it->first);
    it->second.lru = s.lru.begin();
    while (s.entries.size() > per_shard_capacity) {
      const cache_key* victim = s.lru.back();
      s.lru.pop_back();
      s.entries.erase(s.entries.find(key_equal::view(*victim)));
      ++s.evictions;
    }
  }

  // Publishes a read's outcome to its waiters and, when still current, to the cache.
  void complete(std::size_t hash, const key_view& key, const std::shared_ptr<flight>& f, read_result row,
                std::exception_ptr error, time_point started) {
    std::vector<waiter> waiters;
    {
      auto& s = shard_for(hash);
      std::lock_guard lock(s.mutex);
      f->done = true;
      f->error = error;
      f->row = row;
      waiters = std::move(f->waiters);
      if (!f->stale) {
        if (auto it = s.flights.find(key); it != s.flights.end()) s.flights.erase(it);
        if (!error && caching) insert_entry(s, key, std::move(row), started + options.cache_ttl);
      }
    }
    for (auto& w : waiters) deliver(std::move(w), f->error, f->row);
  }

  waiter make_waiter(waiter_handler handler) {
    auto handler_ex = asio::get_associated_executor(handler, ex);
    return waiter{std::move(handler), asio::prefer(handler_ex, asio::execution::outstanding_work.tracked)};
  }

  static void deliver(waiter w, std::exception_ptr error, read_result row) {
    // Never resume a waiter inline: it runs on its own executor, after our lock is released.
    auto target = asio::prefer(w.executor, asio::execution::blocking.never);
    target.execute([h = std::move(w.handler), error = std::move(error), row = std::move(row)]() mutable {
      std::move(h)(error, std::move(row));
    });
  }

  // Suspends until `f` completes; registration happens under the shard lock so that a
  // completion cannot slip between "not done yet" and "waiting".
  auto wait_for(std::size_t hash, std::shared_ptr<flight> f) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, read_result)>(
        [this, hash, f = std::move(f)](auto handler) {
          waiter w = make_waiter(waiter_handler(std::move(handler)));
          auto& s = shard_for(hash);
          std::unique_lock lock(s.mutex);
          if (!f->done) {
            f->waiters.push_back(std::move(w));
            return;
          }
          lock.unlock();
          deliver(std::move(w), f->error, f->row);
        },
        asio::use_awaitable);
  }

  void invalidate(const billed_customer& who, std::string_view dimension) {
    const key_view key = view_of(who, dimension);
    auto& s = shard_for(hash_key(key));
    std::lock_guard lock(s.mutex);
    if (auto it = s.entries.find(key); it != s.entries.end()) erase_entry(s, it);
    if (auto it = s.flights.find(key); it != s.flights.end()) {
      // The read may have seen the old row; let it answer its own callers but not the
      // cache, and let the next miss start a fresh read.
      it->second->stale = true;
      s.flights.erase(it);
    }
  }

  // A row's change is seen under its own key and, for an account-form row with a customer
  // identifier, by a legacy lookup of that identifier (the stores' fallback).
  void invalidate_row(const entitlement& row) {
    const billed_customer key = row.customer();
    invalidate(key, row.dimension);
    if (key.is_account() && !row.customer_identifier.empty())
      invalidate(billed_customer::legacy(row.customer_identifier), row.dimension);
  }

  // Completes the flight with operation_aborted if its leader is destroyed mid-read (e.g. the
  // io_context is shut down), so that no waiter is left suspended forever.
  class flight_guard {
   public:
    flight_guard(impl* self, std::size_t hash, key_view key, std::shared_ptr<flight> f, time_point started)
        : self_(self), hash_(hash), key_(key), f_(std::move(f)), started_(started) {}
    ~flight_guard() {
      if (armed_) {
        try {
          self_->complete(
              hash_, key_, f_, std::nullopt,
              std::make_exception_ptr(boost::system::system_error(asio::error::operation_aborted)), started_);
        } catch (...) {
          // Only std::bad_alloc can get here; a destructor must not throw.
        }
      }
    }
    flight_guard(const flight_guard&) = delete;
    flight_guard& operator=(const flight_guard&) = delete;
    void finish(read_result row, std::exception_ptr error) {
      armed_ = false;
      self_->complete(hash_, key_, f_, std::move(row), std::move(error), started_);
    }

   private:
    impl* self_;
    std::size_t hash_;
    key_view key_;
    std::shared_ptr<flight> f_;
    time_point started_;
    bool armed_ = true;
  };

  static constexpr std::size_t max_shards = 16;
  asio::any_io_executor ex;
  entitlement_store& store;
  entitlement_checker_options options;
  bool caching = true;
  std::size_t shard_count = 1;
  std::size_t per_shard_capacity = 1;
  std::array<shard, max_shards> shards;
};

entitlement_checker::entitlement_checker(asio::any_io_executor ex, entitlement_store& store,
                                         std::chrono::nanoseconds cache_ttl)
    : entitlement_checker(std::move(ex), store, entitlement_checker_options{cache_ttl, 100'000, {}}) {}

entitlement_checker::entitlement_checker(asio::any_io_executor ex, entitlement_store& store,
                                         entitlement_checker_options options)
    : impl_(std::make_unique<impl>(std::move(ex), store, std::move(options))) {}

entitlement_checker::~entitlement_checker() = default;

awaitable<bool> entitlement_checker::is_entitled(billed_customer who, std::string dimension) {
  auto& self = *impl_;
  const time_point now = self.options.clock();
  const key_view key = view_of(who, dimension);
  const std::size_t hash = hash_key(key);
  auto& s = self.shard_for(hash);

  std::shared_ptr<flight> joined;
  std::shared_ptr<flight> led;
  {
    std::lock_guard lock(s.mutex);
    // Hit path: no validation is needed, since only validated keys are ever cached.
    if (auto it = s.entries.find(key); it != s.entries.end()) {
      if (now < it->second.fresh_until) {
        ++s.hits;
        s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
        co_return entitled(it->second.row, now);
      }
      self.erase_entry(s, it);
    }
  }
  // Miss: validate before anything reaches the store.
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  {
    std::lock_guard lock(s.mutex);
    // A read may have completed while the lock was released for validation.
    if (auto it = s.entries.find(key); it != s.entries.end() && now < it->second.fresh_until) {
      ++s.hits;
      s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
      co_return entitled(it->second.row, now);
    }
    ++s.misses;
    if (auto it = s.flights.find(key); it != s.flights.end()) {
      ++s.coalesced;
      joined = it->second;
    } else {
      ++s.store_reads;
      led = std::make_shared<flight>();
      s.flights.emplace(owned(key), led);
    }
  }

  if (joined) {
    // The read's exception, if any, is rethrown here by use_awaitable.
    const read_result row = co_await self.wait_for(hash, std::move(joined));
    co_return entitled(row, self.options.clock());
  }

  impl::flight_guard guard(&self, hash, key, led, now);
  read_result row;
  std::exception_ptr error;
  try {
    row = co_await self.store.get(who, dimension);
  } catch (...) {
    error = std::current_exception();
  }
  guard.finish(row, error);
  if (error) std::rethrow_exception(error);
  co_return entitled(row, self.options.clock());
}

awaitable<bool> entitlement_checker::is_entitled(std::string customer_identifier, std::string dimension) {
  return is_entitled(billed_customer::legacy(std::move(customer_identifier)), std::move(dimension));
}

awaitable<void> entitlement_checker::grant_entitlement(entitlement ent) {
  entitlement row = ent;
  std::exception_ptr error;
  try {
    co_await impl_->store.put(std::move(ent));
  } catch (const boost::system::system_error& e) {
    if (e.code() == errc::invalid_argument) throw;  // nothing was stored, nothing to drop
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
  }
  // Invalidate after the write (even a failed one, which may have landed): a read that
  // started before it is marked stale, and one that starts after it sees the new row.
  impl_->invalidate_row(row);
  if (error) std::rethrow_exception(error);
}

awaitable<void> entitlement_checker::revoke_entitlement(billed_customer who, std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  // The rows the erase removes, read first: each may be cached under its own key and under a
  // legacy lookup of its customer identifier.
  std::vector<entitlement> affected;
  if (who.is_account()) {
    if (auto row = co_await impl_->store.get(who, dimension)) affected.push_back(std::move(*row));
  } else {
    auto rows = co_await impl_->store.list(who);
    for (auto& row : rows)
      if (row.dimension == dimension) affected.push_back(std::move(row));
  }
  std::exception_ptr error;
  try {
    co_await impl_->store.erase(who, dimension);
  } catch (...) {
    error = std::current_exception();
  }
  impl_->invalidate(who, dimension);
  for (const auto& row : affected) impl_->invalidate_row(row);
  if (error) std::rethrow_exception(error);
}

awaitable<void> entitlement_checker::revoke_entitlement(std::string customer_identifier,
                                                        std::string dimension) {
  return revoke_entitlement(billed_customer::legacy(std::move(customer_identifier)), std::move(dimension));
}

awaitable<void> entitlement_checker::invalidate(billed_customer who, std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  impl_->invalidate(who, dimension);
  co_return;
}

awaitable<void> entitlement_checker::invalidate(std::string customer_identifier, std::string dimension) {
  return invalidate(billed_customer::legacy(std::move(customer_identifier)), std::move(dimension));
}

void entitlement_checker::invalidate_all() noexcept {
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mutex);
    s.entries.clear();
    s.lru.clear();
    for (auto& [key, f] : s.flights) f->stale = true;
    s.flights.clear();
  }
}

entitlement_store& entitlement_checker::store() noexcept {
  return impl_->store;
}

entitlement_checker_stats entitlement_checker::stats() const noexcept {
  entitlement_checker_stats out;
  for (const auto& s : impl_->shards) {
    std::lock_guard lock(s.mutex);
    out.hits += s.hits;
    out.misses += s.misses;
    out.store_reads += s.store_reads;
    out.coalesced += s.coalesced;
    out.evictions += s.evictions;
    out.entries += s.entries.size();
  }
  return out;
}

}  // namespace awsmp
