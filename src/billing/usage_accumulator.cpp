#include "billing/usage_accumulator.hpp"

#include <algorithm>
#include <cstring>

namespace awsmp::detail {

void usage_accumulator::account::store(const account_state& s) noexcept {
  input = s.input;
  output = s.output;
  carried = s.carried;
  last_sealed = static_cast<std::int32_t>(std::clamp<hour_t>(s.last_sealed, no_hour, INT32_MAX));
  first_usage = static_cast<std::int32_t>(std::clamp<hour_t>(s.first_usage, no_hour, INT32_MAX));
}

usage_accumulator::usage_accumulator() : shards_(new shard[shard_count]) {}
usage_accumulator::~usage_accumulator() = default;

std::uint64_t usage_accumulator::hash(std::string_view id) noexcept {
  // FNV-1a, then a 64-bit finaliser so that the top bits (shard) and low bits (slot) both mix.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

usage_accumulator::account* usage_accumulator::find(shard& s, std::string_view id, std::uint64_t h) noexcept {
  if (s.slots.empty()) return nullptr;
  const std::size_t mask = s.slots.size() - 1;
  const auto h32 = static_cast<std::uint32_t>(h);
  for (std::size_t i = h32 & mask;; i = (i + 1) & mask) {
    const std::uint32_t slot = s.slots[i];
    if (slot == 0) return nullptr;
    account& a = at(s, slot - 1);
    if (a.hash == h32 && id_of(s, a) == id) return &a;
  }
}

void usage_accumulator::grow(shard& s) {
  const std::size_t size = s.slots.empty() ? 16 : s.slots.size() * 2;
  std::vector<std::uint32_t> slots(size, 0);
  const std::size_t mask = size - 1;
  for (std::uint32_t index = 0; index < s.count; ++index) {
    std::size_t i = at(s, index).hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = index + 1;
  }
  s.slots = std::move(slots);
}

usage_accumulator::account* usage_accumulator::find_or_create(shard& s, std::string_view id,
                                                              std::uint64_t h) {
  if (account* a = find(s, id, h)) return a;
  // Load factor at most 3/4: short probes, and 4-byte slots keep the table near 8 bytes a customer.
  if ((s.count + 1) * 4 > s.slots.size() * 3) grow(s);
  if (s.count % accounts_per_chunk == 0) s.chunks.push_back(std::make_unique<account[]>(accounts_per_chunk));
  if (s.id_used + id.size() > id_chunk_bytes) {
    s.id_chunks.push_back(std::make_unique<char[]>(id_chunk_bytes));
    s.id_used = 0;
  }
  const std::uint32_t index = s.count++;
  account& a = at(s, index);
  a = account{};
  a.hash = static_cast<std::uint32_t>(h);
  a.id_ref = static_cast<std::uint32_t>((s.id_chunks.size() - 1) << 16 | s.id_used);
  a.id_len = static_cast<std::uint16_t>(id.size());
  if (!id.empty()) std::memcpy(s.id_chunks.back().get() + s.id_used, id.data(), id.size());
  s.id_used += static_cast<std::uint32_t>(id.size());
  const std::size_t mask = s.slots.size() - 1;
  std::size_t i = a.hash & mask;
  while (s.slots[i] != 0) i = (i + 1) & mask;
  s.slots[i] = index + 1;
  return &a;
}

bool usage_accumulator::visit(std::string_view id, bool create,
                              const std::function<void(std::string_view, account_state&)>& fn) {
  const std::uint64_t h = hash(id);
  shard& s = shard_of(h);
  std::lock_guard lock(s.mutex);
  account* a = create ? find_or_create(s, id, h) : find(s, id, h);
  if (a == nullptr) return false;
  account_state st = a->state();
  fn(id, st);
  a->store(st);
  return true;
}

void usage_accumulator::for_each_locked(const std::function<void(std::string_view, account_state&)>& fn) {
  for (std::size_t k = 0; k < shard_count; ++k) {
    shard& s = shards_[k];
    for (std::uint32_t index = 0; index < s.count; ++index) {
      account& a = at(s, index);
      account_state st = a.state();
      fn(id_of(s, a), st);
      a.store(st);
    }
  }
}

void usage_accumulator::for_each(const std::function<void(std::string_view, account_state&)>& fn) {
  for (std::size_t k = 0; k < shard_count; ++k) {
    shard& s = shards_[k];
    std::lock_guard lock(s.mutex);
    for (std::uint32_t index = 0; index < s.count; ++index) {
      account& a = at(s, index);
      account_state st = a.state();
      fn(id_of(s, a), st);
      a.store(st);
    }
  }
}

void usage_accumulator::close() {
  closed_.store(true, std::memory_order_relaxed);
  // Taking every lock once waits out the adds that read closed_ before it was set.
  with_all_locked([] {});
}

void usage_accumulator::with_all_locked(const std::function<void()>& fn) {
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(shard_count);
  for (std::size_t k = 0; k < shard_count; ++k) locks.emplace_back(shards_[k].mutex);
  fn();
}

std::uint64_t usage_accumulator::customers() const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < shard_count; ++k) {
    std::lock_guard lock(shards_[k].mutex);
    n += shards_[k].count;
  }
  return n;
}

std::uint64_t usage_accumulator::calls() const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < shard_count; ++k) {
    std::lock_guard lock(shards_[k].mutex);
    n += shards_[k].calls;
  }
  return n;
}

std::uint64_t usage_accumulator::tokens() const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < shard_count; ++k) {
    std::lock_guard lock(shards_[k].mutex);
    n += shards_[k].tokens;
  }
  return n;
}

std::size_t usage_accumulator::memory_bytes() const {
  std::size_t n = shard_count * sizeof(shard);
  for (std::size_t k = 0; k < shard_count; ++k) {
    const shard& s = shards_[k];
    std::lock_guard lock(s.mutex);
    n += s.slots.capacity() * sizeof(std::uint32_t);
    n += s.chunks.capacity() * sizeof(void*) + s.chunks.size() * accounts_per_chunk * sizeof(account);
    n += s.id_chunks.capacity() * sizeof(void*) + s.id_chunks.size() * id_chunk_bytes;
  }
  return n;
}

}  // namespace awsmp::detail
