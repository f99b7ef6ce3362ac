// Fuzz target: wire::decode<T> of every request and response type of both services.
// Properties: decoding any bytes either yields a value or throws system_error with
// errc::malformed_message (nothing else, no crash); and a decoded value survives
// encode -> decode unchanged, so what awsmp re-sends or echoes is what it read.
#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/support/fuzz_support.hpp"

namespace {

template <class T>
void decode_and_round_trip(std::string_view body) {
  using awsmp::fuzz::check;
  T first;
  try {
    first = awsmp::wire::decode<T>(body);
  } catch (const boost::system::system_error& e) {
    check(e.code() == awsmp::errc::malformed_message,
          "decode threw a system_error other than errc::malformed_message");
    return;
  } catch (...) {
    check(false, "decode threw something other than system_error");
  }
  const std::string encoded = awsmp::wire::encode(first);
  T second;
  try {
    second = awsmp::wire::decode<T>(encoded);
  } catch (...) {
    check(false, "decode rejected what encode wrote from a decoded value");
  }
  check(second == first, "decode(encode(decode(x))) != decode(x): the codec loses or changes data");
  check(awsmp::wire::encode(second) == encoded, "encoding is not stable across a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  awsmp::fuzz::reader in(data, size);
  const std::uint8_t which = in.byte();
  const std::string_view body = in.rest();
  switch (which % 8) {
    case 0:
      decode_and_round_trip<awsmp::batch_meter_usage_input>(body);
      break;
    case 1:
      decode_and_round_trip<awsmp::batch_meter_usage_output>(body);
      break;
    case 2:
      decode_and_round_trip<awsmp::meter_usage_input>(body);
      break;
    case 3:
      decode_and_round_trip<awsmp::meter_usage_output>(body);
      break;
    case 4:
      decode_and_round_trip<awsmp::resolve_customer_input>(body);
      break;
    case 5:
      decode_and_round_trip<awsmp::resolve_customer_output>(body);
      break;
    case 6:
      decode_and_round_trip<awsmp::get_entitlements_input>(body);
      break;
    default:
      decode_and_round_trip<awsmp::get_entitlements_output>(body);
      break;
  }
  return 0;
}
