#include "billing/billing_planner.hpp"

#include <algorithm>
#include <array>
#include <awsmp/error.hpp>
#include <boost/asio/error.hpp>

#include "core/throw.hpp"

namespace awsmp::detail {

void check_dead_letter_age(std::string_view field, std::chrono::minutes age) {
  if (age < std::chrono::minutes(1) || age >= std::chrono::minutes(360))
    throw_invalid_argument(field, "must be 1..359 minutes (AWS refuses records 6 h old)");
}

namespace {

// Refusals about one record of the batch: isolating the records finds the culprit without
// holding up everyone else's billing.
constexpr std::array<std::string_view, 4> record_specific_errors = {
    "TimestampOutOfBoundsException",
    "InvalidTagException",
    "InvalidUsageAllocationsException",
    "CustomerNotEntitledException",
};

// Transport failures that prove the request never left this process.
bool never_sent(const boost::system::error_code& ec) noexcept {
  namespace ae = boost::asio::error;
  return ec == ae::connection_refused || ec == ae::host_not_found || ec == ae::host_not_found_try_again ||
         ec == ae::network_unreachable || ec == ae::host_unreachable || ec == ae::no_data ||
         ec == make_error_code(errc::credentials_unavailable) ||
         ec == make_error_code(errc::invalid_argument) || ec == make_error_code(errc::stopped);
}

}  // namespace

hour_t hour_of(time_point t) noexcept {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

time_point hour_start(hour_t h) noexcept {
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::hours(h)));
}

time_point record_stamp(hour_t h, time_point now) noexcept {
  if (h == hour_of(now)) return std::chrono::floor<std::chrono::seconds>(now);
  return hour_start(h) + std::chrono::seconds(3599);
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

seal_plan plan_seal(const account_state& a, time_point now, const ledger_policy& p, seal_mode mode,
                    bool settle) noexcept {
  seal_plan s;
  s.last_sealed = a.last_sealed;
  s.first_usage = a.first_usage;
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
    // Below one unit: the open tokens join the carry; no record, so no hour is used.
    s.consumed_input = a.input;
    s.consumed_output = a.output;
    s.carried_delta = open;
    return s;
  }
  const hour_t now_hour = hour_of(now);
  const hour_t top = mode == seal_mode::current_hour ? now_hour : now_hour - 1;
  // Unknown first usage (never happens after record_usage): assume it is now, which is safe.
  const hour_t first = a.first_usage == no_hour ? now_hour : a.first_usage;
  const hour_t lowest = std::max({a.last_sealed + 1, first, now_hour - split_window_hours});
  if (top < lowest) {
    s.deferred = true;
    s.unplaced_units = units;
    return s;
  }
  std::int64_t left = units;
  for (hour_t h = top; left > 0 && h >= lowest && s.parts.size() < p.max_split_records; --h) {
    const std::int64_t q = std::min(left, p.max_quantity);
    s.parts.push_back({h, static_cast<std::int32_t>(q), record_stamp(h, now)});
    left -= q;
  }
  s.consumed_input = a.input;
  s.consumed_output = a.output;
  // Units that found no free hour go back to the carry as tokens, billed at a later seal.
  s.carried_delta = remainder + left * tpu - a.carried;
  s.unplaced_units = left;
  s.last_sealed = top;
  // What stays carried was used no later than now: `top` is a safe (late) first usage, and the
  // next record needs an hour after `top` anyway.
  s.first_usage = remainder + left * tpu > 0 ? top : no_hour;
  return s;
}

seal_plan plan_heartbeat(const account_state& a, time_point now) noexcept {
  seal_plan s;
  s.last_sealed = a.last_sealed;
  s.first_usage = a.first_usage;
  const hour_t closed = hour_of(now) - 1;
  if (a.input != 0 || a.output != 0 || closed <= a.last_sealed) return s;
  s.parts.push_back({closed, 0, record_stamp(closed, now)});
  s.last_sealed = closed;
  return s;
}

void apply_seal(account_state& a, const seal_plan& plan) noexcept {
  a.input -= plan.consumed_input;
  a.output -= plan.consumed_output;
  a.carried += plan.carried_delta;
  a.last_sealed = std::max(a.last_sealed, plan.last_sealed);
  a.first_usage = plan.first_usage;
  if (a.input == 0 && a.output == 0 && a.carried == 0) a.first_usage = no_hour;
}

bool refund(account_state& a, std::int64_t tokens, time_point now) noexcept {
  if (tokens <= 0) return true;
  if (total_would_overflow(a, tokens, 0)) return false;
  a.carried += tokens;
  // The refunded usage is older than now: now's hour is a safe (late) first usage.
  const hour_t h = hour_of(now);
  if (a.first_usage == no_hour || a.first_usage > h) a.first_usage = h;
  return true;
}

std::chrono::nanoseconds next_tick_delay(time_point now, std::chrono::nanoseconds interval) noexcept {
  if (interval <= std::chrono::nanoseconds::zero()) return std::chrono::nanoseconds(1);
  if (std::chrono::hours(1) % interval != std::chrono::nanoseconds::zero()) return interval;
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  auto into = since % interval;
  if (into < std::chrono::nanoseconds::zero()) into += interval;
  return interval - into;
}

std::string describe_failure(const std::exception& e) {
  if (const auto* aws = dynamic_cast<const aws_error*>(&e))
    return aws->type() + " (HTTP " + std::to_string(aws->http_status()) + "): " + aws->aws_message();
  return e.what();
}

send_failure classify_send_failure(const boost::system::system_error& e) noexcept {
  if (const auto* aws = dynamic_cast<const aws_error*>(&e)) {
    // A 5xx may come after the records were processed; a 4xx answer refuses the request whole.
    const bool maybe = aws->http_status() >= 500;
    if (aws->retryable() || aws->http_status() >= 500) return {send_failure_kind::retry, maybe};
    const auto& type = aws->type();
    if (std::find(record_specific_errors.begin(), record_specific_errors.end(), type) !=
        record_specific_errors.end())
      return {send_failure_kind::poison, false};
    // InvalidProductCode, InvalidUsageDimension, InvalidLicense, InvalidCustomerIdentifier,
    // AccessDenied, signature and token errors: about the seller's setup, not one record.
    return {send_failure_kind::fatal, false};
  }
  const auto code = e.code();
  if (code == make_error_code(errc::invalid_argument) ||
      code == make_error_code(errc::credentials_unavailable) || code == make_error_code(errc::stopped))
    return {send_failure_kind::fatal, false};
  // Timeouts, connection and TLS failures, malformed or oversized answers, an exhausted retry
  // quota: resending the same records is safe; only a refused connection proves they never left.
  return {send_failure_kind::retry, !never_sent(code)};
}

record_action on_status(usage_record_status status, bool maybe_delivered) noexcept {
  switch (status) {
    case usage_record_status::success:
      return record_action::retire;
    case usage_record_status::customer_not_subscribed:
      return record_action::dead;
    case usage_record_status::duplicate_record:
      return maybe_delivered ? record_action::dead_in_doubt : record_action::unseal;
    case usage_record_status::unknown:
      return record_action::keep;  // only this record: pending, resent unchanged, logged
  }
  return record_action::keep;
}

record_action on_age(time_point stamp, bool maybe_delivered, time_point now,
                     std::chrono::minutes age) noexcept {
  if (stamp > now - age) return record_action::keep;
  return maybe_delivered ? record_action::dead_in_doubt : record_action::unseal;
}

record_action on_redrive(time_point stamp, bool in_doubt, bool force, time_point now,
                         std::chrono::minutes age) noexcept {
  if (in_doubt && !force) return record_action::keep;
  return stamp > now - age ? record_action::resend : record_action::unseal;
}

std::string account_key(const billed_customer& who) {
  if (!who.is_account()) return who.customer_identifier;
  std::string key;
  key.reserve(2 + who.customer_aws_account_id.size() + who.license_arn.size());
  key += '\x01';
  key += who.customer_aws_account_id;
  key += '\x01';
  key += who.license_arn;
  return key;
}

std::string account_key(const usage_record& r) {
  if (!r.customer_identifier.empty()) return r.customer_identifier;
  return account_key(billed_customer::account(r.customer_aws_account_id, r.license_arn));
}

billed_customer customer_of_key(std::string_view key) {
  if (key.empty() || key.front() != '\x01') return billed_customer::legacy(std::string(key));
  key.remove_prefix(1);
  const auto sep = key.find('\x01');
  if (sep == std::string_view::npos) return billed_customer::account(std::string(key), {});
  return billed_customer::account(std::string(key.substr(0, sep)), std::string(key.substr(sep + 1)));
}

}  // namespace awsmp::detail
