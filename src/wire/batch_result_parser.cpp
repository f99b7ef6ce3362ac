#include "wire/batch_result_parser.hpp"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "wire/json_reader.hpp"

namespace awsmp::detail {
namespace {

namespace json = boost::json;

// Where the parser is: the kind of the innermost open container (document: none is open).
enum class where : std::uint8_t {
  document,
  root,
  results,
  result,
  record,
  allocations,
  allocation,
  tags,
  tag,
  unprocessed
};

// The member whose value comes next.
enum class field : std::uint8_t {
  none,
  unknown,
  results,
  unprocessed,
  usage_record,
  metering_record_id,
  status,
  timestamp,
  customer_identifier,
  dimension,
  quantity,
  usage_allocations,
  customer_aws_account_id,
  license_arn,
  allocated_usage_quantity,
  tags,
  key,
  value,
};

field lookup(where w, std::string_view k) noexcept {
  switch (w) {
    case where::root:
      if (k == "Results") return field::results;
      if (k == "UnprocessedRecords") return field::unprocessed;
      break;
    case where::result:
      if (k == "UsageRecord") return field::usage_record;
      if (k == "MeteringRecordId") return field::metering_record_id;
      if (k == "Status") return field::status;
      break;
    case where::record:
      if (k == "Timestamp") return field::timestamp;
      if (k == "CustomerIdentifier") return field::customer_identifier;
      if (k == "Dimension") return field::dimension;
      if (k == "Quantity") return field::quantity;
      if (k == "UsageAllocations") return field::usage_allocations;
      if (k == "CustomerAWSAccountId") return field::customer_aws_account_id;
      if (k == "LicenseArn") return field::license_arn;
      break;
    case where::allocation:
      if (k == "AllocatedUsageQuantity") return field::allocated_usage_quantity;
      if (k == "Tags") return field::tags;
      break;
    case where::tag:
      if (k == "Key") return field::key;
      if (k == "Value") return field::value;
      break;
    default:
      break;
  }
  return field::unknown;
}

bool is_object(where w) noexcept {
  return w == where::root || w == where::result || w == where::record || w == where::allocation ||
         w == where::tag;
}

std::uint32_t bit(field f) noexcept {
  return std::uint32_t{1} << static_cast<unsigned>(f);
}

// Members each object must carry (the strict decoder's rules).
std::uint32_t required(where w) noexcept {
  switch (w) {
    case where::result:
      return bit(field::usage_record) | bit(field::status);
    case where::record:
      return bit(field::timestamp) | bit(field::dimension);
    case where::allocation:
      return bit(field::allocated_usage_quantity);
    case where::tag:
      return bit(field::key) | bit(field::value);
    default:
      return 0;
  }
}

class handler {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  explicit handler(batch_meter_usage_output* out) : out_(out) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code& ec) { return depth_ == 0 ? true : fail(ec); }

  bool on_object_begin(json::error_code& ec) {
    if (skip_ > 0 || starts_skip()) return ++skip_, true;
    if (depth_ == 0) return push(where::root, ec);
    switch (top()) {
      case where::results:
        rec_ = &out_->results.emplace_back().record;
        res_ = &out_->results.back();
        return push(where::result, ec);
      case where::unprocessed:
        rec_ = &out_->unprocessed_records.emplace_back();
        return push(where::record, ec);
      case where::result:
        return field_ == field::usage_record ? (rec_ = &res_->record, push(where::record, ec)) : fail(ec);
      case where::allocations:
        alloc_ = &rec_->usage_allocations.emplace_back();
        return push(where::allocation, ec);
      case where::tags:
        tag_ = &alloc_->tags.emplace_back();
        return push(where::tag, ec);
      default:
        return fail(ec);
    }
  }

  bool on_object_end(std::size_t, json::error_code& ec) { return close(ec); }

  bool on_array_begin(json::error_code& ec) {
    if (skip_ > 0 || starts_skip()) return ++skip_, true;
    if (depth_ == 0) return fail(ec);
    if (top() == where::root && field_ == field::results) return push(where::results, ec);
    if (top() == where::root && field_ == field::unprocessed) return push(where::unprocessed, ec);
    if (top() == where::record && field_ == field::usage_allocations) return push(where::allocations, ec);
    if (top() == where::allocation && field_ == field::tags) return push(where::tags, ec);
    return fail(ec);
  }

  bool on_array_end(std::size_t, json::error_code& ec) { return close(ec); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (skip_ == 0) part_.append(s.data(), s.size());
    return true;
  }

  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    if (skip_ > 0) return true;
    std::string_view k(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      k = part_;
    }
    field_ = lookup(top(), k);
    part_.clear();
    if (field_ == field::unknown) return true;
    if (depth_ == 0) return fail(ec);
    // A repeated member: the tree decoder decides which one counts.
    if ((seen_[depth_ - 1] & bit(field_)) != 0) return fail(ec);
    seen_[depth_ - 1] |= bit(field_);
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (skip_ == 0) part_.append(s.data(), s.size());
    return true;
  }

  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (skip_ > 0 || (is_object(top()) && field_ == field::unknown)) return true;
    std::string_view v(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      v = part_;
    }
    const bool ok = set_string(v);
    part_.clear();
    return ok ? true : fail(ec);
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }

  bool on_int64(std::int64_t i, json::string_view, json::error_code& ec) {
    if (ignored()) return true;
    if (top() == where::record && field_ == field::timestamp) {
      return timestamp_from_seconds(i, rec_->timestamp) ? true : fail(ec);
    }
    std::int32_t* target = nullptr;
    if (top() == where::record && field_ == field::quantity) target = &rec_->quantity;
    if (top() == where::allocation && field_ == field::allocated_usage_quantity)
      target = &alloc_->allocated_usage_quantity;
    if (target == nullptr || i < std::numeric_limits<std::int32_t>::min() ||
        i > std::numeric_limits<std::int32_t>::max())
      return fail(ec);
    *target = static_cast<std::int32_t>(i);
    return true;
  }

  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) {
    return ignored() ? true : fail(ec);
  }

  bool on_double(double d, json::string_view, json::error_code& ec) {
    if (ignored()) return true;
    if (top() == where::record && field_ == field::timestamp && timestamp_from_seconds(d, rec_->timestamp))
      return true;
    return fail(ec);
  }

  bool on_bool(bool, json::error_code& ec) { return ignored() ? true : fail(ec); }
  bool on_null(json::error_code& ec) { return ignored() ? true : fail(ec); }
  bool on_comment_part(json::string_view, json::error_code& ec) { return fail(ec); }
  bool on_comment(json::string_view, json::error_code& ec) { return fail(ec); }

 private:
  static constexpr std::size_t max_depth = 8;

  where top() const noexcept { return depth_ == 0 ? where::document : stack_[depth_ - 1]; }

  // A scalar that belongs to a skipped subtree or to an unknown member.
  bool ignored() const noexcept { return skip_ > 0 || (is_object(top()) && field_ == field::unknown); }

  // A container that is the value of an unknown member: skipped whole.
  bool starts_skip() const noexcept { return depth_ > 0 && is_object(top()) && field_ == field::unknown; }

  bool push(where w, json::error_code& ec) {
    if (depth_ == max_depth) return fail(ec);
    stack_[depth_] = w;
    seen_[depth_] = 0;
    ++depth_;
    field_ = field::none;
    return true;
  }

  bool close(json::error_code& ec) {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (depth_ == 0) return fail(ec);  // the parser keeps containers balanced; this is for the optimizer
    const where w = top();
    if ((seen_[depth_ - 1] & required(w)) != required(w)) return fail(ec);
    --depth_;
    field_ = field::none;
    return true;
  }

  bool set_string(std::string_view v) {
    switch (top()) {
      case where::result:
        if (field_ == field::metering_record_id) return res_->metering_record_id.assign(v), true;
        if (field_ == field::status) {
          for (auto s : {usage_record_status::success, usage_record_status::customer_not_subscribed,
                         usage_record_status::duplicate_record}) {
            if (to_string(s) == v) return res_->status = s, true;
          }
          // A Status AWS added later affects only this record (the tracker keeps it pending).
          return res_->status = usage_record_status::unknown, true;
        }
        return false;
      case where::record:
        switch (field_) {
          case field::customer_identifier:
            return rec_->customer_identifier.assign(v), true;
          case field::dimension:
            return rec_->dimension.assign(v), true;
          case field::customer_aws_account_id:
            return rec_->customer_aws_account_id.assign(v), true;
          case field::license_arn:
            return rec_->license_arn.assign(v), true;
          default:
            return false;
        }
      case where::tag:
        if (field_ == field::key) return tag_->key.assign(v), true;
        if (field_ == field::value) return tag_->value.assign(v), true;
        return false;
      default:
        return false;
    }
  }

  static bool fail(json::error_code& ec) {
    // Any error code stops the parser; which one does not matter, the caller falls back.
    ec = json::error::syntax;
    return false;
  }

  batch_meter_usage_output* out_;
  usage_record_result* res_ = nullptr;
  usage_record* rec_ = nullptr;
  usage_allocation* alloc_ = nullptr;
  tag* tag_ = nullptr;
  std::array<where, max_depth> stack_{};
  std::array<std::uint32_t, max_depth> seen_{};
  std::size_t depth_ = 0;
  std::size_t skip_ = 0;
  field field_ = field::none;
  std::string part_;
};

}  // namespace

bool fast_decode_batch_meter_usage_output(std::string_view body, batch_meter_usage_output& out) {
  out = {};
  json::basic_parser<handler> parser(json::parse_options{}, &out);
  json::error_code ec;
  const std::size_t n = parser.write_some(false, body.data(), body.size(), ec);
  return !ec && n == body.size();
}

}  // namespace awsmp::detail
