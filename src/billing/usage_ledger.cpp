#include "billing/usage_ledger.hpp"

#include <algorithm>
#include <unordered_map>

namespace awsmp::detail {
namespace {

// A record's identity as AWS sees it: (customer, license, dimension, hour); the hour rule
// makes it unique within a batch.
std::string record_key(const usage_record& r) {
  std::string key = account_key(r);
  key += '\0';
  key += r.dimension;
  key += '\0';
  key += std::to_string(hour_of(r.timestamp));
  return key;
}

}  // namespace

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

void usage_ledger::restore(std::uint64_t seq, usage_record record, std::uint32_t sends,
                           bool maybe_delivered) {
  pending_record p{seq, std::move(record)};
  p.sends = sends;
  p.maybe_delivered = maybe_delivered;
  pending_.insert_or_assign(seq, std::move(p));
  reserve_seq(seq + 1);
}

void usage_ledger::acknowledge(std::uint64_t seq) {
  pending_.erase(seq);
}

void usage_ledger::kill(std::uint64_t seq, std::string reason, bool in_doubt, std::uint32_t min_sends) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  dead_letter d{std::move(it->second.record), std::move(reason)};
  d.in_doubt = in_doubt;
  d.sends = std::max(it->second.sends, min_sends);
  dead_.push_back({seq, std::move(d)});
  pending_.erase(it);
}

void usage_ledger::restore_dead(std::uint64_t seq, dead_letter d) {
  dead_.push_back({seq, std::move(d)});
  reserve_seq(seq + 1);
}

void usage_ledger::remove_dead(std::uint64_t seq) {
  std::erase_if(dead_, [&](const dead_entry& d) { return d.seq == seq; });
}

void usage_ledger::reserve_seq(std::uint64_t seq) noexcept {
  next_seq_ = std::max(next_seq_, seq);
}

batch_outcome usage_ledger::expire(time_point now, std::chrono::minutes age) {
  batch_outcome o;
  for (const auto& [seq, p] : pending_) {
    if (p.in_flight) continue;
    switch (on_age(p.record.timestamp, p.maybe_delivered, now, age)) {
      case record_action::unseal:
        o.unsealed.push_back({seq, p.record});
        break;
      case record_action::dead_in_doubt:
        o.dead.push_back(
            {seq,
             "expired in doubt: possibly billed by an earlier transmission, not confirmed within " +
                 std::to_string(age.count()) + " minutes of its timestamp (AWS refuses records 6 hours old)",
             true, p.sends});
        break;
      default:
        break;
    }
  }
  for (const auto& u : o.unsealed) acknowledge(u.seq);
  for (const auto& d : o.dead) kill(d.seq, d.reason, true);
  return o;
}

std::vector<planned_batch> usage_ledger::plan_batches(std::string_view product_code, std::size_t max_records,
                                                      std::size_t max_bytes) {
  std::vector<planned_batch> batches;
  planned_batch current[2];
  current[1].account_form = true;
  std::size_t bytes[2] = {estimate_envelope_bytes(product_code), estimate_envelope_bytes({})};
  const std::size_t envelope[2] = {bytes[0], bytes[1]};
  for (auto& [seq, p] : pending_) {
    if (p.in_flight) continue;
    p.in_flight = true;
    const int form = p.record.customer_identifier.empty() ? 1 : 0;
    if (p.isolate) {
      batches.push_back({form == 1, {seq}});
      continue;
    }
    const std::size_t size = estimate_record_bytes(p.record);
    auto& cur = current[form];
    if (!cur.seqs.empty() && (cur.seqs.size() >= max_records || bytes[form] + size >= max_bytes)) {
      batches.push_back(std::move(cur));
      cur = planned_batch{form == 1, {}};
      bytes[form] = envelope[form];
    }
    cur.seqs.push_back(seq);
    bytes[form] += size;
  }
  for (auto& cur : current)
    if (!cur.seqs.empty()) batches.push_back(std::move(cur));
  return batches;
}

batch_meter_usage_input usage_ledger::make_request(std::string_view product_code,
                                                   const planned_batch& batch) {
  batch_meter_usage_input in;
  // LicenseArn never travels with a ProductCode (AWS refuses that request).
  if (!batch.account_form) in.product_code = std::string(product_code);
  in.usage_records.reserve(batch.seqs.size());
  for (auto seq : batch.seqs) {
    auto& p = pending_.at(seq);
    ++p.sends;
    in.usage_records.push_back(p.record);
  }
  return in;
}

batch_outcome usage_ledger::apply_response(const planned_batch& batch, const batch_meter_usage_output& out) {
  batch_outcome o;
  std::unordered_map<std::string, std::uint64_t> by_key;
  for (auto seq : batch.seqs) {
    auto it = pending_.find(seq);
    if (it != pending_.end()) by_key.emplace(record_key(it->second.record), seq);
  }
  std::unordered_map<std::string, bool> unprocessed_keys;
  for (const auto& r : out.unprocessed_records) unprocessed_keys.emplace(record_key(r), true);
  for (const auto& result : out.results) {
    auto k = by_key.find(record_key(result.record));
    if (k == by_key.end()) continue;  // not ours (or answered twice): nothing to retire
    const std::uint64_t seq = k->second;
    by_key.erase(k);
    auto& p = pending_.at(seq);
    switch (on_status(result.status, p.maybe_delivered)) {
      case record_action::retire:
        o.acknowledged.push_back(seq);
        acknowledge(seq);
        break;
      case record_action::unseal:
        o.unsealed.push_back({seq, p.record});
        acknowledge(seq);
        break;
      case record_action::dead:
      case record_action::dead_in_doubt: {
        const bool doubt = result.status == usage_record_status::duplicate_record;
        std::string reason(to_string(result.status));
        if (doubt)
          reason +=
              ": another record holds this hour; this one may have been billed by an earlier transmission";
        o.dead.push_back({seq, reason, doubt, p.sends});
        kill(seq, std::move(reason), doubt);
        break;
      }
      default:
        p.in_flight = false;
        if (result.status == usage_record_status::unknown) {
          p.maybe_delivered = true;  // AWS answered for it: it may have billed it
          o.unknown_status.push_back(seq);
        }
        o.unprocessed.push_back(seq);
        break;
    }
  }
  // Unprocessed records were not billed; records the answer does not mention may have been.
  for (const auto& [key, seq] : by_key) {
    auto it = pending_.find(seq);
    if (it == pending_.end()) continue;
    it->second.in_flight = false;
    if (!unprocessed_keys.count(key)) it->second.maybe_delivered = true;
    o.unprocessed.push_back(seq);
  }
  std::sort(o.unprocessed.begin(), o.unprocessed.end());
  return o;
}

batch_outcome usage_ledger::apply_failure(const planned_batch& batch, const send_failure& failure,
                                          std::string_view reason) {
  batch_outcome o;
  if (failure.kind == send_failure_kind::poison && batch.seqs.size() == 1 &&
      pending_.count(batch.seqs.front())) {
    const auto seq = batch.seqs.front();
    const auto& p = pending_.at(seq);
    o.dead.push_back({seq, std::string(reason), p.maybe_delivered, p.sends});
    kill(seq, std::string(reason), p.maybe_delivered);
    return o;
  }
  for (auto seq : batch.seqs) {
    auto it = pending_.find(seq);
    if (it == pending_.end()) continue;
    it->second.in_flight = false;
    if (failure.maybe_delivered) it->second.maybe_delivered = true;
    if (failure.kind == send_failure_kind::poison) it->second.isolate = true;
    o.unprocessed.push_back(seq);
  }
  return o;
}

void usage_ledger::release(const planned_batch& batch) {
  for (auto seq : batch.seqs) {
    auto it = pending_.find(seq);
    if (it == pending_.end()) continue;
    it->second.in_flight = false;
  }
}

std::vector<redrive_move> usage_ledger::redrive(bool force, time_point now, std::chrono::minutes age) {
  std::vector<redrive_move> moves;
  std::vector<dead_entry> kept;
  for (auto& d : dead_) {
    const auto action = on_redrive(d.letter.record.timestamp, d.letter.in_doubt, force, now, age);
    if (action == record_action::keep) {
      kept.push_back(std::move(d));
      continue;
    }
    redrive_move m{d.seq, 0, d.letter.record};
    if (action == record_action::resend) {
      m.new_seq = next_seq_++;
      pending_record p{m.new_seq, d.letter.record};
      p.sends = d.letter.sends;
      p.maybe_delivered = d.letter.in_doubt;
      pending_.emplace(m.new_seq, std::move(p));
    }
    moves.push_back(std::move(m));
  }
  dead_ = std::move(kept);
  return moves;
}

}  // namespace awsmp::detail
