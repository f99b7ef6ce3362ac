// Fuzz target: decode_aws_error over any status, x-amzn-ErrorType, x-amzn-RequestId and body.
// Properties: never throws (not even bad_alloc: no input may exhaust memory); keeps the status; the type
// carries neither a "namespace#" prefix nor a ":uri" suffix; retryable() agrees with is_retryable_error;
// what() is readable and free of control characters that could forge log lines.
#include <awsmp/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

#include "fuzz/support/fuzz_support.hpp"

namespace {

bool printable(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using awsmp::fuzz::check;
  awsmp::fuzz::reader in(data, size);
  // Mostly realistic statuses, sometimes anything, including 0 and non-errors.
  const std::uint16_t raw = in.u16();
  const unsigned status = (raw & 0x8000) ? raw & 0x7fff : 400 + raw % 200;
  const std::string_view type_header = in.short_string();
  const std::string_view request_id = in.short_string();
  const std::string_view body = in.rest();
  try {
    const awsmp::aws_error e = awsmp::decode_aws_error(status, type_header, request_id, body);
    check(e.http_status() == status, "decode_aws_error changed the HTTP status");
    check(e.type().find('#') == std::string::npos, "type kept a namespace# prefix");
    check(e.type().find(':') == std::string::npos, "type kept a :uri suffix");
    check(e.retryable() == awsmp::is_retryable_error(e.type(), status),
          "retryable() disagrees with is_retryable_error");
    check(request_id.empty() == e.request_id().empty(), "request id lost or invented");
    check(
        printable(e.type()) && printable(e.request_id()) && printable(e.aws_message()) && printable(e.what()),
        "a control character from the response reached the error text (log line forging)");
    check(std::strlen(e.what()) > 0, "what() is empty");
    const awsmp::aws_error copy = e;
    check(copy.type() == e.type() && copy.aws_message() == e.aws_message(), "copy differs");
  } catch (...) {
    check(false, "decode_aws_error threw");
  }
  return 0;
}
