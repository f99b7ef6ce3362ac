// Internal: writes AWS JSON 1.1 bodies straight into a string, byte for byte as botocore's
// json.dumps does (", " and ": " separators, non-ASCII as \uXXXX escapes), without building a
// boost::json::value first: encoding a 25-record batch is on the hot path of every flush.
#pragma once

#include <awsmp/common.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// Appends `s` as a JSON string literal. Escapes like Python's json.dumps(ensure_ascii=True):
/// '"', '\\', \b \f \n \r \t, other bytes outside 0x20..0x7e as \u00XX / \uXXXX (UTF-16
/// surrogate pairs above the BMP); bytes that are not valid UTF-8 become \ufffd, so the output
/// is always valid JSON. Never throws beyond std::bad_alloc.
void append_json_string(std::string& out, std::string_view s);
/// Appends a decimal integer; never throws beyond std::bad_alloc.
void append_json_int(std::string& out, std::int64_t v);
/// Appends a double in its shortest round-trip form, with ".0" when integral (as Python's repr);
/// non-finite values, which JSON cannot carry, become null.
void append_json_double(std::string& out, double v);
/// Appends epoch seconds: an integer for whole seconds, else seconds with up to three decimals
/// (milliseconds, truncated toward the past, trailing zeros dropped), as botocore's
/// millisecond-precision serializer; never throws beyond std::bad_alloc.
void append_json_timestamp(std::string& out, time_point t);

/// Writes the members of one JSON object: `{` on construction, `}` on close().
class json_object_writer {
 public:
  explicit json_object_writer(std::string& out) : out_(out) { out_ += '{'; }
  /// Starts member `name` (a constant that needs no escaping) and returns the buffer for its value.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ", ";
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\": ";
    return out_;
  }
  /// Ends the object.
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace awsmp::detail
