#include "billing/usage_ledger.hpp"

#include <awsmp/error.hpp>

#include <algorithm>
#include <array>
#include <unordered_map>

namespace awsmp::detail {
namespace {

minute_t floor_div(minute_t a, minute_t b) noexcept {
  const minute_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// A record's identity as AWS sees it: the seconds of a timestamp are ignored, so the minute is
// part of the key (and the minute rule makes it unique within a batch).
std::string record_key(const usage_record& r) {
  std::string key;
  key.reserve(r.customer_identifier.size() + r.customer_aws_account_id.size() + r.dimension.size() + 24);
  key += r.customer_identifier;
  key += '\0';
  key += r.customer_aws_account_id;
  key += '\0';
  key += r.dimension;
  key += '\0';
  key += std::to_string(minute_of(r.timestamp));
  return key;
}

// Refusals that are about one record of the batch, not about the seller: isolating the
// records finds the culprit without holding up everyone else's billing.
constexpr std::array<std::string_view, 7> record_specific_errors = {
    "InvalidCustomerIdentifierException", "InvalidUsageDimensionException",
    "TimestampOutOfBoundsException",      "InvalidTagException",
    "InvalidUsageAllocationsException",   "InvalidLicenseException",
    "CustomerNotEntitledException",
};

}  // namespace

minute_t minute_of(time_point t) noexcept {
  return std::chrono::floor<std::chrono::minutes>(t).time_since_epoch().count();
}

time_point minute_start(minute_t m) noexcept {
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::minutes(m)));
}

bool total_would_overflow(const account_state& a, std::int64_t input, std::int64_t output) noexcept {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a.input, a.output, &sum) || __builtin_add_overflow(sum, a.carried, &sum) ||
         __builtin_add_overflow(sum, input, &sum) || __builtin_add_overflow(sum, output, &sum);
}

std::int64_t seal_plan::units() const noexcept {
  std::int64_t n = 0;
  for (const auto& part : parts) n += part.quantity;
  return n;
}

seal_plan plan_seal(const account_state& a, minute_t now, const ledger_policy& p, bool settle) noexcept {
  seal_plan s;
  s.last_sealed = a.last_sealed;
  const std::int64_t open = a.input + a.output;
  const std::int64_t total = open + a.carried;
  if (total <= 0) return s;
  const std::int64_t tpu = p.tokens_per_unit;
  std::int64_t units = total / tpu;
  std::int64_t remainder = total % tpu;
  if ((settle || p.round == rounding::round_up) && remainder != 0) {
    ++units;
    remainder = 0;
  }
  if (units == 0) {
    // Below one unit: the open tokens join the carry; no record, so no minute is used.
    s.consumed_input = a.input;
    s.consumed_output = a.output;
    s.carried_delta = open;
    return s;
  }
  if (now <= a.last_sealed) {
    s.deferred = true;
    return s;
  }
  std::int64_t left = units;
  for (minute_t m = now; left > 0 && s.parts.size() < p.max_split_records && m > a.last_sealed; --m) {
    const std::int64_t q = std::min(left, p.max_quantity);
    s.parts.push_back({m, static_cast<std::int32_t>(q)});
    left -= q;
  }
  s.consumed_input = a.input;
  s.consumed_output = a.output;
  // Units that found no free minute go back to the carry as tokens, billed at the next seal.
  s.carried_delta = remainder + left * tpu - a.carried;
  s.last_sealed = now;
  return s;
}

bool heartbeat_due(const account_state& a, minute_t now) noexcept {
  if (a.input != 0 || a.output != 0 || now <= a.last_sealed) return false;
  return a.last_sealed == never_sealed || floor_div(a.last_sealed, 60) < floor_div(now, 60);
}

std::chrono::nanoseconds next_tick_delay(time_point now, std::chrono::nanoseconds interval) noexcept {
  if (interval <= std::chrono::nanoseconds::zero()) return std::chrono::nanoseconds(1);
  if (std::chrono::hours(1) % interval != std::chrono::nanoseconds::zero()) return interval;
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  auto into = since % interval;
  if (into < std::chrono::nanoseconds::zero()) into += interval;
  return interval - into;
}

void apply_seal(account_state& a, const seal_plan& plan) noexcept {
  a.input -= plan.consumed_input;
  a.output -= plan.consumed_output;
  a.carried += plan.carried_delta;
  a.last_sealed = std::max(a.last_sealed, plan.last_sealed);
}

send_failure_kind classify_send_failure(const boost::system::system_error& e) noexcept {
  if (const auto* aws = dynamic_cast<const aws_error*>(&e)) {
    if (aws->retryable() || aws->http_status() >= 500) return send_failure_kind::retry;
    const auto& type = aws->type();
    if (std::find(record_specific_errors.begin(), record_specific_errors.end(), type) != record_specific_errors.end())
      return send_failure_kind::poison;
    return send_failure_kind::fatal;
  }
  const auto code = e.code();
  if (code == make_error_code(errc::invalid_argument)) return send_failure_kind::poison;
  if (code == make_error_code(errc::credentials_unavailable) || code == make_error_code(errc::stopped))
    return send_failure_kind::fatal;
  // Timeouts, connection and TLS failures, malformed or oversized answers, an exhausted retry
  // quota: the request may or may not have landed, and resending the same records is safe.
  return send_failure_kind::retry;
}

std::size_t estimate_record_bytes(const usage_record& r) noexcept {
  std::size_t n = 160 + 6 * (r.customer_identifier.size() + r.customer_aws_account_id.size() +
                             r.license_arn.size() + r.dimension.size());
  for (const auto& a : r.usage_allocations) {
    n += 64;
    for (const auto& t : a.tags) n += 32 + 6 * (t.key.size() + t.value.size());
  }
  return n;
}

std::size_t estimate_envelope_bytes(std::string_view product_code) noexcept {
  return 64 + 6 * product_code.size();
}

std::uint64_t usage_ledger::add(usage_record record) {
  const std::uint64_t seq = next_seq_++;
  pending_.emplace(seq, pending_record{seq, std::move(record)});
  return seq;
}

void usage_ledger::restore(std::uint64_t seq, usage_record record) {
  pending_.insert_or_assign(seq, pending_record{seq, std::move(record)});
  reserve_seq(seq + 1);
}

void usage_ledger::acknowledge(std::uint64_t seq) { pending_.erase(seq); }

void usage_ledger::kill(std::uint64_t seq, std::string reason) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  dead_.push_back({std::move(it->second.record), std::move(reason)});
  pending_.erase(it);
}

void usage_ledger::restore_dead(dead_letter d) { dead_.push_back(std::move(d)); }

void usage_ledger::reserve_seq(std::uint64_t seq) noexcept { next_seq_ = std::max(next_seq_, seq); }

std::vector<std::pair<std::uint64_t, std::string>> usage_ledger::expire(time_point now, std::chrono::minutes age) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  const time_point limit = now - age;
  for (const auto& [seq, p] : pending_)
    if (!p.in_flight && p.record.timestamp <= limit)
      out.emplace_back(seq, "expired: not accepted within " + std::to_string(age.count()) +
                                " minutes of its timestamp (AWS refuses records 6 hours old)");
  for (const auto& [seq, reason] : out) kill(seq, reason);
  return out;
}

std::vector<std::vector<std::uint64_t>> usage_ledger::plan_batches(std::string_view product_code,
                                                                   std::size_t max_records, std::size_t max_bytes) {
  std::vector<std::vector<std::uint64_t>> batches;
  std::vector<std::uint64_t> current;
  const std::size_t envelope = estimate_envelope_bytes(product_code);
  std::size_t bytes = envelope;
  for (auto& [seq, p] : pending_) {
    if (p.in_flight) continue;
    p.in_flight = true;
    if (p.isolate) {
      batches.push_back({seq});
      continue;
    }
    const std::size_t size = estimate_record_bytes(p.record);
    if (!current.empty() && (current.size() >= max_records || bytes + size >= max_bytes)) {
      batches.push_back(std::move(current));
      current.clear();
      bytes = envelope;
    }
    current.push_back(seq);
    bytes += size;
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

batch_meter_usage_input usage_ledger::make_request(std::string_view product_code,
                                                   const std::vector<std::uint64_t>& batch) {
  batch_meter_usage_input in;
  in.product_code = std::string(product_code);
  in.usage_records.reserve(batch.size());
  for (auto seq : batch) {
    auto& p = pending_.at(seq);
    ++p.sends;
    in.usage_records.push_back(p.record);
  }
  return in;
}

batch_outcome usage_ledger::apply_response(const std::vector<std::uint64_t>& batch,
                                           const batch_meter_usage_output& out) {
  batch_outcome o;
  std::unordered_map<std::string, std::uint64_t> by_key;
  for (auto seq : batch) {
    auto it = pending_.find(seq);
    if (it != pending_.end()) by_key.emplace(record_key(it->second.record), seq);
  }
  for (const auto& result : out.results) {
    auto k = by_key.find(record_key(result.record));
    if (k == by_key.end()) continue;  // not ours (or answered twice): nothing to retire
    const std::uint64_t seq = k->second;
    by_key.erase(k);
    switch (result.status) {
      case usage_record_status::success:
        o.acknowledged.push_back(seq);
        acknowledge(seq);
        break;
      case usage_record_status::customer_not_subscribed:
      case usage_record_status::duplicate_record: {
        std::string reason(to_string(result.status));
        o.dead.emplace_back(seq, reason);
        kill(seq, std::move(reason));
        break;
      }
    }
  }
  // Unprocessed and unmentioned records alike stay pending and go out again, unchanged.
  for (const auto& [key, seq] : by_key) {
    auto it = pending_.find(seq);
    if (it == pending_.end()) continue;
    it->second.in_flight = false;
    o.unprocessed.push_back(seq);
  }
  std::sort(o.unprocessed.begin(), o.unprocessed.end());
  return o;
}

batch_outcome usage_ledger::apply_failure(const std::vector<std::uint64_t>& batch, send_failure_kind kind,
                                          std::string_view reason) {
  batch_outcome o;
  if (kind == send_failure_kind::poison && batch.size() == 1 && pending_.count(batch.front())) {
    o.dead.emplace_back(batch.front(), std::string(reason));
    kill(batch.front(), std::string(reason));
    return o;
  }
  for (auto seq : batch) {
    auto it = pending_.find(seq);
    if (it == pending_.end()) continue;
    it->second.in_flight = false;
    if (kind == send_failure_kind::poison) it->second.isolate = true;
    o.unprocessed.push_back(seq);
  }
  return o;
}

}  // namespace awsmp::detail
