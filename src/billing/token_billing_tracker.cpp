// The coroutine shell of the token billing tracker: it reads the clock, asks the planner and the
// ledger what to do, does the I/O (journal, BatchMeterUsage) and feeds the results back. Object
// state lives on the tracker's strand; the operations that hold it across suspensions (flush,
// settle, bill_now, stop, re-drive) take one async_mutex. record_usage stays off the strand:
// it only touches the sharded accumulator (and the journal's buffer).
#include <algorithm>
#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <awsmp/validation.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <mutex>
#include <variant>

#include "billing/billing_journal.hpp"
#include "billing/billing_planner.hpp"
#include "billing/fleet_ledger.hpp"
#include "billing/usage_accumulator.hpp"
#include "billing/usage_ledger.hpp"
#include "core/async_mutex.hpp"
#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace detail {
namespace {

void check_options(const token_billing_options& o) {
  check_identifier("token_billing_options.dimension", o.dimension);
  if (o.tokens_per_unit < 1) throw_invalid_argument("token_billing_options.tokens_per_unit", "must be >= 1");
  if (o.batch_concurrency < 1)
    throw_invalid_argument("token_billing_options.batch_concurrency", "must be >= 1");
  check_dead_letter_age("token_billing_options.dead_letter_age", o.dead_letter_age);
  if (o.max_send_rounds < 1) throw_invalid_argument("token_billing_options.max_send_rounds", "must be >= 1");
  if (o.max_split_records < 1 || o.max_split_records > 300)
    throw_invalid_argument("token_billing_options.max_split_records", "must be 1..300");
}

// The record a part of a seal becomes.
usage_record make_record(std::string_view key, const std::string& dimension, const sealed_part& part) {
  usage_record r;
  if (!key.empty() && key.front() == '\x01') {
    auto who = customer_of_key(key);
    r.customer_aws_account_id = std::move(who.customer_aws_account_id);
    r.license_arn = std::move(who.license_arn);
  } else {
    r.customer_identifier = std::string(key);
  }
  r.dimension = dimension;
  r.quantity = part.quantity;
  r.timestamp = part.stamp;
  return r;
}

}  // namespace

/// The shared state behind a token_billing_tracker (kept alive by its running coroutines).
class token_billing_core : public std::enable_shared_from_this<token_billing_core> {
 public:
  token_billing_core(asio::any_io_executor ex, std::string product_code, metering_api& metering,
                     token_billing_options options)
      : ex_(ex),
        strand_(asio::make_strand(ex)),
        product_code_(std::move(product_code)),
        metering_(metering),
        options_(std::move(options)),
        mutex_(strand_) {
    // Empty is allowed: a tracker whose records are all in the account form sends no ProductCode.
    if (!product_code_.empty()) validate_product_code(product_code_);
    check_options(options_);
    policy_.tokens_per_unit = options_.tokens_per_unit;
    policy_.round = options_.round;
    policy_.max_split_records = options_.max_split_records;
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
    if (options_.fleet) check_fleet_mode();
    if (!options_.journal.empty()) open_journal();
    if (options_.fleet) start_fleet();
  }

  // ---- any thread

  void check_key(const std::string& id) const {
    check_identifier("customer_identifier", id);
    if (product_code_.empty())
      throw_invalid_argument("customer_identifier",
                             "the legacy form needs the tracker's product code (it is empty)");
  }

  std::string key_of(const billed_customer& who) const {
    check_billed_customer("customer", who);
    if (!who.is_account() && product_code_.empty())
      throw_invalid_argument("customer", "the legacy form needs the tracker's product code (it is empty)");
    return account_key(who);
  }

  // `key` is checked. Only the journal path suspends, and it keeps the core alive while it does.
  awaitable<void> record_usage(std::string key, std::int64_t input, std::int64_t output) {
    if (input < 0) throw_invalid_argument("input_tokens", "must be >= 0");
    if (output < 0) throw_invalid_argument("output_tokens", "must be >= 0");
    if (stopped_.load(std::memory_order_relaxed))
      throw_error(errc::stopped, "token_billing_tracker: stopped");
    const auto hour_now = [this] { return hour_of(options_.clock()); };
    if (!journal_) {
      check_add(accumulator_.add(key, input, output, hour_now, [](hour_t) {}));
      co_return;
    }
    std::uint64_t gen = 0;
    check_add(accumulator_.add(key, input, output, hour_now, [&](hour_t first) {
      gen = journal_->append([&](std::string& b) { journal::encode_usage(b, key, input, output, first); });
    }));
    auto self = shared_from_this();  // the caller may destroy the tracker while we wait
    co_await self->wait_durable(gen);
  }

  std::vector<token_usage_record> snapshot() {
    const time_point now = options_.clock();
    std::vector<token_usage_record> out;
    accumulator_.for_each([&](std::string_view key, account_state& st) {
      if (st.input == 0 && st.output == 0 && st.carried == 0) return;
      token_usage_record r;
      r.customer = customer_of_key(key);
      r.customer_identifier = r.customer.customer_identifier;
      r.input_tokens = st.input;
      r.output_tokens = st.output;
      r.carried_tokens = st.carried;
      r.total_tokens = st.input + st.output + st.carried;
      r.timestamp = now;
      out.push_back(std::move(r));
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.customer < b.customer; });
    return out;
  }

  token_billing_stats stats() const {
    token_billing_stats s;
    s.record_usage_calls = accumulator_.calls();
    s.tokens_recorded = accumulator_.tokens();
    s.customers = accumulator_.customers();
    s.records_sealed = sealed_.load();
    s.heartbeats_sealed = heartbeats_.load();
    s.records_sent = sent_.load();
    s.records_acknowledged = acked_.load();
    s.records_pending = pending_count_.load();
    s.records_dead_lettered = dead_count_.load();
    s.retries = retries_.load();
    s.flushes = flushes_.load();
    s.units_sealed = units_.load();
    s.units_unsealed = unsealed_units_.load();
    s.units_unbilled = unbilled_units_.load();
    if (journal_) {
      const auto js = journal_->stats();
      s.journal_bytes = js.bytes;
      s.journal_commits = js.commits;
      s.journal_compactions = js.compactions;
      s.journal_max_sync_micros = js.max_commit_micros;
    }
    if (fleet_) s.fleet = fleet_->stats();
    std::lock_guard lock(error_mutex_);
    s.last_error = last_error_;
    s.last_error_at = last_error_at_;
    return s;
  }

  asio::strand<asio::any_io_executor>& strand() noexcept { return strand_; }

  // ---- strand side (every function below runs on strand_)

  awaitable<batch_meter_usage_output> flush() {
    auto guard = co_await mutex_.lock();
    co_return co_await flush_locked(seal_mode::closed_hour);
  }

  // Bills one customer in the current hour: settle rounds the remainder up, bill_now does not.
  // Never waits for an hour: when none is free, the usage stays open and 0 is returned.
  awaitable<std::int64_t> bill_one(std::string key, bool settle) {
    auto guard = co_await mutex_.lock();
    if (fleet_) {
      co_await push_shares(&key);
      co_return co_await fleet_->seal_now(std::move(key), settle, options_.clock(), nullptr);
    }
    const time_point now = options_.clock();
    std::int64_t units = 0;
    accumulator_.visit(key, false, [&](std::string_view k, account_state& st) {
      const seal_plan plan = plan_seal(st, now, policy_, seal_mode::current_hour, settle);
      if (plan.deferred) {
        log(log_level::warning,
            "token_billing_tracker: " + to_string(customer_of_key(k)) + ": " +
                std::to_string(plan.unplaced_units) +
                " units found no free hour (the current one has a record); they stay open");
        return;
      }
      seal(k, st, plan);
      units = plan.units();
    });
    if (journal_) co_await wait_durable(journal_->current_generation());
    co_await send_pending(options_.clock(), nullptr);
    co_return units;
  }

  awaitable<void> run(std::chrono::nanoseconds interval) {
    if (stopping_) co_return;
    if (run_timer_ != nullptr) throw_invalid_argument("run", "already running (one run() per tracker)");
    asio::steady_timer timer(strand_);
    run_timer_ = &timer;
    struct reset {
      asio::steady_timer*& t;
      ~reset() { t = nullptr; }
    } reset_timer{run_timer_};
    while (!stopping_) {
      timer.expires_after(next_tick_delay(options_.clock(), interval));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (stopping_) break;
      try {
        co_await flush();
      } catch (const std::exception& e) {
        note_error("flush: " + describe_failure(e));
      }
    }
    // Stopped: return only once stop()'s final flush is over, so code after `co_await run()`
    // sees everything sent.
    auto guard = co_await mutex_.lock();
  }

  awaitable<void> stop() {
    stopping_ = true;
    stopped_ = true;
    // After close() returns no record_usage can add any more: each one either completed
    // before (and is sealed below) or throws errc::stopped.
    accumulator_.close();
    if (run_timer_ != nullptr) run_timer_->cancel();
    auto guard = co_await mutex_.lock();
    co_await flush_locked(seal_mode::current_hour);
    log(log_level::info, "token_billing_tracker: stopped after the final flush");
  }

  awaitable<std::size_t> redrive(bool force) {
    auto guard = co_await mutex_.lock();
    const time_point now = options_.clock();
    // The fleet's dead letters live in its table, shared by every instance (docs/fleet.md).
    if (fleet_) co_return co_await fleet_->redrive(force, now);
    const auto moves = ledger_.redrive(force, now, options_.dead_letter_age);
    std::string entries;
    for (const auto& m : moves) {
      journal::encode_undead(entries, m.old_seq);
      if (m.new_seq != 0) {
        const auto& p = ledger_.pending().at(m.new_seq);
        journal::encode_pending(entries, m.new_seq, p.record, p.sends, p.maybe_delivered);
      } else {
        give_back(m.record, now, &entries);
      }
    }
    dead_count_ = ledger_.dead_letters().size();
    pending_count_ = ledger_.pending().size();
    if (journal_ && !entries.empty()) {
      const auto gen = journal_->append([&](std::string& b) { b += entries; });
      co_await wait_durable(gen);
    }
    if (!moves.empty())
      log(log_level::info,
          "token_billing_tracker: re-drove " + std::to_string(moves.size()) + " dead letters");
    co_return moves.size();
  }

  std::vector<dead_letter> dead_letters() const {
    if (fleet_) return fleet_->dead_letters();
    std::vector<dead_letter> out;
    out.reserve(ledger_.dead_letters().size());
    for (const auto& d : ledger_.dead_letters()) out.push_back(d.letter);
    return out;
  }

 private:
  void check_add(add_result r) {
    if (r == add_result::overflow)
      throw_invalid_argument("input_tokens + output_tokens",
                             "the customer's unbilled total would exceed 2^63-1");
    if (r == add_result::closed) throw_error(errc::stopped, "token_billing_tracker: stopped");
  }

  // Waits until generation `gen` of the journal is on disk. A journal failure is also kept in
  // stats() (once per distinct message: after a failed write every later call fails the same
  // way), so that a health check sees it, not only the callers that got the exception.
  awaitable<void> wait_durable(std::uint64_t gen) {
    try {
      co_await journal_->wait_durable(gen);
    } catch (const std::exception& e) {
      const std::string what = "journal: " + describe_failure(e);
      bool repeated = false;
      {
        std::lock_guard lock(error_mutex_);
        repeated = last_error_ == what;
      }
      if (!repeated) note_error(what);
      throw;
    }
  }

  void note_error(const std::string& what) {
    log(log_level::error, "token_billing_tracker: " + what);
    std::lock_guard lock(error_mutex_);
    last_error_ = what;
    last_error_at_ = options_.clock();
  }

  // Creates the records of a plan (caller holds the account's shard lock): the journal entry
  // first (it may throw once the journal failed; then nothing changes in memory), appended
  // under the shard lock so that it follows the usage it consumes.
  void seal(std::string_view key, account_state& st, const seal_plan& plan) {
    std::vector<std::uint64_t> seqs;
    for (std::size_t i = 0; i < plan.parts.size(); ++i) seqs.push_back(ledger_.next_seq() + i);
    if (journal_)
      journal_->append([&](std::string& b) { journal::encode_seal(b, key, plan, options_.dimension, seqs); });
    for (const auto& part : plan.parts) {
      ledger_.add(make_record(key, options_.dimension, part));
      units_ += static_cast<std::uint64_t>(part.quantity);
    }
    apply_seal(st, plan);
    sealed_ += plan.parts.size();
    pending_count_ = ledger_.pending().size();
  }

  // Returns an unbilled record's units to its account's open usage (the hour stays taken).
  // The journal entry goes to `entries` when given, else straight to the journal.
  void give_back(const usage_record& r, time_point now, std::string* entries) {
    const std::string key = account_key(r);
    std::int64_t tokens = 0;
    if (__builtin_mul_overflow(static_cast<std::int64_t>(r.quantity), policy_.tokens_per_unit, &tokens)) {
      note_error("unseal: the record's tokens overflow; kept as a dead letter");
      return;
    }
    bool ok = true;
    accumulator_.visit(key, true, [&](std::string_view, account_state& st) { ok = refund(st, tokens, now); });
    if (!ok) {
      note_error("unseal: " + to_string(customer_of_key(key)) +
                 "'s total would overflow; units lost: " + std::to_string(r.quantity));
      return;
    }
    unsealed_units_ += static_cast<std::uint64_t>(r.quantity);
    if (entries != nullptr)
      journal::encode_refund(*entries, key, tokens, hour_of(now));
    else if (journal_)
      journal_->append([&](std::string& b) { journal::encode_refund(b, key, tokens, hour_of(now)); });
  }

  awaitable<void> heartbeats(time_point now) {
    if (options_.heartbeat_store == nullptr) co_return;
    const hour_t hour = hour_of(now);
    if (hour == heartbeat_hour_) co_return;
    std::vector<subscription> subs;
    try {
      subs = co_await options_.heartbeat_store->list(subscription_status::active);
    } catch (const std::exception& e) {
      note_error("heartbeat: listing active subscriptions failed: " + describe_failure(e));
      co_return;
    }
    std::size_t n = 0;
    for (const auto& sub : subs) {
      const billed_customer who = sub.customer();
      try {
        check_billed_customer("subscription", who);
      } catch (const std::exception&) {
        continue;
      }
      if (!who.is_account() && product_code_.empty()) continue;
      accumulator_.visit(account_key(who), true, [&](std::string_view key, account_state& st) {
        const seal_plan plan = plan_heartbeat(st, now);
        if (plan.parts.empty()) return;
        seal(key, st, plan);
        ++n;
      });
    }
    heartbeats_ += n;
    heartbeat_hour_ = hour;
    if (n > 0)
      log(log_level::info,
          "token_billing_tracker: sealed " + std::to_string(n) + " zero-usage heartbeat records");
  }

  awaitable<batch_meter_usage_output> flush_locked(seal_mode mode) {
    if (fleet_) co_return co_await fleet_flush(mode == seal_mode::current_hour);
    ++flushes_;
    const time_point now = options_.clock();
    std::int64_t unplaced = 0;
    std::size_t waiting = 0;
    accumulator_.for_each([&](std::string_view key, account_state& st) {
      const seal_plan plan = plan_seal(st, now, policy_, mode, false);
      unplaced += plan.unplaced_units;
      if (plan.deferred) {
        ++waiting;
        return;
      }
      if (plan.parts.empty() && plan.consumed_input == 0 && plan.consumed_output == 0) return;
      seal(key, st, plan);
    });
    if (mode == seal_mode::current_hour) {
      // stop(): what found no hour stays open. With a journal it is durable and billed after
      // the restart; without one it is reported.
      unbilled_units_ = journal_ ? 0 : static_cast<std::uint64_t>(unplaced);
      if (unplaced > 0)
        log(log_level::warning, "token_billing_tracker: " + std::to_string(unplaced) +
                                    " units found no free hour (their current hour has a record)" +
                                    (journal_ ? "; kept in the journal" : "; left unbilled (no journal)"));
    } else if (waiting > 0) {
      log(log_level::debug, "token_billing_tracker: " + std::to_string(waiting) +
                                " customers have no closed free hour yet; their usage stays open");
    }
    co_await heartbeats(now);
    // Sealed records leave only once their seal is durable: after a crash they are resent
    // unchanged instead of being sealed again from replayed usage.
    if (journal_) co_await wait_durable(journal_->current_generation());
    batch_meter_usage_output out;
    co_await send_pending(now, &out);
    for (const auto& [seq, p] : ledger_.pending()) out.unprocessed_records.push_back(p.record);
    if (journal_ && options_.compaction_bytes > 0 && journal_->stats().bytes > options_.compaction_bytes)
      co_await compact();
    co_return out;
  }

  // ---- fleet mode (docs/fleet.md): the accounts hold cumulative totals, never sealed locally.

  void check_fleet_mode() const {
    check_fleet_options(*options_.fleet);
    if (options_.journal.empty())
      throw_invalid_argument("token_billing_options.journal",
                             "fleet mode needs a journal (the instance's shares are replayed from it)");
    if (options_.heartbeat_store != nullptr)
      throw_invalid_argument("token_billing_options.heartbeat_store",
                             "heartbeats are not available in fleet mode");
  }

  void start_fleet() {
    // A journal written without a fleet has local seals: its totals are not cumulative.
    bool sealed = !ledger_.pending().empty() || !ledger_.dead_letters().empty();
    accumulator_.for_each([&](std::string_view, account_state& st) {
      sealed = sealed || st.carried != 0 || st.last_sealed != no_hour;
    });
    if (sealed)
      throw_invalid_argument(
          "token_billing_options.journal",
          "was written by a tracker outside a fleet (it holds sealed records); use a new journal");
    fleet_ = std::make_unique<fleet_ledger>(strand_, *options_.fleet, product_code_, options_.dimension,
                                            policy_, metering_, options_.dead_letter_age, options_.clock,
                                            [this](const std::string& what) { note_error(what); });
  }

  // Pushes every key's durable cumulative total (or only `only`'s). The totals and the journal
  // generation are read under every shard lock, so each total is covered by that generation:
  // a share never gets ahead of the journal (after a crash the replayed total would be lower
  // than the table's, and the monotonic condition would swallow new usage up to it).
  awaitable<bool> push_shares(const std::string* only) {
    std::vector<fleet_total> totals;
    std::uint64_t gen = 0;
    const auto take = [&](std::string_view key, account_state& st) {
      if (st.input + st.output > 0) totals.push_back({std::string(key), st.input + st.output});
    };
    if (only != nullptr) {
      accumulator_.visit(*only, false, [&](std::string_view key, account_state& st) {
        take(key, st);
        gen = journal_->current_generation();
      });
      if (totals.empty()) gen = journal_->current_generation();
    } else {
      accumulator_.with_all_locked([&] {
        accumulator_.for_each_locked(take);
        gen = journal_->current_generation();
      });
    }
    co_await wait_durable(gen);
    co_return co_await fleet_->push(std::move(totals), options_.clock());
  }

  awaitable<batch_meter_usage_output> fleet_flush(bool final) {
    ++flushes_;
    batch_meter_usage_output out;
    co_await push_shares(nullptr);
    co_await fleet_->seal_and_send(options_.clock(), &out);
    if (final) co_await fleet_->release(options_.clock());
    if (options_.compaction_bytes > 0 && journal_->stats().bytes > options_.compaction_bytes)
      co_await compact();
    co_return out;
  }

  // Journals and counts what an answer, failure or ageing did.
  void journal_outcome(const batch_outcome& o, time_point now) {
    acked_ += o.acknowledged.size();
    for (const auto& d : o.dead)
      log(log_level::warning, "token_billing_tracker: record " + std::to_string(d.seq) + " dead-lettered" +
                                  (d.in_doubt ? " (in doubt)" : "") + ": " + d.reason);
    std::string entries;
    for (auto seq : o.acknowledged) journal::encode_ack(entries, seq);
    for (const auto& d : o.dead) journal::encode_dead(entries, d.seq, d.reason, d.in_doubt, d.sends);
    for (const auto& u : o.unsealed) {
      // Another writer holds the hour, or the record aged out unsent: bill the units again later.
      log(log_level::info, "token_billing_tracker: record " + std::to_string(u.seq) + " (" +
                               std::to_string(u.record.quantity) + " units) unsealed back to open usage");
      journal::encode_ack(entries, u.seq);
      give_back(u.record, now, &entries);
    }
    if (journal_ && !entries.empty()) journal_->append([&](std::string& b) { b += entries; });
    dead_count_ = ledger_.dead_letters().size();
    pending_count_ = ledger_.pending().size();
  }

  struct send_state {
    std::vector<planned_batch> batches;
    std::vector<bool> done;
    std::size_t next = 0;
    std::exception_ptr fatal;
    bool resend = false;    // some records came back unprocessed or isolated: another round helps
    bool failures = false;  // a call failed (throttled after the client's retries, transport)
    batch_meter_usage_output* out = nullptr;
  };

  awaitable<void> send_worker(std::shared_ptr<send_state> st) {
    while (!st->fatal && st->next < st->batches.size()) {
      const std::size_t index = st->next++;
      const auto& batch = st->batches[index];
      auto request = ledger_.make_request(product_code_, batch);
      sent_ += batch.seqs.size();
      for (auto seq : batch.seqs)
        if (ledger_.pending().at(seq).sends > 1) ++retries_;
      batch_outcome o;
      try {
        auto call = metering_.batch_meter_usage(std::move(request));
        auto response = co_await std::move(call);
        o = ledger_.apply_response(batch, response);
        if (!o.unprocessed.empty()) st->resend = true;
        if (!o.unknown_status.empty())
          note_error(
              "BatchMeterUsage answered " + std::to_string(o.unknown_status.size()) +
              " record(s) with a Status awsmp does not know; they stay pending and are resent unchanged");
        if (st->out != nullptr)
          for (auto& r : response.results) st->out->results.push_back(std::move(r));
      } catch (const boost::system::system_error& e) {
        const auto failure = classify_send_failure(e);
        o = ledger_.apply_failure(batch, failure, describe_failure(e));
        note_error("BatchMeterUsage: " + describe_failure(e));
        if (failure.kind == send_failure_kind::fatal) st->fatal = std::current_exception();
        if (failure.kind == send_failure_kind::poison) st->resend = true;
        if (failure.kind == send_failure_kind::retry) st->failures = true;
      } catch (const std::exception& e) {
        o = ledger_.apply_failure(batch, {send_failure_kind::fatal, true}, e.what());
        note_error(std::string("BatchMeterUsage: ") + e.what());
        st->fatal = std::current_exception();
      }
      st->done[index] = true;
      journal_outcome(o, options_.clock());
    }
  }

  awaitable<void> send_pending(time_point now, batch_meter_usage_output* out) {
    journal_outcome(ledger_.expire(now, options_.dead_letter_age), now);
    std::exception_ptr fatal;
    for (int round = 0; round < options_.max_send_rounds && !fatal; ++round) {
      auto st = std::make_shared<send_state>();
      st->batches = ledger_.plan_batches(product_code_, max_batch_records, max_request_body_bytes);
      if (st->batches.empty()) break;
      st->done.assign(st->batches.size(), false);
      st->out = out;
      const std::size_t workers = std::min(options_.batch_concurrency, st->batches.size());
      // Workers run on the strand; the last one to finish wakes this coroutine.
      auto done = std::make_shared<asio::steady_timer>(strand_, asio::steady_timer::time_point::max());
      auto running = std::make_shared<std::size_t>(workers);
      for (std::size_t i = 0; i < workers; ++i) {
        auto worker = send_worker(st);
        asio::co_spawn(strand_, std::move(worker), [done, running](std::exception_ptr) {
          if (--*running == 0) done->cancel();
        });
      }
      while (*running > 0) co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
      // Batches a fatal error kept from being sent go back to idle, unchanged.
      for (std::size_t i = 0; i < st->batches.size(); ++i)
        if (!st->done[i]) ledger_.release(st->batches[i]);
      fatal = st->fatal;
      if (!st->resend || st->failures) break;
    }
    if (journal_) co_await wait_durable(journal_->current_generation());
    pending_count_ = ledger_.pending().size();
    if (fatal) std::rethrow_exception(fatal);
  }

  // The whole state as a compacted journal: each account as a record-less seal whose deltas
  // rebuild it from zero, then the ledger.
  std::string snapshot_locked_accounts() {
    std::string snap;
    accumulator_.for_each_locked([&](std::string_view key, account_state& st) {
      seal_plan plan;
      plan.consumed_input = -st.input;
      plan.consumed_output = -st.output;
      plan.carried_delta = st.carried;
      plan.last_sealed = st.last_sealed;
      plan.first_usage = st.first_usage;
      journal::encode_seal(snap, key, plan, options_.dimension, {});
    });
    return snap;
  }
  void snapshot_ledger(std::string& snap) const {
    for (const auto& [seq, p] : ledger_.pending())
      journal::encode_pending(snap, seq, p.record, p.sends, p.maybe_delivered || p.in_flight);
    for (const auto& d : ledger_.dead_letters()) journal::encode_dead_record(snap, d.seq, d.letter);
    journal::encode_next_seq(snap, ledger_.next_seq());
  }

  awaitable<void> compact() {
    const auto before = journal_->stats().bytes;
    std::string snap;
    // Every appender is blocked while the accounts are copied and the journal is cut; the
    // ledger only changes on this strand, which this coroutine holds.
    accumulator_.with_all_locked([&] {
      snap = snapshot_locked_accounts();
      journal_->cut();
    });
    snapshot_ledger(snap);
    co_await journal_->compact(std::move(snap));
    log(log_level::info, "token_billing_tracker: journal compacted from " + std::to_string(before) + " to " +
                             std::to_string(journal_->stats().bytes) + " bytes");
  }

  // ---- journal replay (constructor only): decoded entries applied in file order. Replay
  // checks the arithmetic that record_usage and flush check when writing: a frame with a
  // valid checksum but impossible numbers (a bug or a hostile writer) is corruption, never UB.
  void open_journal() {
    journal_ = billing_journal::open(ex_, options_.journal);
    const auto& scan = journal_->replay();
    const time_point now = options_.clock();
    std::size_t frames = 0;
    for (auto payload : scan.frames) {
      for (auto& e : journal::decode(payload, scan.version)) std::visit([&](auto& v) { apply(v, now); }, e);
      ++frames;
    }
    const bool upgrade = !scan.fresh && scan.version != journal::version;
    journal_->drop_replay();
    bool negative = false;
    accumulator_.for_each([&](std::string_view, account_state& st) {
      negative = negative || st.input < 0 || st.output < 0 || st.carried < 0;
      // Usage whose first hour is unknown (an older journal): now is a safe, late first usage.
      if (st.first_usage == no_hour && (st.input != 0 || st.output != 0 || st.carried != 0))
        st.first_usage = hour_of(now);
    });
    // A seal can only consume usage journaled before it, so a negative balance means the
    // journal lost entries in the middle: refuse rather than invent or drop usage.
    if (negative)
      throw_error(errc::journal_corrupt,
                  "billing journal: replay gives a negative balance (entries missing)");
    if (upgrade) {
      // Rewritten in the current format before anything is appended to it.
      std::string snap;
      accumulator_.with_all_locked([&] { snap = snapshot_locked_accounts(); });
      snapshot_ledger(snap);
      journal_->rewrite_now(snap);
      log(log_level::info, "billing journal: upgraded from format version " + std::to_string(scan.version));
    }
    pending_count_ = ledger_.pending().size();
    dead_count_ = ledger_.dead_letters().size();
    log(log_level::info, "billing journal: replayed " + std::to_string(frames) +
                             " commits: " + std::to_string(accumulator_.customers()) + " customers, " +
                             std::to_string(pending_count_.load()) + " pending records, " +
                             std::to_string(dead_count_.load()) + " dead letters");
  }

  void apply(const journal::usage_entry& e, time_point) {
    accumulator_.visit(e.key, true, [&](std::string_view, account_state& st) {
      if (total_would_overflow(st, e.input, e.output))
        throw_error(errc::journal_corrupt, "billing journal: replayed usage overflows a customer's total");
      if (st.input == 0 && st.output == 0 && st.carried == 0 && e.first_hour != no_hour)
        st.first_usage = e.first_hour;
      st.input += e.input;
      st.output += e.output;
    });
  }
  void apply(const journal::seal_entry& e, time_point) {
    accumulator_.visit(e.key, true, [&](std::string_view, account_state& st) {
      std::int64_t scratch = 0;
      if (__builtin_sub_overflow(st.input, e.plan.consumed_input, &scratch) ||
          __builtin_sub_overflow(st.output, e.plan.consumed_output, &scratch) ||
          __builtin_add_overflow(st.carried, e.plan.carried_delta, &scratch))
        throw_error(errc::journal_corrupt, "billing journal: a replayed seal overflows a customer's balance");
      // Usage journaled after the seal (in another thread's order) may be counted already: keep
      // the earliest known first usage.
      const hour_t first = st.first_usage;
      apply_seal(st, e.plan);
      if (first != no_hour && st.first_usage == no_hour &&
          (st.input != 0 || st.output != 0 || st.carried != 0))
        st.first_usage = first;
    });
    for (std::size_t i = 0; i < e.plan.parts.size(); ++i)
      ledger_.restore(e.seqs[i], make_record(e.key, e.dimension, e.plan.parts[i]));
  }
  void apply(const journal::ack_entry& e, time_point) { ledger_.acknowledge(e.seq); }
  void apply(const journal::dead_entry_value& e, time_point) {
    ledger_.kill(e.seq, e.reason, e.in_doubt, e.sends);
  }
  void apply(journal::pending_entry& e, time_point) {
    ledger_.restore(e.seq, std::move(e.record), e.sends, e.maybe_delivered);
  }
  void apply(journal::dead_record_entry& e, time_point) {
    dead_letter d{std::move(e.record), std::move(e.reason)};
    d.in_doubt = e.in_doubt;
    d.sends = e.sends;
    ledger_.restore_dead(e.seq, std::move(d));
  }
  void apply(const journal::next_seq_entry& e, time_point) { ledger_.reserve_seq(e.seq); }
  void apply(const journal::refund_entry& e, time_point) {
    accumulator_.visit(e.key, true, [&](std::string_view, account_state& st) {
      if (!refund(st, e.tokens, hour_start(e.hour)))
        throw_error(errc::journal_corrupt, "billing journal: a replayed refund overflows a customer's total");
    });
  }
  void apply(const journal::undead_entry& e, time_point) { ledger_.remove_dead(e.seq); }

  asio::any_io_executor ex_;
  asio::strand<asio::any_io_executor> strand_;
  std::string product_code_;
  metering_api& metering_;
  token_billing_options options_;
  ledger_policy policy_;
  usage_accumulator accumulator_;
  std::shared_ptr<billing_journal> journal_;
  usage_ledger ledger_;                  // strand only
  std::unique_ptr<fleet_ledger> fleet_;  // fleet mode only; strand only
  async_mutex mutex_;  // held by flush, settle, bill_now, stop and re-drive across their suspensions

  asio::steady_timer* run_timer_ = nullptr;
  bool stopping_ = false;
  std::atomic<bool> stopped_{false};
  hour_t heartbeat_hour_ = no_hour;

  std::atomic<std::uint64_t> sealed_{0}, heartbeats_{0}, sent_{0}, acked_{0}, pending_count_{0},
      dead_count_{0}, retries_{0}, flushes_{0}, units_{0}, unsealed_units_{0}, unbilled_units_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
  std::optional<time_point> last_error_at_;
};

}  // namespace detail

// Every awaitable below is first stored in a variable: g++ 12 destroys non-trivial temporaries of
// a co_await full-expression twice (a lambda capturing a shared_ptr released it one time too many).

token_billing_tracker::token_billing_tracker(asio::any_io_executor ex, std::string product_code,
                                             metering_api& metering, token_billing_options options)
    : core_(std::make_shared<detail::token_billing_core>(std::move(ex), std::move(product_code), metering,
                                                         std::move(options))) {}

token_billing_tracker::~token_billing_tracker() = default;

awaitable<void> token_billing_tracker::record_usage(std::string customer_identifier,
                                                    std::int64_t input_tokens, std::int64_t output_tokens) {
  core_->check_key(customer_identifier);
  return core_->record_usage(std::move(customer_identifier), input_tokens, output_tokens);
}

awaitable<void> token_billing_tracker::record_usage(billed_customer who, std::int64_t input_tokens,
                                                    std::int64_t output_tokens) {
  auto key = core_->key_of(who);
  return core_->record_usage(std::move(key), input_tokens, output_tokens);
}

awaitable<std::vector<token_usage_record>> token_billing_tracker::snapshot() {
  co_return core_->snapshot();
}

awaitable<batch_meter_usage_output> token_billing_tracker::flush() {
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core]() { return core->flush(); }, asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<void> token_billing_tracker::run(std::chrono::nanoseconds interval) {
  if (interval <= std::chrono::nanoseconds::zero())
    detail::throw_invalid_argument("interval", "must be positive");
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core, interval]() { return core->run(interval); }, asio::use_awaitable);
  co_await std::move(op);
}

awaitable<void> token_billing_tracker::stop() {
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core]() { return core->stop(); }, asio::use_awaitable);
  co_await std::move(op);
}

awaitable<std::int64_t> token_billing_tracker::settle(std::string customer_identifier) {
  auto who = billed_customer::legacy(std::move(customer_identifier));
  auto op = settle(std::move(who));
  co_return co_await std::move(op);
}

awaitable<std::int64_t> token_billing_tracker::settle(billed_customer who) {
  auto core = core_;
  auto key = core->key_of(who);
  auto op = asio::co_spawn(
      core->strand(), [core, k = std::move(key)]() mutable { return core->bill_one(std::move(k), true); },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<std::int64_t> token_billing_tracker::bill_now(billed_customer who) {
  auto core = core_;
  auto key = core->key_of(who);
  auto op = asio::co_spawn(
      core->strand(), [core, k = std::move(key)]() mutable { return core->bill_one(std::move(k), false); },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<std::size_t> token_billing_tracker::redrive_dead_letters(bool force) {
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core, force]() { return core->redrive(force); }, asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<std::vector<dead_letter>> token_billing_tracker::dead_letters() {
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core]() -> awaitable<std::vector<dead_letter>> { co_return core->dead_letters(); },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

token_billing_stats token_billing_tracker::stats() const {
  return core_->stats();
}

}  // namespace awsmp
