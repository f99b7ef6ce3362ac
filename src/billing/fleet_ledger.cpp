#include "billing/fleet_ledger.hpp"

#include <algorithm>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/validation.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <map>
#include <memory>

#include "billing/usage_ledger.hpp"
#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "state/store_rows.hpp"

namespace awsmp::detail {

using namespace dynamodb;

namespace {

// The row of a record this instance just sealed.
fleet_record_row sealed_row(const fleet_key& k, const fleet_seal& s) {
  fleet_record_row row;
  row.pk = k.pk;
  row.sk = fleet_record_sk(k.dimension, k.key, s.hour);
  row.hour = s.hour;
  row.record = fleet_usage_record(k.key, k.dimension, s);
  row.status = std::string(fleet_status_pending);
  return row;
}

}  // namespace

fleet_ledger::fleet_ledger(asio::strand<asio::any_io_executor> strand, fleet_options options,
                           std::string product_code, std::string dimension, ledger_policy policy,
                           metering_api& metering, std::chrono::minutes dead_letter_age, clock_function clock,
                           std::function<void(const std::string&)> report)
    : strand_(std::move(strand)),
      options_(std::move(options)),
      db_(*options_.client),
      product_code_(std::move(product_code)),
      dimension_(std::move(dimension)),
      policy_(policy),
      metering_(metering),
      dead_letter_age_(dead_letter_age),
      clock_(std::move(clock)),
      report_(std::move(report)) {
  db_.set_key_schema(options_.table, store_key_schema());
}

void fleet_ledger::failed(const std::string& stage, const std::exception& e) {
  ++failures_;
  report_("fleet " + stage + ": " + describe_failure(e));
}

// Runs fn(0..n-1) with at most options_.concurrency calls in flight, all on the strand (so the
// callbacks need no locks). The first exception is rethrown once every call has ended.
template <class Fn>
awaitable<void> fleet_ledger::for_each_concurrently(std::size_t n, Fn fn) {
  if (n == 0) co_return;
  struct shared {
    std::size_t next = 0;
    std::size_t running = 0;
    std::exception_ptr failure;
  };
  auto st = std::make_shared<shared>();
  auto done = std::make_shared<asio::steady_timer>(strand_, asio::steady_timer::time_point::max());
  const std::size_t workers = std::min(n, options_.concurrency);
  st->running = workers;
  for (std::size_t w = 0; w < workers; ++w) {
    auto worker = [st, n, &fn]() -> awaitable<void> {
      while (st->next < n && !st->failure) {
        const std::size_t i = st->next++;
        try {
          co_await fn(i);
        } catch (...) {
          if (!st->failure) st->failure = std::current_exception();
        }
      }
    };
    asio::co_spawn(strand_, worker, [st, done](std::exception_ptr) {
      if (--st->running == 0) done->cancel();
    });
  }
  while (st->running > 0) co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  if (st->failure) std::rethrow_exception(st->failure);
}

awaitable<bool> fleet_ledger::push(std::vector<fleet_total> totals, time_point now) {
  ++pushes_;
  std::vector<fleet_total> changed;
  for (auto& t : totals) {
    const auto known = pushed_.find(t.key);
    if (known != pushed_.end() && known->second.total >= t.total) continue;
    changed.push_back(std::move(t));
  }
  try {
    co_await for_each_concurrently(
        changed.size(), [&](std::size_t i) -> awaitable<void> { co_await push_one(changed[i], now); });
  } catch (const std::exception& e) {
    failed("push", e);
    co_return false;
  }
  co_return true;
}

// One share write, usually one call. Every form is conditional on the table's total being lower,
// so a replayed or delayed push never lowers it: no share is counted twice or taken back. The
// form follows the hour of the table's share (same hour: keep `before`; a later hour: `before`
// becomes the old total, in the same write); when this instance does not know it (a restart,
// another incarnation's clock), a failed condition is followed by one read to learn it. A key
// this instance has not pushed yet (its first push, or the first since a restart) is written in
// the `fresh` form, one UpdateItem that creates the share or moves it to this hour, so that a new
// key costs one write, not a failed update, a read and a create.
awaitable<void> fleet_ledger::push_one(const fleet_total& t, time_point now) {
  const std::string pk = fleet_partition(product_code_, fleet_shard(dimension_, t.key, options_.shards));
  const std::string sk = fleet_share_sk(dimension_, t.key, options_.instance_id);
  enum class form { create, fresh, same_hour, new_hour };
  hour_t hour = hour_of(now);
  const auto known = pushed_.find(t.key);
  form f = known == pushed_.end()       ? form::fresh
           : known->second.hour == hour ? form::same_hour
                                        : form::new_hour;
  for (int attempt = 0; attempt < 4; ++attempt) {
    write_result result;
    if (f == form::create) {
      put_item_request r;
      r.table = options_.table;
      r.attributes =
          fleet_share_item(pk, dimension_, t.key, options_.instance_id, fleet_push{t.total, hour, 0}, now);
      r.condition_expression = "attribute_not_exists(#pk)";
      r.expression.names["#pk"] = std::string(row_pk);
      result = co_await db_.put_item(std::move(r));
    } else if (f == form::fresh) {
      // Absent: created with before = 0. Present from an earlier hour: `before` becomes its
      // total, as in new_hour. Present in this hour or ahead: the condition fails (one read).
      update_item_request r;
      r.table = options_.table;
      r.key = key_of(pk, sk);
      r.update_expression =
          "SET #kind = :kind, #dim = :dim, #key = :key, #i = :i, #b = if_not_exists(#t, :zero), #t = :t, "
          "#h = :h, #at = :at";
      r.condition_expression = "attribute_not_exists(#t) OR (#t < :t AND #h < :h)";
      r.expression.names = {{"#kind", std::string(row_kind)},
                            {"#dim", "dim"},
                            {"#key", "key"},
                            {"#i", "instance"},
                            {"#b", "before"},
                            {"#t", "total"},
                            {"#h", "hour"},
                            {"#at", "at"}};
      const item share =
          fleet_share_item(pk, dimension_, t.key, options_.instance_id, fleet_push{t.total, hour, 0}, now);
      r.expression.values[":kind"] = share.at(std::string(row_kind));
      r.expression.values[":dim"] = share.at("dim");
      r.expression.values[":key"] = share.at("key");
      r.expression.values[":i"] = share.at("instance");
      r.expression.values[":zero"] = attribute_value::number(0);
      r.expression.values[":t"] = attribute_value::number(t.total);
      r.expression.values[":h"] = attribute_value::number(hour);
      r.expression.values[":at"] = attribute_value::number(fleet_ms(now));
      result = co_await db_.update_item(std::move(r));
    } else {
      update_item_request r;
      r.table = options_.table;
      r.key = key_of(pk, sk);
      r.update_expression =
          f == form::same_hour ? "SET #t = :t, #at = :at" : "SET #b = #t, #t = :t, #h = :h, #at = :at";
      r.condition_expression = f == form::same_hour ? "#t < :t AND #h = :h" : "#t < :t AND #h < :h";
      r.expression.names = {{"#t", "total"}, {"#h", "hour"}, {"#at", "at"}};
      if (f == form::new_hour) r.expression.names["#b"] = "before";
      r.expression.values[":t"] = attribute_value::number(t.total);
      r.expression.values[":h"] = attribute_value::number(hour);
      r.expression.values[":at"] = attribute_value::number(fleet_ms(now));
      result = co_await db_.update_item(std::move(r));
    }
    ++share_writes_;
    if (!result.condition_failed) {
      pushed_[t.key] = fleet_push{t.total, hour, 0};
      co_return;
    }
    get_item_request g;
    g.table = options_.table;
    g.key = key_of(pk, sk);
    g.consistent_read = true;
    const auto current = co_await db_.get_item(std::move(g));
    if (!current) {
      f = form::create;
      continue;
    }
    const auto keys = group_fleet_items({*current}, options_.table);
    if (keys.size() != 1 || keys.front().shares.size() != 1)
      throw_error(errc::store_corrupt, "DynamoDB table " + options_.table + ": " + sk + " is not a share");
    const fleet_push there = keys.front().shares.front().push;
    if (there.total >= t.total) {
      ++share_stale_;
      pushed_[t.key] = there;
      co_return;
    }
    if (there.hour > hour) hour = there.hour;  // written by a clock ahead of ours: stay in its hour
    f = there.hour == hour ? form::same_hour : form::new_hour;
  }
  throw_error(errc::service_error, "fleet: the share " + sk + " kept changing under this instance's push");
}

awaitable<bool> fleet_ledger::take_lease(time_point now) {
  put_item_request r;
  r.table = options_.table;
  r.attributes = key_of(std::string(fleet_lease_pk), std::string(fleet_lease_sk));
  r.attributes[std::string(row_kind)] = attribute_value::string("fleet-lease");
  r.attributes["holder"] = attribute_value::string(options_.instance_id);
  r.attributes["expires"] = attribute_value::number(fleet_ms(now + options_.lease_duration));
  // Free, ours, or expired by our clock. Safety never rests on the lease (every seal is a
  // conditional transaction); it only keeps two instances from doing the same work.
  r.condition_expression = "attribute_not_exists(#h) OR #h = :me OR #e < :now";
  r.expression.names = {{"#h", "holder"}, {"#e", "expires"}};
  r.expression.values[":me"] = attribute_value::string(options_.instance_id);
  r.expression.values[":now"] = attribute_value::number(fleet_ms(now));
  r.return_old_item = true;  // free of charge: tells the holder whether dead letters were redriven
  const auto result = co_await db_.put_item(std::move(r));
  const bool held = !result.condition_failed;
  // The put replaced the item, so the mark is consumed by exactly the holder that saw it.
  if (held && result.attributes && result.attributes->count(std::string(fleet_lease_redriven)) != 0)
    rescan_ = true;
  if (held && !held_.load()) {
    ++leases_;
    log(log_level::info, "fleet: " + options_.instance_id + " holds the sealing lease");
  }
  held_ = held;
  if (held) lease_written_ = now;
  co_return held;
}

// Renews the lease during a long seal round once a third of it has passed, so that a round
// longer than the lease is not repeated by a second instance (that would be safe, only
// wasted). Returns false when another instance took it: the round stops.
awaitable<bool> fleet_ledger::keep_lease() {
  const time_point now = clock_();
  if (renewing_ || now - lease_written_ < options_.lease_duration / 3) co_return held_.load();
  renewing_ = true;
  const bool held = co_await take_lease(now);
  renewing_ = false;
  if (!held)
    log(log_level::warning, "fleet: " + options_.instance_id + " lost the lease during a seal round");
  co_return held;
}

awaitable<std::vector<fleet_key>> read_fleet_shard(dynamodb_client& db, std::string table,
                                                   std::string_view product_code, std::uint32_t shard) {
  query_request q;
  q.table = table;
  q.key_condition_expression = "#pk = :pk";
  q.expression.names["#pk"] = std::string(row_pk);
  q.expression.values[":pk"] = attribute_value::string(fleet_partition(product_code, shard));
  q.consistent_read = true;
  const auto items = co_await db.query_all(std::move(q));
  co_return group_fleet_items(items, table);
}

awaitable<bool> fleet_ledger::seal_key(const fleet_key& k, const fleet_seal& s) {
  transact_write_request t;
  const usage_record record = fleet_usage_record(k.key, k.dimension, s);
  expression_parameters not_there;
  not_there.names["#pk"] = std::string(row_pk);
  t.items.push_back(transact_write_item::put(options_.table,
                                             fleet_record_item(k.pk, k.dimension, k.key, s.hour, record),
                                             "attribute_not_exists(#pk)", std::move(not_there)));
  expression_parameters p;
  p.names = {
      {"#kind", std::string(row_kind)}, {"#dim", "dim"}, {"#key", "key"}, {"#c", "consumed"}, {"#h", "hour"}};
  p.values[":kind"] = attribute_value::string("fleet-state");
  p.values[":dim"] = attribute_value::string(k.dimension);
  p.values[":key"] = attribute_value::string(k.key);
  p.values[":new"] = attribute_value::number(s.consumed_after);
  p.values[":h"] = attribute_value::number(s.hour);
  std::string condition;
  if (k.has_state) {
    // Nobody sealed this key since we read it, and the hour is after its last one.
    condition = "#c = :old AND #h < :h";
    p.values[":old"] = attribute_value::number(k.consumed);
  } else {
    condition = "attribute_not_exists(#pk)";
    p.names["#pk"] = std::string(row_pk);
  }
  t.items.push_back(transact_write_item::update(
      options_.table, key_of(k.pk, fleet_state_sk(k.dimension, k.key)),
      "SET #kind = :kind, #dim = :dim, #key = :key, #c = :new, #h = :h", std::move(condition), std::move(p)));
  const auto result = co_await db_.transact_write_items(std::move(t));
  if (result.cancelled) {
    if (result.condition_failed()) {
      ++conflicts_;
      co_return false;
    }
    ++failures_;
    std::string codes;
    for (const auto& r : result.reasons) codes += (codes.empty() ? "" : ", ") + r.code;
    throw_error(errc::service_error, "fleet: sealing a key was cancelled [" + codes + "]");
  }
  ++sealed_;
  units_ += static_cast<std::uint64_t>(s.quantity);
  std::int64_t last = last_hour_.load();
  while (s.hour > last && !last_hour_.compare_exchange_weak(last, s.hour)) {
  }
  co_return true;
}

awaitable<bool> fleet_ledger::seal_and_send(time_point now, batch_meter_usage_output* out) {
  const hour_t hour = fleet_seal_hour(now, options_.seal_grace);
  std::vector<fleet_record_row> rows;
  std::size_t fresh_from = 0;
  // Keys whose hour was sealed by another writer after the scan. Their record may be pending
  // in the table, unseen by this round: written by another instance that may die before
  // sending it, or by this instance's own transaction whose answer was lost (the retry then
  // fails its condition; moto ignores ClientRequestToken, and DynamoDB honours it only for
  // 10 minutes). The next round reads the table again instead of waiting for the next hour.
  std::size_t contested = 0;
  try {
    const bool renewal = held_.load();
    if (!co_await take_lease(now)) co_return false;
    // Every key of this hour is sealed and answered already: reading every shard again would
    // only cost read capacity (a share that arrives now belongs to a later hour anyway).
    if (renewal && hour == swept_ && unanswered_ == 0 && !rescan_) co_return true;
    rescan_ = false;
    std::vector<std::pair<fleet_key, fleet_seal>> to_seal;
    std::vector<dead_letter> dead;
    for (std::uint32_t shard = 0; shard < options_.shards; ++shard) {
      if (!co_await keep_lease()) co_return false;
      auto keys = co_await read_fleet_shard(db_, options_.table, product_code_, shard);
      for (auto& k : keys) {
        if (k.dimension != dimension_) continue;
        for (auto& r : k.records) {
          if (r.status == fleet_status_pending)
            rows.push_back(r);
          else
            dead.push_back(dead_letter{r.record, r.reason, r.in_doubt, 0});
        }
        const fleet_seal s = plan_fleet_seal(k, seal_mode::closed_hour, hour, now, policy_, false);
        if (s.seal) {
          k.records.clear();
          to_seal.emplace_back(std::move(k), s);
        }
      }
    }
    dead_ = std::move(dead);
    fresh_from = rows.size();
    co_await for_each_concurrently(to_seal.size(), [&](std::size_t i) -> awaitable<void> {
      const auto& [k, s] = to_seal[i];
      if (!co_await keep_lease()) co_return;  // another instance seals the rest
      if (co_await seal_key(k, s))
        rows.push_back(sealed_row(k, s));
      else
        ++contested;
    });
    if (rows.size() > fresh_from)
      log(log_level::info, "fleet: " + options_.instance_id + " sealed " +
                               std::to_string(rows.size() - fresh_from) + " keys in hour " +
                               std::to_string(hour));
  } catch (const std::exception& e) {
    held_ = false;
    failed("seal", e);
    // What was sealed before the failure is in the table; the next holder sends it.
    co_return false;
  }
  unanswered_ = contested;  // send() adds what stays pending
  co_await send(std::move(rows), fresh_from, now, out);
  swept_ = hour;
  co_return true;
}

awaitable<std::int64_t> fleet_ledger::seal_now(std::string key, bool settle, time_point now,
                                               batch_meter_usage_output* out) {
  const std::string pk = fleet_partition(product_code_, fleet_shard(dimension_, key, options_.shards));
  std::vector<fleet_record_row> rows;
  std::size_t fresh_from = 0;
  std::int64_t units = 0;
  try {
    query_request q;
    q.table = options_.table;
    q.key_condition_expression = "#pk = :pk AND begins_with(#sk, :prefix)";
    q.expression.names = {{"#pk", std::string(row_pk)}, {"#sk", std::string(row_sk)}};
    q.expression.values[":pk"] = attribute_value::string(pk);
    q.expression.values[":prefix"] = attribute_value::string(fleet_key_prefix(dimension_, key));
    q.consistent_read = true;
    auto keys = group_fleet_items(co_await db_.query_all(std::move(q)), options_.table);
    fleet_key k =
        keys.empty() ? fleet_key{pk, dimension_, key, {}, false, 0, no_hour, {}} : std::move(keys.front());
    for (auto& r : k.records)
      if (r.status == fleet_status_pending) rows.push_back(std::move(r));
    fresh_from = rows.size();
    const fleet_seal s = plan_fleet_seal(k, seal_mode::current_hour, hour_of(now), now, policy_, settle);
    if (s.seal && co_await seal_key(k, s)) {
      rows.push_back(sealed_row(k, s));
      units = s.quantity;
    } else if (s.seal) {
      ++unanswered_;  // contested: a record of this key may wait in the table (see seal_and_send)
    }
  } catch (const std::exception& e) {
    failed("seal", e);
    co_return 0;
  }
  co_await send(std::move(rows), fresh_from, now, out);
  co_return units;
}

awaitable<void> fleet_ledger::send(std::vector<fleet_record_row> rows, std::size_t fresh_from, time_point now,
                                   batch_meter_usage_output* out) {
  if (rows.empty()) co_return;
  // The local ledger only batches and judges AWS's answers; the table is the durable state.
  usage_ledger ledger;
  for (std::size_t i = 0; i < rows.size(); ++i)
    // Records read from the table may have been sent by an earlier holder.
    ledger.restore(i + 1, rows[i].record, 0, i < fresh_from);
  std::vector<std::uint64_t> acked;
  std::vector<dead_move> killed;
  std::vector<unseal_move> unsealed;
  const auto absorb = [&](batch_outcome o) {
    acked.insert(acked.end(), o.acknowledged.begin(), o.acknowledged.end());
    for (auto& d : o.dead) killed.push_back(std::move(d));
    for (auto& u : o.unsealed) unsealed.push_back(std::move(u));
  };
  absorb(ledger.expire(now, dead_letter_age_));
  std::exception_ptr fatal;
  for (int round = 0; round < 3 && !fatal; ++round) {
    auto batches = ledger.plan_batches(product_code_, max_batch_records, max_request_body_bytes);
    if (batches.empty()) break;
    bool resend = false, failures = false;
    std::vector<bool> done(batches.size(), false);
    try {
      co_await for_each_concurrently(batches.size(), [&](std::size_t i) -> awaitable<void> {
        if (fatal) co_return;
        auto request = ledger.make_request(product_code_, batches[i]);
        sent_ += batches[i].seqs.size();
        batch_outcome o;
        try {
          auto call = metering_.batch_meter_usage(std::move(request));
          auto response = co_await std::move(call);
          o = ledger.apply_response(batches[i], response);
          if (!o.unprocessed.empty()) resend = true;
          if (out != nullptr)
            for (auto& r : response.results) out->results.push_back(std::move(r));
        } catch (const boost::system::system_error& e) {
          const auto f = classify_send_failure(e);
          o = ledger.apply_failure(batches[i], f, describe_failure(e));
          log(log_level::warning, "fleet: BatchMeterUsage: " + describe_failure(e));
          if (f.kind == send_failure_kind::fatal) fatal = std::current_exception();
          if (f.kind == send_failure_kind::poison) resend = true;
          if (f.kind == send_failure_kind::retry) failures = true;
        }
        done[i] = true;
        absorb(std::move(o));
      });
    } catch (...) {
      fatal = std::current_exception();
    }
    for (std::size_t i = 0; i < batches.size(); ++i)
      if (!done[i]) ledger.release(batches[i]);
    if (!resend || failures) break;
  }

  try {
    co_await write_outcomes(rows, acked, killed, unsealed);
  } catch (const std::exception& e) {
    // The records stay pending in the table and are resent identically (AWS answers again).
    failed("marking answers", e);
    ++unanswered_;
  }
  unanswered_ += ledger.pending().size();
  if (out != nullptr)
    for (const auto& [seq, p] : ledger.pending()) out->unprocessed_records.push_back(p.record);
  if (fatal) std::rethrow_exception(fatal);
}

awaitable<void> fleet_ledger::write_outcomes(const std::vector<fleet_record_row>& rows,
                                             const std::vector<std::uint64_t>& acked,
                                             const std::vector<dead_move>& killed,
                                             const std::vector<unseal_move>& unsealed) {
  // What AWS answered goes to the table: answered records leave it (their hour stays taken in
  // the key's state), refused ones become dead letters, unbilled ones go back to the key.
  std::vector<write_request> deletes;
  for (auto seq : acked)
    deletes.push_back(write_request::remove(options_.table, key_of(rows[seq - 1].pk, rows[seq - 1].sk)));
  acked_ += acked.size();
  const std::size_t chunks = (deletes.size() + max_batch_records - 1) / max_batch_records;
  co_await for_each_concurrently(chunks, [&](std::size_t c) -> awaitable<void> {
    const auto first = deletes.begin() + static_cast<std::ptrdiff_t>(c * max_batch_records);
    const auto last =
        deletes.begin() + static_cast<std::ptrdiff_t>(std::min(deletes.size(), (c + 1) * max_batch_records));
    auto result = co_await db_.batch_write_item(std::vector<write_request>(first, last));
    // An answered record left behind is resent identically later (AWS answers it again).
    if (!result.unprocessed.empty()) {
      unanswered_ += result.unprocessed.size();  // the next round reads them again
      log(log_level::warning, "fleet: " + std::to_string(result.unprocessed.size()) +
                                  " answered records stay in the table; they are resent (idempotent)");
    }
  });
  for (const auto& d : killed) {
    const auto& row = rows[d.seq - 1];
    const std::string reason = d.reason.empty() ? std::string("refused") : d.reason;
    co_await db_.update_item(fleet_kill_request(options_.table, row, reason, d.in_doubt));
    dead_.push_back(dead_letter{row.record, reason, d.in_doubt, d.sends});  // until the next scan
    ++dead_count_;
    log(log_level::warning, "fleet: record " + row.sk + " dead-lettered: " + reason);
  }
  for (const auto& u : unsealed) {
    const auto& row = rows[u.seq - 1];
    const auto tokens = fleet_record_tokens(u.record, policy_.tokens_per_unit);
    if (!tokens) continue;
    const auto result = co_await db_.transact_write_items(
        fleet_return_request(options_.table, dimension_, row, fleet_status_pending, *tokens));
    if (!result.cancelled)
      log(log_level::info, "fleet: record " + row.sk + " (" + std::to_string(u.record.quantity) +
                               " units) was not billed by AWS; its tokens go back to the key");
  }
}

awaitable<std::size_t> fleet_ledger::redrive(bool force, time_point now) {
  fleet_redrive_options r;
  r.dimension = dimension_;
  r.tokens_per_unit = policy_.tokens_per_unit;
  r.dead_letter_age = dead_letter_age_;
  r.force = force;
  const auto result = co_await redrive_fleet_dead_letters(db_, options_, product_code_, std::move(r), now);
  dead_.clear();
  for (const auto& k : result.kept) dead_.push_back(dead_letter{k.record, k.reason, k.in_doubt, 0});
  co_return result.resent + result.returned;
}

awaitable<void> fleet_ledger::release(time_point) {
  if (!held_.load()) co_return;
  delete_item_request d;
  d.table = options_.table;
  d.key = key_of(std::string(fleet_lease_pk), std::string(fleet_lease_sk));
  d.condition_expression = "#h = :me";
  d.expression.names["#h"] = "holder";
  d.expression.values[":me"] = attribute_value::string(options_.instance_id);
  try {
    co_await db_.delete_item(std::move(d));
  } catch (const std::exception& e) {
    log(log_level::warning,
        "fleet: releasing the lease failed (it expires by itself): " + describe_failure(e));
  }
  held_ = false;
}

fleet_ledger_stats fleet_ledger::stats() const {
  fleet_ledger_stats s;
  s.pushes = pushes_.load();
  s.share_writes = share_writes_.load();
  s.share_writes_stale = share_stale_.load();
  s.lease_acquisitions = leases_.load();
  s.lease_held = held_.load();
  s.hours_sealed = sealed_.load();
  s.seal_conflicts = conflicts_.load();
  s.records_sent = sent_.load();
  s.records_acknowledged = acked_.load();
  s.records_dead_lettered = dead_count_.load();
  s.units_sealed = units_.load();
  s.dynamodb_failures = failures_.load();
  s.last_sealed_hour = last_hour_.load();
  return s;
}

}  // namespace awsmp::detail
