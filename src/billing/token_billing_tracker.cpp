#include <awsmp/token_billing_tracker.hpp>
#include "core/throw.hpp"
#include "core/log_line.hpp"

#include "billing/billing_journal.hpp"
#include "billing/usage_accumulator.hpp"
#include "billing/usage_ledger.hpp"

#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/validation.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

namespace awsmp {
namespace detail {
namespace {

void check_customer(std::string_view id) {
  if (id.empty()) throw_invalid_argument("customer_identifier", "must not be empty");
  if (id.size() > max_identifier_length) throw_invalid_argument("customer_identifier", "must be at most 255 bytes");
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7F) throw_invalid_argument("customer_identifier", "must not contain control characters");
}

void check_options(const token_billing_options& o) {
  if (o.dimension.empty() || o.dimension.size() > max_identifier_length)
    throw_invalid_argument("token_billing_options.dimension", "must be 1..255 bytes");
  if (o.tokens_per_unit < 1) throw_invalid_argument("token_billing_options.tokens_per_unit", "must be >= 1");
  if (o.batch_concurrency < 1) throw_invalid_argument("token_billing_options.batch_concurrency", "must be >= 1");
  if (o.dead_letter_age < std::chrono::minutes(1) || o.dead_letter_age >= std::chrono::minutes(360))
    throw_invalid_argument("token_billing_options.dead_letter_age", "must be 1..359 minutes (AWS refuses records 6 h old)");
  if (o.max_send_rounds < 1) throw_invalid_argument("token_billing_options.max_send_rounds", "must be >= 1");
  if (o.max_split_records < 1 || o.max_split_records > 300)
    throw_invalid_argument("token_billing_options.max_split_records", "must be 1..300");
}

std::string describe(const std::exception& e) {
  if (const auto* aws = dynamic_cast<const aws_error*>(&e))
    return aws->type() + " (HTTP " + std::to_string(aws->http_status()) + "): " + aws->aws_message();
  return e.what();
}

}  // namespace

/// The shared state behind a token_billing_tracker (kept alive by its running coroutines).
class token_billing_core : public std::enable_shared_from_this<token_billing_core>, private journal::visitor {
public:
  token_billing_core(asio::any_io_executor ex, std::string product_code, metering_api& metering,
                     token_billing_options options)
      : ex_(ex), strand_(asio::make_strand(ex)), product_code_(std::move(product_code)), metering_(metering),
        options_(std::move(options)), wake_(strand_, asio::steady_timer::time_point::max()) {
    validate_product_code(product_code_);
    check_options(options_);
    policy_.tokens_per_unit = options_.tokens_per_unit;
    policy_.round = options_.round;
    policy_.max_split_records = options_.max_split_records;
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
    if (!options_.journal.empty()) {
      std::size_t frames = 0;
      journal_ = std::make_unique<billing_journal>(ex_, options_.journal, [&](std::string_view payload) {
        journal::decode(payload, *this);
        ++frames;
      });
      bool negative = false;
      accumulator_.for_each([&](std::string_view, account_state& st) {
        negative = negative || st.input < 0 || st.output < 0 || st.carried < 0;
      });
      // A seal can only consume usage journaled before it, so a negative balance means the
      // journal lost entries in the middle: refuse rather than invent or drop usage.
      if (negative) throw_error(errc::journal_corrupt, "billing journal: replay gives a negative balance (entries missing)");
      pending_count_ = ledger_.pending().size();
      dead_count_ = ledger_.dead_letters().size();
      log(log_level::info, "billing journal: replayed " + std::to_string(frames) + " commits: " +
                               std::to_string(accumulator_.customers()) + " customers, " +
                               std::to_string(pending_count_.load()) + " pending records, " +
                               std::to_string(dead_count_.load()) + " dead letters");
    }
  }

  awaitable<void> record_usage(std::string id, std::int64_t input, std::int64_t output) {
    check_customer(id);
    if (input < 0) throw_invalid_argument("input_tokens", "must be >= 0");
    if (output < 0) throw_invalid_argument("output_tokens", "must be >= 0");
    if (stopped_.load(std::memory_order_relaxed)) throw_error(errc::stopped, "token_billing_tracker: stopped");
    if (!journal_) {
      if (accumulator_.add(id, input, output, [] {}) == add_result::overflow) overflow();
      co_return;
    }
    std::uint64_t gen = 0;
    if (accumulator_.add(id, input, output, [&] {
          gen = journal_->append([&](std::string& b) { journal::encode_usage(b, id, input, output); });
        }) == add_result::overflow)
      overflow();
    co_await wait_durable(gen);
  }

  std::vector<token_usage_record> snapshot() {
    const time_point now = options_.clock();
    std::vector<token_usage_record> out;
    accumulator_.for_each([&](std::string_view id, account_state& st) {
      if (st.input == 0 && st.output == 0 && st.carried == 0) return;
      out.push_back({std::string(id), st.input, st.output, st.carried, st.input + st.output + st.carried, now});
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.customer_identifier < b.customer_identifier; });
    return out;
  }

  // ---- strand side (every function below runs on strand_)

  awaitable<batch_meter_usage_output> flush() {
    co_await lock();
    try {
      auto out = co_await flush_locked(false);
      unlock();
      co_return out;
    } catch (...) {
      unlock();
      throw;
    }
  }

  awaitable<std::int64_t> settle(std::string id) {
    co_await lock();
    try {
      std::int64_t units = 0;
      for (;;) {
        const time_point now = options_.clock();
        const minute_t minute = minute_of(now);
        bool deferred = false;
        accumulator_.visit(id, false, [&](std::string_view cid, account_state& st) {
          const seal_plan plan = plan_seal(st, minute, policy_, true);
          if (plan.deferred) {
            deferred = true;
            return;
          }
          seal(cid, st, plan);
          units = plan.units();
        });
        if (!deferred) break;
        // Sealed in this minute already: a second record would be a DuplicateRecord.
        auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(minute_start(minute + 1) - now);
        wait = std::clamp(wait, std::chrono::nanoseconds(std::chrono::milliseconds(1)),
                          std::chrono::nanoseconds(std::chrono::seconds(60)));
        asio::steady_timer timer(strand_, wait);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (journal_) co_await wait_durable(journal_->current_generation());
      co_await send_pending(options_.clock(), nullptr);
      unlock();
      co_return units;
    } catch (...) {
      unlock();
      throw;
    }
  }

  awaitable<void> run(std::chrono::nanoseconds interval) {
    if (stopping_) co_return;
    if (run_timer_ != nullptr) throw_invalid_argument("run", "already running (one run() per tracker)");
    asio::steady_timer timer(strand_);
    run_timer_ = &timer;
    ++runs_;
    try {
      while (!stopping_) {
        timer.expires_after(next_tick_delay(options_.clock(), interval));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopping_) break;
        try {
          co_await flush();
        } catch (const std::exception& e) {
          note_error("flush: " + describe(e));
        }
      }
    } catch (...) {
      run_timer_ = nullptr;
      --runs_;
      throw;
    }
    run_timer_ = nullptr;
    --runs_;
    // Stopped: return only once stop()'s final flush is over, so code after `co_await run()`
    // sees everything sent.
    co_await lock();
    unlock();
  }

  awaitable<void> stop() {
    stopping_ = true;
    stopped_ = true;
    if (run_timer_ != nullptr) run_timer_->cancel();
    co_await flush();
    log(log_level::info, "token_billing_tracker: stopped after the final flush");
  }

  std::vector<dead_letter> dead_letters() const { return ledger_.dead_letters(); }

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
    if (journal_) {
      const auto js = journal_->stats();
      s.journal_bytes = js.bytes;
      s.journal_commits = js.commits;
      s.journal_compactions = js.compactions;
      s.journal_max_sync_micros = js.max_commit_micros;
    }
    std::lock_guard lock(error_mutex_);
    s.last_error = last_error_;
    s.last_error_at = last_error_at_;
    return s;
  }

  asio::strand<asio::any_io_executor>& strand() noexcept { return strand_; }

private:
  [[noreturn]] static void overflow() {
    throw_invalid_argument("input_tokens + output_tokens", "the customer's unbilled total would exceed 2^63-1");
  }

  // Waits until generation `gen` of the journal is on disk. A journal failure is also kept in
  // stats() (once per distinct message: after a failed write every later call fails the same
  // way), so that a health check sees it, not only the callers that got the exception.
  awaitable<void> wait_durable(std::uint64_t gen) {
    try {
      co_await journal_->wait_durable(gen);
    } catch (const std::exception& e) {
      const std::string what = "journal: " + describe(e);
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

  // A one-holder async lock on the strand: flush, settle and stop must not interleave at
  // their suspension points (they share the ledger and the batches in flight).
  awaitable<void> lock() {
    while (busy_) {
      // unlock() cancels the wait (the expiry stays at max): everyone re-checks.
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    busy_ = true;
  }
  void unlock() {
    busy_ = false;
    wake_.cancel();
  }

  // Creates the records of a plan (caller holds the account's shard lock): ledger first, then
  // the journal entry, appended under the shard lock so it follows the usage it consumes.
  void seal(std::string_view id, account_state& st, const seal_plan& plan) {
    // Journal first (it may throw once the journal failed): then nothing changes in memory.
    std::vector<std::uint64_t> seqs;
    for (std::size_t i = 0; i < plan.parts.size(); ++i) seqs.push_back(ledger_.next_seq() + i);
    if (journal_) journal_->append([&](std::string& b) { journal::encode_seal(b, id, plan, options_.dimension, seqs); });
    for (const auto& part : plan.parts) {
      usage_record r;
      r.customer_identifier = std::string(id);
      r.dimension = options_.dimension;
      r.quantity = part.quantity;
      r.timestamp = minute_start(part.minute);
      ledger_.add(std::move(r));
      units_ += static_cast<std::uint64_t>(part.quantity);
    }
    apply_seal(st, plan);
    sealed_ += plan.parts.size();
    pending_count_ = ledger_.pending().size();
  }

  awaitable<void> heartbeats(minute_t minute) {
    if (options_.heartbeat_store == nullptr) co_return;
    const minute_t hour = minute >= 0 ? minute / 60 : (minute - 59) / 60;
    if (hour == heartbeat_hour_) co_return;
    std::vector<subscription> subs;
    try {
      subs = co_await options_.heartbeat_store->list(subscription_status::active);
    } catch (const std::exception& e) {
      note_error("heartbeat: listing active subscriptions failed: " + describe(e));
      co_return;
    }
    std::size_t n = 0;
    for (const auto& sub : subs) {
      if (sub.customer_identifier.empty() || sub.customer_identifier.size() > max_identifier_length) continue;
      accumulator_.visit(sub.customer_identifier, true, [&](std::string_view id, account_state& st) {
        if (!heartbeat_due(st, minute)) return;
        seal_plan plan;
        plan.last_sealed = minute;
        plan.parts.push_back({minute, 0});
        seal(id, st, plan);
        ++n;
      });
    }
    heartbeats_ += n;
    heartbeat_hour_ = hour;
    if (n > 0) log(log_level::info, "token_billing_tracker: sealed " + std::to_string(n) + " zero-usage heartbeat records");
  }

  awaitable<batch_meter_usage_output> flush_locked(bool) {
    ++flushes_;
    const time_point now = options_.clock();
    const minute_t minute = minute_of(now);
    std::size_t deferred = 0;
    accumulator_.for_each([&](std::string_view id, account_state& st) {
      const seal_plan plan = plan_seal(st, minute, policy_, false);
      if (plan.deferred) {
        ++deferred;
        return;
      }
      if (plan.parts.empty() && plan.consumed_input == 0 && plan.consumed_output == 0) return;
      seal(id, st, plan);
    });
    if (deferred > 0)
      log(log_level::info, "token_billing_tracker: " + std::to_string(deferred) +
                               " customers already sealed in this minute stay open until the next flush");
    co_await heartbeats(minute);
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

  void journal_outcome(const batch_outcome& o) {
    acked_ += o.acknowledged.size();
    dead_count_ += o.dead.size();
    for (const auto& [seq, reason] : o.dead)
      log(log_level::warning, "token_billing_tracker: record " + std::to_string(seq) + " dead-lettered: " + reason);
    if (journal_ && (!o.acknowledged.empty() || !o.dead.empty()))
      journal_->append([&](std::string& b) {
        for (auto seq : o.acknowledged) journal::encode_ack(b, seq);
        for (const auto& [seq, reason] : o.dead) journal::encode_dead(b, seq, reason);
      });
    pending_count_ = ledger_.pending().size();
  }

  struct send_state {
    std::vector<std::vector<std::uint64_t>> batches;
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
      sent_ += batch.size();
      for (auto seq : batch)
        if (ledger_.pending().at(seq).sends > 1) ++retries_;
      batch_outcome o;
      try {
        auto call = metering_.batch_meter_usage(std::move(request));
        auto response = co_await std::move(call);
        o = ledger_.apply_response(batch, response);
        if (!o.unprocessed.empty()) st->resend = true;
        if (st->out != nullptr)
          for (auto& r : response.results) st->out->results.push_back(std::move(r));
      } catch (const boost::system::system_error& e) {
        const auto kind = classify_send_failure(e);
        o = ledger_.apply_failure(batch, kind, describe(e));
        note_error("BatchMeterUsage: " + describe(e));
        if (kind == send_failure_kind::fatal) st->fatal = std::current_exception();
        if (kind == send_failure_kind::poison) st->resend = true;
        if (kind == send_failure_kind::retry) st->failures = true;
      } catch (const std::exception& e) {
        o = ledger_.apply_failure(batch, send_failure_kind::fatal, e.what());
        note_error(std::string("BatchMeterUsage: ") + e.what());
        st->fatal = std::current_exception();
      }
      st->done[index] = true;
      journal_outcome(o);
    }
  }

  awaitable<void> send_pending(time_point now, batch_meter_usage_output* out) {
    const auto expired = ledger_.expire(now, options_.dead_letter_age);
    if (!expired.empty()) journal_outcome(batch_outcome{{}, expired, {}});
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
      for (std::size_t i = 0; i < workers; ++i)
        asio::co_spawn(strand_, send_worker(st), [done, running](std::exception_ptr) {
          if (--*running == 0) done->cancel();
        });
      while (*running > 0) co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
      // Batches a fatal error kept from being sent go back to idle, unchanged.
      for (std::size_t i = 0; i < st->batches.size(); ++i)
        if (!st->done[i]) ledger_.apply_failure(st->batches[i], send_failure_kind::retry, {});
      fatal = st->fatal;
      if (!st->resend || st->failures) break;
    }
    if (journal_) co_await wait_durable(journal_->current_generation());
    pending_count_ = ledger_.pending().size();
    if (fatal) std::rethrow_exception(fatal);
  }

  awaitable<void> compact() {
    const auto before = journal_->stats().bytes;
    std::function<void(std::string&, const std::function<void()>&)> build = [this](std::string& snap,
                                                                                 const std::function<void()>& cut) {
      accumulator_.with_all_locked([&] {
        accumulator_.for_each_locked([&](std::string_view id, account_state& st) {
          seal_plan plan;  // an account as a record-less seal whose deltas rebuild it from zero
          plan.consumed_input = -st.input;
          plan.consumed_output = -st.output;
          plan.carried_delta = st.carried;
          plan.last_sealed = st.last_sealed;
          journal::encode_seal(snap, id, plan, options_.dimension, {});
        });
        cut();
      });
      for (const auto& [seq, p] : ledger_.pending()) journal::encode_pending(snap, seq, p.record);
      for (const auto& d : ledger_.dead_letters()) journal::encode_dead_record(snap, d.record, d.reason);
      journal::encode_next_seq(snap, ledger_.next_seq());
    };
    auto compaction = journal_->compact(std::move(build));
    co_await std::move(compaction);
    log(log_level::info, "token_billing_tracker: journal compacted from " + std::to_string(before) + " to " +
                             std::to_string(journal_->stats().bytes) + " bytes");
  }

  // ---- journal replay (constructor only)
  // Replay checks the arithmetic that record_usage and flush check when writing: a frame with a
  // valid checksum but impossible numbers (a bug or a hostile writer) is corruption, never UB.
  void on_usage(std::string_view id, std::int64_t input, std::int64_t output) override {
    accumulator_.visit(id, true, [&](std::string_view, account_state& st) {
      if (total_would_overflow(st, input, output))
        throw_error(errc::journal_corrupt, "billing journal: replayed usage overflows a customer's total");
      st.input += input;
      st.output += output;
    });
  }
  void on_seal(std::string_view id, const seal_plan& plan, std::string_view dimension,
               const std::vector<std::uint64_t>& seqs) override {
    accumulator_.visit(id, true, [&](std::string_view, account_state& st) {
      std::int64_t scratch = 0;
      if (__builtin_sub_overflow(st.input, plan.consumed_input, &scratch) ||
          __builtin_sub_overflow(st.output, plan.consumed_output, &scratch) ||
          __builtin_add_overflow(st.carried, plan.carried_delta, &scratch))
        throw_error(errc::journal_corrupt, "billing journal: a replayed seal overflows a customer's balance");
      apply_seal(st, plan);
    });
    for (std::size_t i = 0; i < plan.parts.size(); ++i) {
      usage_record r;
      r.customer_identifier = std::string(id);
      r.dimension = std::string(dimension);
      r.quantity = plan.parts[i].quantity;
      r.timestamp = minute_start(plan.parts[i].minute);
      ledger_.restore(seqs[i], std::move(r));
    }
  }
  void on_ack(std::uint64_t seq) override { ledger_.acknowledge(seq); }
  void on_dead(std::uint64_t seq, std::string_view reason) override { ledger_.kill(seq, std::string(reason)); }
  void on_pending(std::uint64_t seq, usage_record r) override { ledger_.restore(seq, std::move(r)); }
  void on_dead_record(usage_record r, std::string_view reason) override {
    ledger_.restore_dead({std::move(r), std::string(reason)});
  }
  void on_next_seq(std::uint64_t seq) override { ledger_.reserve_seq(seq); }

  asio::any_io_executor ex_;
  asio::strand<asio::any_io_executor> strand_;
  std::string product_code_;
  metering_api& metering_;
  token_billing_options options_;
  ledger_policy policy_;
  usage_accumulator accumulator_;
  std::unique_ptr<billing_journal> journal_;
  usage_ledger ledger_;  // strand only

  bool busy_ = false;
  asio::steady_timer wake_;
  asio::steady_timer* run_timer_ = nullptr;
  int runs_ = 0;
  bool stopping_ = false;
  std::atomic<bool> stopped_{false};
  minute_t heartbeat_hour_ = never_sealed;

  std::atomic<std::uint64_t> sealed_{0}, heartbeats_{0}, sent_{0}, acked_{0}, pending_count_{0}, dead_count_{0},
      retries_{0}, flushes_{0}, units_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
  std::optional<time_point> last_error_at_;
};

}  // namespace detail

// Every awaitable below is first stored in a variable: g++ 12 destroys non-trivial temporaries of
// a co_await full-expression twice (a lambda capturing a shared_ptr released it one time too many).

token_billing_tracker::token_billing_tracker(asio::any_io_executor ex, std::string product_code, metering_api& metering,
                                             token_billing_options options)
    : core_(std::make_shared<detail::token_billing_core>(std::move(ex), std::move(product_code), metering,
                                                         std::move(options))) {}

token_billing_tracker::~token_billing_tracker() = default;

awaitable<void> token_billing_tracker::record_usage(std::string customer_identifier, std::int64_t input_tokens,
                                                    std::int64_t output_tokens) {
  return core_->record_usage(std::move(customer_identifier), input_tokens, output_tokens);
}

awaitable<std::vector<token_usage_record>> token_billing_tracker::snapshot() { co_return core_->snapshot(); }

awaitable<batch_meter_usage_output> token_billing_tracker::flush() {
  auto core = core_;
  auto op = asio::co_spawn(core->strand(), [core]() { return core->flush(); }, asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<void> token_billing_tracker::run(std::chrono::nanoseconds interval) {
  if (interval <= std::chrono::nanoseconds::zero()) detail::throw_invalid_argument("interval", "must be positive");
  auto core = core_;
  auto op = asio::co_spawn(core->strand(), [core, interval]() { return core->run(interval); }, asio::use_awaitable);
  co_await std::move(op);
}

awaitable<void> token_billing_tracker::stop() {
  auto core = core_;
  auto op = asio::co_spawn(core->strand(), [core]() { return core->stop(); }, asio::use_awaitable);
  co_await std::move(op);
}

awaitable<std::int64_t> token_billing_tracker::settle(std::string customer_identifier) {
  detail::check_customer(customer_identifier);
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core, id = std::move(customer_identifier)]() mutable { return core->settle(std::move(id)); },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

awaitable<std::vector<dead_letter>> token_billing_tracker::dead_letters() {
  auto core = core_;
  auto op = asio::co_spawn(
      core->strand(), [core]() -> awaitable<std::vector<dead_letter>> { co_return core->dead_letters(); },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

token_billing_stats token_billing_tracker::stats() const { return core_->stats(); }

}  // namespace awsmp
