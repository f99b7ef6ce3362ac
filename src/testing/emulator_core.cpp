#include "testing/emulator_core.hpp"

#include <algorithm>
#include <array>
#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>

#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp::testing::detail {
namespace json = boost::json;
// The rule book: the emulator words its answers as AWS does, but asks wire/rules whether a
// value keeps the model's rules, so the library and its test peer cannot drift apart.
namespace rules = awsmp::detail;

namespace {

// An error answer travels as an exception from deep inside validation to handle().
struct service_failure {
  unsigned status;
  std::string type;
  std::string message;
};

[[noreturn]] void fail(unsigned status, std::string_view type, std::string message) {
  throw service_failure{status, std::string(type), std::move(message)};
}

// The Coral framework in front of AWS JSON services words model-constraint violations this way.
[[noreturn]] void fail_validation(std::string_view path, std::string_view rule) {
  fail(400, "ValidationException",
       "1 validation error detected: Value at '" + std::string(path) +
           "' failed to satisfy constraint: " + std::string(rule));
}

[[noreturn]] void fail_serialization(std::string_view what) {
  fail(400, "SerializationException", std::string(what));
}

[[noreturn]] void fail_parameter(std::string_view what) {
  fail(400, "InvalidParameterException", std::string(what));
}

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string uuid_from(std::uint64_t hi, std::uint64_t lo) {
  std::array<char, 37> text{};
  std::snprintf(text.data(), text.size(), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xfff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return std::string(text.data(), 36);
}

std::int64_t epoch_seconds(time_point t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// ---- shape checks on the raw JSON (presence and JSON types the typed structs cannot show)

json::value parse_object(std::string_view body, json::storage_ptr sp) {
  boost::system::error_code ec;
  json::value jv = json::parse(body, ec, std::move(sp));
  if (ec) fail_serialization("Body is not valid JSON: " + ec.message());
  if (!jv.is_object()) fail_serialization("Body must be a JSON object");
  return jv;
}

const json::value* member(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

// Integers must be JSON integers within the model's range; other JSON types cannot be read.
void check_integer(const json::value* v, std::string_view path, std::int64_t min, std::int64_t max) {
  if (!v) return;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    n = std::numeric_limits<std::int64_t>::max();
  } else if (v->is_double() && std::isfinite(v->get_double()) &&
             std::trunc(v->get_double()) == v->get_double() &&
             std::fabs(v->get_double()) < 9.2e18) {  // converting an out-of-range double is UB
    n = static_cast<std::int64_t>(v->get_double());
  } else {
    fail_serialization(std::string(path) + " must be an integer");
  }
  if (n < min)
    fail_validation(path, "Member must have value greater than or equal to " + std::to_string(min));
  if (n > max) fail_validation(path, "Member must have value less than or equal to " + std::to_string(max));
}

void check_allocations_shape(const json::value* v, const std::string& path) {
  if (!v) return;
  if (!v->is_array()) fail_serialization(path + " must be a list");
  const auto& list = v->get_array();
  if (!rules::allocation_count_violation(list.size()).empty())
    fail_validation(path, list.empty() ? "Member must have length greater than or equal to 1"
                                       : "Member must have length less than or equal to " +
                                             std::to_string(rules::max_allocations));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + "." + std::to_string(i + 1) + ".member";
    if (!list[i].is_object()) fail_serialization(at + " must be an object");
    const auto& alloc = list[i].get_object();
    const json::value* qty = member(alloc, "AllocatedUsageQuantity");
    if (!qty) fail_validation(at + ".allocatedUsageQuantity", "Member must not be null");
    check_integer(qty, at + ".allocatedUsageQuantity", 0, max_quantity);
    if (const json::value* tags = member(alloc, "Tags")) {
      if (!tags->is_array()) fail_serialization(at + ".tags must be a list");
      if (tags->get_array().empty())
        fail(400, "InvalidTagException", at + ".tags: a tag list must hold 1 to 5 tags");
      for (const auto& t : tags->get_array()) {
        if (!t.is_object()) fail_serialization(at + ".tags members must be objects");
        const json::value* k = member(t.get_object(), "Key");
        const json::value* val = member(t.get_object(), "Value");
        if (!k || !val) fail(400, "InvalidTagException", at + ".tags: every tag needs a Key and a Value");
      }
    }
  }
}

void check_record_shape(const json::value& v, std::size_t i) {
  const std::string at = "usageRecords." + std::to_string(i + 1) + ".member";
  if (!v.is_object()) fail_serialization(at + " must be an object");
  const auto& rec = v.get_object();
  if (!member(rec, "Timestamp")) fail_validation(at + ".timestamp", "Member must not be null");
  const json::value* dim = member(rec, "Dimension");
  if (!dim) fail_validation(at + ".dimension", "Member must not be null");
  check_integer(member(rec, "Quantity"), at + ".quantity", 0, max_quantity);
  check_allocations_shape(member(rec, "UsageAllocations"), at + ".usageAllocations");
}

// ---- string rules of the models (the rules from wire/rules, the wording AWS's)

void check_product_code_rules(const std::string& code, std::string_view path) {
  if (code.size() > rules::max_product_code_length)
    fail_validation(path, "Member must have length less than or equal to " +
                              std::to_string(rules::max_product_code_length));
  if (!rules::is_product_code_text(code))
    fail_validation(path, "Member must satisfy regular expression pattern: ^[-a-zA-Z0-9/=:_.@]*$");
}

void check_dimension_rules(const std::string& dimension, std::string_view path) {
  if (rules::dimension_violation(dimension).empty()) return;
  if (dimension.empty()) fail_validation(path, "Member must have length greater than or equal to 1");
  fail_validation(
      path, "Member must have length less than or equal to " + std::to_string(rules::max_dimension_length));
}

// Checks the allocations of one record and returns their order-insensitive fingerprint.
std::string check_allocations(const std::vector<usage_allocation>& allocations, std::int64_t quantity,
                              const std::string& path) {
  if (allocations.empty()) return {};
  std::int64_t sum = 0;
  std::vector<std::string> prints;
  prints.reserve(allocations.size());
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const auto& a = allocations[i];
    const std::string at = path + "." + std::to_string(i + 1) + ".member";
    if (!rules::quantity_violation(a.allocated_usage_quantity).empty())
      fail_validation(at + ".allocatedUsageQuantity", "Member must have value greater than or equal to 0");
    sum += a.allocated_usage_quantity;
    if (a.tags.size() > rules::max_tags)
      fail(400, "InvalidTagException", at + ".tags: at most 5 tags per allocation");
    std::vector<std::pair<std::string, std::string>> tags;
    for (const auto& t : a.tags) {
      if (!rules::tag_key_violation(t.key).empty())
        fail(400, "InvalidTagException",
             at + ".tags: a Key must be 1-100 characters of [a-zA-Z0-9+ -=._:\\/@]");
      if (!rules::tag_value_violation(t.value).empty())
        fail(400, "InvalidTagException",
             at + ".tags: a Value must be 1-256 characters of [a-zA-Z0-9+ -=._:\\/@]");
      tags.emplace_back(t.key, t.value);
    }
    std::sort(tags.begin(), tags.end());
    for (std::size_t k = 1; k < tags.size(); ++k)
      if (tags[k].first == tags[k - 1].first)
        fail(400, "InvalidTagException", at + ".tags: tag keys must be unique within an allocation");
    std::string print;
    for (const auto& [k, v] : tags) {
      print += k;
      print += '\x1f';
      print += v;
      print += '\x1e';
    }
    prints.push_back(std::move(print));
  }
  std::vector<std::string> sets = prints;
  std::sort(sets.begin(), sets.end());
  if (std::adjacent_find(sets.begin(), sets.end()) != sets.end())
    fail(400, "InvalidUsageAllocationsException", path + ": each allocation must have a unique set of tags");
  if (sum != quantity)
    fail(400, "InvalidUsageAllocationsException",
         path + ": the allocated quantities sum to " + std::to_string(sum) + ", not to the quantity " +
             std::to_string(quantity));
  std::string fingerprint;
  for (std::size_t i = 0; i < allocations.size(); ++i)
    prints[i] = std::to_string(allocations[i].allocated_usage_quantity) + '\x1d' + prints[i];
  std::sort(prints.begin(), prints.end());
  for (const auto& p : prints) {
    fingerprint += p;
    fingerprint += '\x1c';
  }
  return fingerprint;
}

void check_window(time_point ts, time_point now, const emulator_options& limits, const std::string& path) {
  if (now - ts >= limits.record_window)
    fail(400, "TimestampOutOfBoundsException",
         path + ": the timestamp is " + std::to_string(epoch_seconds(ts)) +
             ", records are accepted only within the past " + std::to_string(limits.record_window.count()) +
             " seconds");
  if (ts - now > limits.future_tolerance)
    fail(400, "TimestampOutOfBoundsException",
         path + ": the timestamp " + std::to_string(epoch_seconds(ts)) + " is in the future");
}

template <class T>
T decode_as(const json::value& jv) {
  try {
    return json::value_to<T>(jv);
  } catch (const boost::system::system_error& e) {
    fail_serialization(e.what());
  } catch (const std::exception& e) {
    fail_serialization(e.what());
  }
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex64(std::uint64_t v) {
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(v));
  return std::string(text.data(), 16);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

operation parse_target(std::string_view target) noexcept {
  if (target == wire::target_batch_meter_usage) return operation::batch_meter_usage;
  if (target == wire::target_meter_usage) return operation::meter_usage;
  if (target == wire::target_resolve_customer) return operation::resolve_customer;
  if (target == wire::target_get_entitlements) return operation::get_entitlements;
  return operation::unknown;
}

service_response make_error(unsigned status, std::string_view type, std::string_view message) {
  service_response r;
  r.status = status;
  r.error_type = std::string(type);
  json::object body;
  body["__type"] = type;
  body["message"] = message;
  r.body = json::serialize(body);
  return r;
}

emulator_stats emulator_counters::snapshot() const noexcept {
  emulator_stats s;
  constexpr auto r = std::memory_order_relaxed;
  s.requests = requests.load(r);
  s.connections = connections.load(r);
  s.connections_rejected = connections_rejected.load(r);
  s.active_connections = active_connections.load(r);
  s.tls_handshakes = tls_handshakes.load(r);
  s.auth_failures = auth_failures.load(r);
  s.errors = errors.load(r);
  s.throttled = throttled.load(r);
  s.server_errors = server_errors.load(r);
  s.dropped_before = dropped_before.load(r);
  s.dropped_after_commit = dropped_after_commit.load(r);
  s.unprocessed_records = unprocessed_records.load(r);
  s.records_accepted = records_accepted.load(r);
  s.records_idempotent = records_idempotent.load(r);
  s.records_duplicate = records_duplicate.load(r);
  s.records_not_subscribed = records_not_subscribed.load(r);
  s.events_published = events_published.load(r);
  s.event_delivery_failures = event_delivery_failures.load(r);
  return s;
}

void emulator_counters::clear() noexcept {
  // active_connections is a level, not a count of events: it survives a reset.
  for (auto* c : {&requests, &connections, &connections_rejected, &tls_handshakes, &auth_failures, &errors,
                  &throttled, &server_errors, &dropped_before, &dropped_after_commit, &unprocessed_records,
                  &records_accepted, &records_idempotent, &records_duplicate, &records_not_subscribed,
                  &events_published, &event_delivery_failures})
    c->store(0, std::memory_order_relaxed);
}

emulator_core::emulator_core(const emulator_options& options) : limits_() {
  limits_.record_window = options.record_window;
  limits_.future_tolerance = options.future_tolerance;
  limits_.meter_usage_window = options.meter_usage_window;
  limits_.default_page_size = options.default_page_size;
  limits_.max_records = options.max_records;
  limits_.max_idempotency_entries = options.max_idempotency_entries;
  if (options.default_page_size < 1 || options.default_page_size > rules::max_page_size)
    awsmp::detail::throw_invalid_argument("emulator_options.default_page_size", "must be 1..25");
  if (options.record_window.count() <= 0)
    awsmp::detail::throw_invalid_argument("emulator_options.record_window", "must be positive");
  if (options.meter_usage_window.count() < 0)
    awsmp::detail::throw_invalid_argument("emulator_options.meter_usage_window", "must not be negative");
  for (const auto& p : options.products) {
    if (p.product_code.empty())
      awsmp::detail::throw_invalid_argument("emulator_options.products", "a product code must not be empty");
    products_[p.product_code] = p.dimensions;
  }
  for (const auto& c : options.customers) add_customer(c);
  entitlements_ = options.entitlements;
  set_faults(options.faults);
}

void emulator_core::set_faults(const fault_options& faults) {
  for (double p : {faults.throttle_percent, faults.server_error_percent, faults.drop_connection_percent,
                   faults.drop_after_commit_percent, faults.unprocessed_percent})
    if (!(p >= 0 && p <= 100))
      awsmp::detail::throw_invalid_argument("fault_options", "percentages must be within 0..100");
  if (faults.latency.count() < 0)
    awsmp::detail::throw_invalid_argument("fault_options.latency", "must not be negative");
  std::lock_guard lock(mutex_);
  faults_ = faults;
  rng_state_ = faults.seed;
  std::uint64_t s = faults.seed ^ 0x5eed1d5ULL;
  id_seed_ = splitmix64(s);
}

fault_options emulator_core::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

void emulator_core::inject(fault_kind kind, std::size_t count) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < count; ++i) scripted_.push_back(kind);
}

void emulator_core::add_customer(emulated_customer customer) {
  if (customer.registration_token.empty())
    awsmp::detail::throw_invalid_argument("emulated_customer.registration_token", "must not be empty");
  const auto& id = customer.identity;
  if (id.customer_identifier.empty() && id.customer_aws_account_id.empty())
    awsmp::detail::throw_invalid_argument("emulated_customer.identity",
                                          "needs a customer_identifier or a customer_aws_account_id");
  if (!id.customer_aws_account_id.empty() && !rules::is_account_id(id.customer_aws_account_id))
    awsmp::detail::throw_invalid_argument("emulated_customer.identity.customer_aws_account_id",
                                          "must be digits");
  if (!id.license_arn.empty() && !rules::is_license_arn(id.license_arn))
    awsmp::detail::throw_invalid_argument("emulated_customer.identity.license_arn",
                                          "must match the model's LicenseArn pattern");
  std::lock_guard lock(mutex_);
  // A customer's index entries; later customers win an id shared with an earlier one, and
  // account lists stay in index order.
  auto index_one = [this](std::size_t i) {
    const auto& c = customers_[i];
    by_token_[c.registration_token] = i;
    if (!c.identity.customer_identifier.empty()) by_identifier_[c.identity.customer_identifier] = i;
    if (!c.identity.customer_aws_account_id.empty())
      by_account_[c.identity.customer_aws_account_id].push_back(i);
  };
  if (auto it = by_token_.find(customer.registration_token); it != by_token_.end()) {
    // Replacing is rare: rebuild every index so that the old ids leave nothing stale behind.
    customers_[it->second] = std::move(customer);
    by_token_.clear();
    by_identifier_.clear();
    by_account_.clear();
    for (std::size_t i = 0; i < customers_.size(); ++i) index_one(i);
  } else {
    // Adding is O(1), so that a table of a million generated customers builds in seconds.
    customers_.push_back(std::move(customer));
    index_one(customers_.size() - 1);
  }
}

void emulator_core::add_entitlement(marketplace_entitlement entitlement) {
  if (entitlement.product_code.empty())
    awsmp::detail::throw_invalid_argument("marketplace_entitlement.product_code", "must not be empty");
  std::lock_guard lock(mutex_);
  entitlements_.push_back(std::move(entitlement));
}

emulated_customer* emulator_core::find_customer(const billed_customer& who) {
  if (!who.is_account()) {
    auto it = by_identifier_.find(who.customer_identifier);
    return it == by_identifier_.end() ? nullptr : &customers_[it->second];
  }
  auto it = by_account_.find(who.customer_aws_account_id);
  if (it == by_account_.end()) return nullptr;
  for (std::size_t i : it->second)
    if (customers_[i].identity.license_arn == who.license_arn) return &customers_[i];
  return nullptr;
}

std::optional<emulated_customer> emulator_core::find(const billed_customer& who) const {
  std::lock_guard lock(mutex_);
  const auto* c = const_cast<emulator_core*>(this)->find_customer(who);
  if (!c) return std::nullopt;
  return *c;
}

bool emulator_core::mark_unsubscribed(const billed_customer& who, time_point at) {
  std::lock_guard lock(mutex_);
  auto* c = find_customer(who);
  if (!c) return false;
  c->subscribed = false;
  c->unsubscribed_at = at;
  return true;
}

void emulator_core::replace_entitlements(const billed_customer& who,
                                         std::vector<marketplace_entitlement> entitlements) {
  for (const auto& e : entitlements)
    if (e.product_code.empty())
      awsmp::detail::throw_invalid_argument("marketplace_entitlement.product_code", "must not be empty");
  std::lock_guard lock(mutex_);
  std::erase_if(entitlements_, [&who](const marketplace_entitlement& e) {
    return who.is_account()
               ? e.customer_aws_account_id == who.customer_aws_account_id && e.license_arn == who.license_arn
               : e.customer_identifier == who.customer_identifier;
  });
  for (auto& e : entitlements) entitlements_.push_back(std::move(e));
}

void emulator_core::reset() {
  std::lock_guard lock(mutex_);
  records_.clear();
  records_.shrink_to_fit();
  identities_.clear();
  client_tokens_.clear();
  totals_.clear();
  scripted_.clear();
  rng_state_ = faults_.seed;
  id_counter_ = 0;
  counters_.clear();
}

std::vector<accepted_record> emulator_core::accepted_records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

std::vector<usage_total> emulator_core::totals() const {
  std::lock_guard lock(mutex_);
  std::vector<usage_total> out;
  out.reserve(totals_.size());
  for (const auto& [key, t] : totals_)
    out.push_back(
        {std::get<0>(key), std::get<1>(key), std::get<2>(key), t.quantity, t.records, std::get<3>(key)});
  return out;
}

std::int64_t emulator_core::total(const billed_customer& who, std::string_view dimension) const {
  std::lock_guard lock(mutex_);
  std::int64_t sum = 0;
  const std::string& customer = who.is_account() ? who.customer_aws_account_id : who.customer_identifier;
  for (const auto& [key, t] : totals_)
    if (std::get<1>(key) == customer && std::get<2>(key) == dimension && std::get<3>(key) == who.license_arn)
      sum += t.quantity;
  return sum;
}

std::int64_t emulator_core::total(std::string_view customer, std::string_view dimension) const {
  std::lock_guard lock(mutex_);
  std::int64_t sum = 0;
  for (const auto& [key, t] : totals_)
    if (std::get<1>(key) == customer && std::get<2>(key) == dimension) sum += t.quantity;
  return sum;
}

std::string emulator_core::next_request_id() {
  std::uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t s = n ^ 0xa5a5a5a5a5a5a5a5ULL;
  const std::uint64_t hi = splitmix64(s);
  return uuid_from(hi, n);
}

double emulator_core::next_uniform() {
  return static_cast<double>(splitmix64(rng_state_) >> 11) * 0x1.0p-53;
}

std::string emulator_core::next_record_id() {
  std::uint64_t s = id_seed_ + id_counter_++;
  const std::uint64_t hi = splitmix64(s);
  const std::uint64_t lo = splitmix64(s);
  return uuid_from(hi, lo);
}

emulator_core::fault_draw emulator_core::draw_faults() {
  // Four draws per request whatever the settings, so that changing one percentage does not
  // shift the decisions of the others for the same seed.
  fault_draw d;
  d.throttle = next_uniform() * 100 < faults_.throttle_percent;
  d.server_error = next_uniform() * 100 < faults_.server_error_percent;
  d.drop_before = next_uniform() * 100 < faults_.drop_connection_percent;
  d.drop_after = next_uniform() * 100 < faults_.drop_after_commit_percent;
  if (!scripted_.empty()) {
    const fault_kind k = scripted_.front();
    scripted_.pop_front();
    d = fault_draw{};
    d.throttle = k == fault_kind::throttle;
    d.server_error = k == fault_kind::server_error;
    d.drop_before = k == fault_kind::drop_connection;
    d.drop_after = k == fault_kind::drop_after_commit;
  }
  return d;
}

service_response emulator_core::handle(operation op, std::string_view body, time_point now) {
  service_response response;
  fault_draw faults;
  std::chrono::milliseconds latency{0};
  {
    std::lock_guard lock(mutex_);
    faults = draw_faults();
    latency = faults_.latency;
  }
  try {
    if (faults.throttle) {
      counters_.throttled.fetch_add(1, std::memory_order_relaxed);
      response = make_error(400, "ThrottlingException", "Rate exceeded (injected by the awsmp emulator)");
    } else if (faults.server_error) {
      counters_.server_errors.fetch_add(1, std::memory_order_relaxed);
      response = make_error(500, "InternalServiceErrorException",
                            "An internal error has occurred (injected by the awsmp emulator)");
    } else if (faults.drop_before) {
      counters_.dropped_before.fetch_add(1, std::memory_order_relaxed);
      response.action = response_action::drop_before;
    } else {
      switch (op) {
        case operation::batch_meter_usage:
          response = batch_meter_usage(body, now);
          break;
        case operation::meter_usage:
          response = meter_usage(body, now);
          break;
        case operation::resolve_customer:
          response = resolve_customer(body, now);
          break;
        case operation::get_entitlements:
          response = get_entitlements(body);
          break;
        case operation::unknown:
          fail(400, "UnknownOperationException", "Unknown operation");
      }
      if (faults.drop_after && response.status == 200 &&
          (op == operation::batch_meter_usage || op == operation::meter_usage)) {
        counters_.dropped_after_commit.fetch_add(1, std::memory_order_relaxed);
        response.action = response_action::drop_after_commit;
      }
    }
  } catch (const service_failure& f) {
    response = make_error(f.status, f.type, f.message);
  }
  if (response.status != 200 || response.action == response_action::drop_before)
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
  response.latency = latency;
  return response;
}

void emulator_core::check_product(const std::string& product_code) const {
  if (products_.empty()) return;
  if (product_code.empty() || !products_.count(product_code))
    fail(400, "InvalidProductCodeException",
         "The product code '" + product_code + "' does not belong to this seller");
}

void emulator_core::check_dimension(const std::string& product_code, const std::string& dimension,
                                    std::string_view field) const {
  auto it = products_.find(product_code);
  if (it == products_.end() || it->second.empty()) return;
  if (std::find(it->second.begin(), it->second.end(), dimension) == it->second.end())
    fail(400, "InvalidUsageDimensionException",
         std::string(field) + ": '" + dimension + "' is not a dimension of product '" + product_code + "'");
}

const emulated_customer* emulator_core::find_customer(const usage_record& record) const {
  if (!record.customer_identifier.empty()) {
    auto it = by_identifier_.find(record.customer_identifier);
    return it == by_identifier_.end() ? nullptr : &customers_[it->second];
  }
  auto it = by_account_.find(record.customer_aws_account_id);
  if (it == by_account_.end()) return nullptr;
  for (std::size_t i : it->second)
    if (record.license_arn.empty() || customers_[i].identity.license_arn == record.license_arn)
      return &customers_[i];
  return nullptr;
}

std::string emulator_core::product_of(const std::string& product_code, const usage_record& record) const {
  if (!product_code.empty() || record.license_arn.empty()) return product_code;
  const emulated_customer* customer = find_customer(record);
  return customer ? customer->identity.product_code : std::string();
}

void emulator_core::check_identity_forms(const batch_meter_usage_input& input) {
  // CustomerIdentifier and CustomerAWSAccountId are mutually exclusive in one request, and
  // LicenseArn replaces ProductCode (the BatchMeterUsage reference; see docs/emulator.md).
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    const auto& r = input.usage_records[i];
    const std::string at = "usageRecords." + std::to_string(i + 1) + ".member";
    if (r.customer_identifier.empty() != input.usage_records[0].customer_identifier.empty())
      fail(400, "ValidationException",
           at + ": CustomerIdentifier and CustomerAWSAccountId cannot be mixed in one request");
    if (!input.product_code.empty() && !r.license_arn.empty())
      fail(400, "ValidationException",
           at + ".licenseArn: LicenseArn and ProductCode cannot both be provided");
    if (input.product_code.empty() && r.license_arn.empty())
      fail_validation("productCode",
                      "Member must not be null unless every usage record carries a LicenseArn");
  }
}

void emulator_core::commit(std::string_view operation_name, const std::string& request_product_code,
                           const usage_record& record, const std::string& id, time_point now) {
  const std::string product_code = product_of(request_product_code, record);
  const std::string& customer =
      !record.customer_identifier.empty() ? record.customer_identifier : record.customer_aws_account_id;
  auto& t = totals_[{product_code, customer, record.dimension, record.license_arn}];
  t.quantity += record.quantity;
  t.records += 1;
  records_.push_back({id, std::string(operation_name), product_code, record, now});
  counters_.records_accepted.fetch_add(1, std::memory_order_relaxed);
}

service_response emulator_core::batch_meter_usage(std::string_view body, time_point now) {
  std::array<unsigned char, 16 * 1024> buffer;
  json::monotonic_resource mr(buffer.data(), buffer.size());
  const json::value jv = parse_object(body, &mr);
  const auto& obj = jv.get_object();
  if (const json::value* pc = member(obj, "ProductCode"); pc && !pc->is_string())
    fail_serialization("ProductCode must be a string");
  const json::value* records = member(obj, "UsageRecords");
  if (!records) fail_validation("usageRecords", "Member must not be null");
  if (!records->is_array()) fail_serialization("UsageRecords must be a list");
  if (!rules::batch_size_violation(records->get_array().size()).empty())
    fail_validation("usageRecords",
                    "Member must have length less than or equal to " + std::to_string(max_batch_records));
  for (std::size_t i = 0; i < records->get_array().size(); ++i)
    check_record_shape(records->get_array()[i], i);
  auto input = decode_as<batch_meter_usage_input>(jv);

  check_product_code_rules(input.product_code, "productCode");
  check_identity_forms(input);
  std::vector<std::string> fingerprints(input.usage_records.size());
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    const auto& r = input.usage_records[i];
    const std::string at = "usageRecords." + std::to_string(i + 1) + ".member";
    check_dimension_rules(r.dimension, at + ".dimension");
    if (!rules::quantity_violation(r.quantity).empty())
      fail_validation(at + ".quantity", "Member must have value greater than or equal to 0");
    const bool has_id = !r.customer_identifier.empty(), has_account = !r.customer_aws_account_id.empty();
    if (has_id == has_account)
      fail(400, "InvalidCustomerIdentifierException",
           at + ": exactly one of CustomerIdentifier and CustomerAWSAccountId must be set");
    if (r.customer_identifier.size() > max_identifier_length)
      fail_validation(at + ".customerIdentifier", "Member must have length less than or equal to " +
                                                      std::to_string(max_identifier_length));
    if (has_account && !rules::is_account_id(r.customer_aws_account_id))
      fail_validation(at + ".customerAWSAccountId",
                      "Member must satisfy regular expression pattern: ^[0-9]+$");
    if (!r.license_arn.empty() && !rules::is_license_arn(r.license_arn))
      fail_validation(at + ".licenseArn", "Member must satisfy regular expression pattern of a license ARN");
    fingerprints[i] = check_allocations(r.usage_allocations, r.quantity, at + ".usageAllocations");
  }

  std::lock_guard lock(mutex_);
  // Without ProductCode every record names its license, and the license names the product.
  if (!input.product_code.empty()) check_product(input.product_code);
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    const auto& r = input.usage_records[i];
    const std::string at = "UsageRecords[" + std::to_string(i) + "]";
    check_dimension(product_of(input.product_code, r), r.dimension, at + ".Dimension");
    if (!r.license_arn.empty()) {
      auto it = by_account_.find(r.customer_aws_account_id);
      const bool known_account = it != by_account_.end();
      if (known_account && !find_customer(r))
        fail(400, "InvalidLicenseException", at + ".LicenseArn does not match the customer");
    }
  }
  // Any record outside the window rejects the whole batch, as the model documents.
  for (std::size_t i = 0; i < input.usage_records.size(); ++i)
    check_window(input.usage_records[i].timestamp, now, limits_,
                 "UsageRecords[" + std::to_string(i) + "].Timestamp");
  if (records_.size() + input.usage_records.size() > limits_.max_records)
    fail(400, "EmulatorLimitExceededException",
         "The awsmp emulator holds max_records=" + std::to_string(limits_.max_records) +
             " records; raise emulator_options::max_records or reset() it");

  batch_meter_usage_output output;
  output.results.reserve(input.usage_records.size());
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    auto& r = input.usage_records[i];
    // One draw per record whatever the settings (see draw_faults).
    if (next_uniform() * 100 < faults_.unprocessed_percent) {
      counters_.unprocessed_records.fetch_add(1, std::memory_order_relaxed);
      output.unprocessed_records.push_back(std::move(r));
      continue;
    }
    usage_record_result result;
    const emulated_customer* customer = find_customer(r);
    // A customer unsubscribed through the admin endpoint keeps the records stamped before it:
    // the final usage of the hour after unsubscribe-pending may be (re)sent after the fact.
    const bool subscribed_then =
        customer &&
        (customer->subscribed || (customer->unsubscribed_at && r.timestamp < *customer->unsubscribed_at));
    if (!customer || !subscribed_then ||
        (!input.product_code.empty() && !customer->identity.product_code.empty() &&
         customer->identity.product_code != input.product_code)) {
      counters_.records_not_subscribed.fetch_add(1, std::memory_order_relaxed);
      result.status = usage_record_status::customer_not_subscribed;
      result.record = std::move(r);
      output.results.push_back(std::move(result));
      continue;
    }
    // AWS keeps one record per (product or license, customer, dimension, UTC hour).
    const std::int64_t period =
        std::chrono::duration_cast<std::chrono::seconds>(awsmp::detail::record_identity_period).count();
    const std::int64_t hour = floor_div(epoch_seconds(r.timestamp), period);
    std::string key = input.product_code;
    key += '\x1f';
    key += r.customer_identifier.empty() ? "acct:" + r.customer_aws_account_id : r.customer_identifier;
    key += '\x1f';
    key += r.license_arn;
    key += '\x1f';
    key += r.dimension;
    key += '\x1f';
    key += std::to_string(hour);
    auto [it, inserted] = identities_.try_emplace(std::move(key));
    if (inserted) {
      it->second = identity_entry{r.quantity, std::move(fingerprints[i]), next_record_id()};
      commit("BatchMeterUsage", input.product_code, r, it->second.metering_record_id, now);
      result.metering_record_id = it->second.metering_record_id;
      result.status = usage_record_status::success;
    } else if (it->second.quantity == r.quantity && it->second.allocations == fingerprints[i]) {
      counters_.records_idempotent.fetch_add(1, std::memory_order_relaxed);
      result.metering_record_id = it->second.metering_record_id;
      result.status = usage_record_status::success;
    } else {
      counters_.records_duplicate.fetch_add(1, std::memory_order_relaxed);
      result.status = usage_record_status::duplicate_record;
    }
    result.record = std::move(r);
    output.results.push_back(std::move(result));
  }
  service_response response;
  response.body = wire::encode(output);
  return response;
}

service_response emulator_core::meter_usage(std::string_view body, time_point now) {
  std::array<unsigned char, 8 * 1024> buffer;
  json::monotonic_resource mr(buffer.data(), buffer.size());
  const json::value jv = parse_object(body, &mr);
  const auto& obj = jv.get_object();
  if (!member(obj, "ProductCode")) fail_validation("productCode", "Member must not be null");
  if (!member(obj, "Timestamp")) fail_validation("timestamp", "Member must not be null");
  if (!member(obj, "UsageDimension")) fail_validation("usageDimension", "Member must not be null");
  check_integer(member(obj, "UsageQuantity"), "usageQuantity", 0, max_quantity);
  check_allocations_shape(member(obj, "UsageAllocations"), "usageAllocations");
  if (const json::value* token = member(obj, "ClientToken")) {
    if (!token->is_string()) fail_serialization("ClientToken must be a string");
    if (token->get_string().empty())
      fail_validation("clientToken", "Member must have length greater than or equal to 1");
  }
  if (const json::value* dry = member(obj, "DryRun"); dry && !dry->is_bool())
    fail_serialization("DryRun must be a boolean");
  auto input = decode_as<meter_usage_input>(jv);

  check_product_code_rules(input.product_code, "productCode");
  check_dimension_rules(input.dimension, "usageDimension");
  if (!rules::quantity_violation(input.quantity).empty())
    fail_validation("usageQuantity", "Member must have value greater than or equal to 0");
  if (input.client_token.size() > rules::max_client_token_length)
    fail_validation("clientToken", "Member must have length less than or equal to " +
                                       std::to_string(rules::max_client_token_length));
  const std::string allocations =
      check_allocations(input.usage_allocations, input.quantity, "usageAllocations");

  std::lock_guard lock(mutex_);
  check_product(input.product_code);
  check_dimension(input.product_code, input.dimension, "UsageDimension");
  check_window(input.timestamp, now, limits_, "Timestamp");
  if (input.dry_run) fail(412, "DryRunOperation", "Request would have succeeded, but the DryRun flag is set");

  const std::string fingerprint = input.product_code + '\x1f' + input.dimension + '\x1f' +
                                  std::to_string(input.quantity) + '\x1f' +
                                  std::to_string(epoch_seconds(input.timestamp)) + '\x1f' + allocations;
  if (!input.client_token.empty()) {
    if (auto it = client_tokens_.find(input.client_token); it != client_tokens_.end()) {
      if (it->second.fingerprint != fingerprint)
        fail(400, "IdempotencyConflictException",
             "The ClientToken was already used with different parameters");
      counters_.records_idempotent.fetch_add(1, std::memory_order_relaxed);
      meter_usage_output out{it->second.metering_record_id};
      service_response response;
      response.body = wire::encode(out);
      return response;
    }
    if (client_tokens_.size() >= limits_.max_idempotency_entries)
      fail(400, "EmulatorLimitExceededException",
           "The awsmp emulator holds max_idempotency_entries=" +
               std::to_string(limits_.max_idempotency_entries) +
               " client tokens; raise emulator_options::max_idempotency_entries or reset() it");
  }

  std::string id;
  usage_record record;
  record.dimension = input.dimension;
  record.quantity = input.quantity;
  record.timestamp = input.timestamp;
  record.usage_allocations = input.usage_allocations;
  const auto window = limits_.meter_usage_window.count();
  std::string key;
  if (window > 0) {
    key = input.product_code + '\x1f' + input.dimension + '\x1f' +
          std::to_string(floor_div(epoch_seconds(input.timestamp), window));
    if (auto it = identities_.find(key); it != identities_.end()) {
      if (it->second.quantity != input.quantity || it->second.allocations != allocations) {
        counters_.records_duplicate.fetch_add(1, std::memory_order_relaxed);
        fail(400, "DuplicateRequestException",
             "Usage was already metered for this dimension and hour with a different quantity");
      }
      counters_.records_idempotent.fetch_add(1, std::memory_order_relaxed);
      id = it->second.metering_record_id;
    }
  }
  if (id.empty()) {
    if (records_.size() >= limits_.max_records)
      fail(400, "EmulatorLimitExceededException",
           "The awsmp emulator holds max_records=" + std::to_string(limits_.max_records) +
               " records; raise emulator_options::max_records or reset() it");
    id = next_record_id();
    if (!key.empty()) identities_.emplace(std::move(key), identity_entry{input.quantity, allocations, id});
    commit("MeterUsage", input.product_code, record, id, now);
  }
  if (!input.client_token.empty()) client_tokens_.emplace(input.client_token, token_entry{fingerprint, id});
  meter_usage_output out{id};
  service_response response;
  response.body = wire::encode(out);
  return response;
}

service_response emulator_core::resolve_customer(std::string_view body, time_point now) {
  const json::value jv = parse_object(body, {});
  const json::value* token = member(jv.get_object(), "RegistrationToken");
  if (!token) fail_validation("registrationToken", "Member must not be null");
  if (!token->is_string()) fail_serialization("RegistrationToken must be a string");
  if (token->get_string().empty())
    fail_validation("registrationToken", "Member must satisfy regular expression pattern: [\\s\\S]+");
  const std::string_view text(token->get_string().data(), token->get_string().size());
  std::lock_guard lock(mutex_);
  // The token is a secret: messages never repeat it.
  auto it = by_token_.find(std::string(text));
  if (it == by_token_.end()) fail(400, "InvalidTokenException", "Registration token is invalid");
  const emulated_customer& c = customers_[it->second];
  if (c.token_expires_at && now >= *c.token_expires_at)
    fail(400, "ExpiredTokenException", "Registration token has expired");
  service_response response;
  response.body = wire::encode(c.identity);
  return response;
}

service_response emulator_core::get_entitlements(std::string_view body) {
  const json::value jv = parse_object(body, {});
  const auto& obj = jv.get_object();
  const json::value* product = member(obj, "ProductCode");
  if (!product) fail_parameter("ProductCode is required");
  if (!product->is_string() || product->get_string().empty() ||
      product->get_string().size() > rules::max_product_code_length)
    fail_parameter("ProductCode must be a string of 1 to 255 characters");
  if (const json::value* filter = member(obj, "Filter")) {
    if (!filter->is_object()) fail_parameter("Filter must be a map");
    for (const auto& kv : filter->get_object()) {
      const std::string_view name(kv.key().data(), kv.key().size());
      if (name != "CUSTOMER_IDENTIFIER" && name != "DIMENSION" && name != "CUSTOMER_AWS_ACCOUNT_ID" &&
          name != "LICENSE_ARN")
        fail_parameter(
            "Filter name '" + std::string(name) +
            "' is not one of CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID, LICENSE_ARN");
      if (!kv.value().is_array() || kv.value().get_array().empty())
        fail_parameter("Filter " + std::string(name) + " must hold a list of at least one value");
      for (const auto& v : kv.value().get_array())
        if (!v.is_string()) fail_parameter("Filter " + std::string(name) + " values must be strings");
    }
  }
  if (const json::value* max = member(obj, "MaxResults")) {
    if (!max->is_int64() || max->get_int64() < 1 || max->get_int64() > rules::max_page_size)
      fail_parameter("MaxResults must be an integer from 1 to 25");
  }
  if (const json::value* next = member(obj, "NextToken")) {
    if (!next->is_string() || next->get_string().empty())
      fail_parameter("NextToken must be a non-empty string");
  }
  auto input = decode_as<get_entitlements_input>(jv);

  // The page token binds the offset to this exact query, so a token of another query is refused.
  std::string query = input.product_code;
  for (const auto& [name, values] : input.filter) {
    query += '\x1e';
    query += to_string(name);
    for (const auto& v : values) {
      query += '\x1f';
      query += v;
    }
  }
  const std::uint64_t query_hash = fnv1a(query);
  std::size_t offset = 0;
  if (!input.next_token.empty()) {
    const std::string& t = input.next_token;
    bool ok = t.size() == 32 && std::all_of(t.begin(), t.end(), [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
              });
    if (ok) {
      const std::uint64_t hash = std::stoull(t.substr(0, 16), nullptr, 16);
      const std::uint64_t masked = std::stoull(t.substr(16), nullptr, 16);
      ok = hash == query_hash;
      offset = static_cast<std::size_t>(masked ^ (query_hash * 0x9e3779b97f4a7c15ULL));
    }
    if (!ok) fail_parameter("NextToken is invalid or belongs to another query");
  }
  const std::size_t page = input.max_results > 0 ? static_cast<std::size_t>(input.max_results)
                                                 : static_cast<std::size_t>(limits_.default_page_size);
  auto matches = [&input](const marketplace_entitlement& e) {
    if (e.product_code != input.product_code) return false;
    for (const auto& [name, values] : input.filter) {
      const std::string* field = nullptr;
      switch (name) {
        case entitlement_filter::customer_identifier:
          field = &e.customer_identifier;
          break;
        case entitlement_filter::dimension:
          field = &e.dimension;
          break;
        case entitlement_filter::customer_aws_account_id:
          field = &e.customer_aws_account_id;
          break;
        case entitlement_filter::license_arn:
          field = &e.license_arn;
          break;
      }
      if (std::find(values.begin(), values.end(), *field) == values.end()) return false;
    }
    return true;
  };
  get_entitlements_output output;
  std::lock_guard lock(mutex_);
  std::size_t seen = 0;
  bool more = false;
  for (const auto& e : entitlements_) {
    if (!matches(e)) continue;
    if (seen++ < offset) continue;
    if (output.entitlements.size() == page) {
      more = true;
      break;
    }
    output.entitlements.push_back(e);
  }
  if (offset > seen) fail_parameter("NextToken is invalid or belongs to another query");
  if (more) {
    const std::size_t next = offset + output.entitlements.size();
    output.next_token =
        hex64(query_hash) + hex64(static_cast<std::uint64_t>(next) ^ (query_hash * 0x9e3779b97f4a7c15ULL));
  }
  service_response response;
  response.body = wire::encode(output);
  return response;
}

}  // namespace awsmp::testing::detail
