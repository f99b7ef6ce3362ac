#include <array>
#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <string>
#include <type_traits>

#include "core/throw.hpp"
#include "wire/batch_result_parser.hpp"
#include "wire/wire_codec.hpp"

namespace awsmp::wire {
namespace {

// Roughly the bytes a 25-record body of typical ids takes, so one allocation covers it.
constexpr std::size_t typical_record_bytes = 192;

std::string host(std::string_view service, std::string_view region) {
  // The China partition lives under its own DNS suffix; every other region under amazonaws.com.
  const std::string_view suffix = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  std::string h;
  h.reserve(service.size() + region.size() + suffix.size() + 1);
  h += service;
  h += '.';
  h += region;
  h += suffix;
  return h;
}

template <class T>
std::string encode_any(const T& value, std::size_t reserve) {
  std::string out;
  out.reserve(reserve);
  detail::write_json(out, value);
  return out;
}

}  // namespace

std::string metering_host(std::string_view region) {
  return host("metering.marketplace", region);
}
std::string entitlement_host(std::string_view region) {
  return host("entitlement.marketplace", region);
}

std::string encode(const batch_meter_usage_input& input) {
  return encode_any(input, 48 + input.usage_records.size() * typical_record_bytes);
}
std::string encode(const meter_usage_input& input) {
  return encode_any(input, 256);
}
std::string encode(const resolve_customer_input& input) {
  return encode_any(input, 32 + input.registration_token.size());
}
std::string encode(const get_entitlements_input& input) {
  return encode_any(input, 256);
}
std::string encode(const batch_meter_usage_output& output) {
  return encode_any(output, 64 + output.results.size() * (typical_record_bytes + 96) +
                                output.unprocessed_records.size() * typical_record_bytes);
}
std::string encode(const meter_usage_output& output) {
  return encode_any(output, 64);
}
std::string encode(const resolve_customer_output& output) {
  return encode_any(output, 256);
}
std::string encode(const get_entitlements_output& output) {
  return encode_any(output, 64 + output.entitlements.size() * 256);
}

template <class T>
T decode(std::string_view body) {
  if constexpr (std::is_same_v<T, batch_meter_usage_output>) {
    // Every flush decodes one of these: try the DOM-free path first (see batch_result_parser.hpp).
    batch_meter_usage_output fast;
    if (detail::fast_decode_batch_meter_usage_output(body, fast)) return fast;
  }
  // Parse into an arena: the tree is discarded as soon as T is built, and a stack buffer spares
  // the allocator for typical response sizes.
  std::array<unsigned char, 8192> buffer;
  boost::json::monotonic_resource arena(buffer.data(), buffer.size());
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec, &arena);
  if (ec) {
    std::string rule = "not valid JSON (";
    rule += ec.message();
    rule += ')';
    detail::throw_malformed(detail::json_path{}, rule);
  }
  T out{};
  detail::read_json(doc, detail::json_path{}, out);
  return out;
}

template batch_meter_usage_input decode<batch_meter_usage_input>(std::string_view);
template batch_meter_usage_output decode<batch_meter_usage_output>(std::string_view);
template meter_usage_input decode<meter_usage_input>(std::string_view);
template meter_usage_output decode<meter_usage_output>(std::string_view);
template resolve_customer_input decode<resolve_customer_input>(std::string_view);
template resolve_customer_output decode<resolve_customer_output>(std::string_view);
template get_entitlements_input decode<get_entitlements_input>(std::string_view);
template get_entitlements_output decode<get_entitlements_output>(std::string_view);
template usage_record decode<usage_record>(std::string_view);
template marketplace_entitlement decode<marketplace_entitlement>(std::string_view);

}  // namespace awsmp::wire
