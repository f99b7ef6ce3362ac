// Internal: a DOM-free decoder for BatchMeterUsage responses, the one body decoded on every
// flush. It only accepts the common, well-formed shape and says "no" to anything else (nulls,
// duplicate members, integral doubles, errors of any kind); wire::decode then runs the strict
// tree decoder, which either accepts the body or names what is wrong. So the fast path can
// never change what is accepted, only how quickly.
#pragma once

#include <awsmp/metering_types.hpp>
#include <string_view>

namespace awsmp::detail {

/// Decodes `body` into `out` when it has the common shape; returns false (with `out` in an
/// unspecified state) otherwise. Throws only std::bad_alloc.
bool fast_decode_batch_meter_usage_output(std::string_view body, batch_meter_usage_output& out);

}  // namespace awsmp::detail
