// Fuzz target: billing journal replay (src/billing/journal_codec.hpp: scan + decode, the code that
// rebuilds the billing state after a restart).
//  - mode 0, raw: any bytes as a journal file. scan() and decode() throw nothing but
//    errc::journal_corrupt, and the frames scan() returns lie inside the file.
//  - mode 1, framed: any bytes as the payload of a correctly checksummed frame, so that the
//    entry decoder itself is reached. decode() throws nothing but errc::journal_corrupt.
//  - mode 2, damaged: a valid journal of usage entries built from the bytes, then cut and/or
//    one byte flipped at a place the bytes choose. Replay never invents usage: it either
//    refuses the file (journal_corrupt) or returns exactly the first k original frames, whose
//    usage sums are the ones written; a cut alone never loses a complete frame; damage before
//    the last frame is always refused, never skipped (skipping would drop billed usage).
#include <awsmp/error.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "billing/journal_codec.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

using awsmp::fuzz::check;
namespace journal = awsmp::detail::journal;

// Sums the usage of every entry, and checks each entry is plausible.
struct summing_visitor {
  std::map<std::string, std::int64_t, std::less<>> tokens;
  std::size_t entries = 0;
  void operator()(const journal::usage_entry& e) {
    ++entries;
    check(e.input >= 0 && e.output >= 0, "a usage entry decoded with a negative token count");
    auto& sum = tokens[e.key];
    // Saturating: the fuzzer's frames can hold any counts, and the sum only has to be an upper bound.
    if (__builtin_add_overflow(sum, e.input, &sum) || __builtin_add_overflow(sum, e.output, &sum))
      sum = std::numeric_limits<std::int64_t>::max();
  }
  void operator()(const journal::pending_entry& e) {
    ++entries;
    check(e.record.quantity >= 0, "a pending record decoded with a negative quantity");
  }
  void operator()(const journal::dead_record_entry& e) {
    ++entries;
    check(e.record.quantity >= 0, "a dead letter decoded with a negative quantity");
  }
  template <class Other>
  void operator()(const Other&) {
    ++entries;
  }
  void decode(std::string_view payload, std::uint32_t version = journal::version) {
    for (const auto& e : journal::decode(payload, version)) std::visit(*this, e);
  }
};

bool is_corrupt(const boost::system::system_error& e) {
  return e.code() == awsmp::errc::journal_corrupt;
}

void replay_raw(std::string_view file) {
  try {
    const auto scanned = journal::scan(file);
    check(scanned.good_end <= file.size() && scanned.good_end + scanned.torn_bytes <= file.size(),
          "scan reports offsets beyond the file");
    for (const auto payload : scanned.frames) {
      check(payload.data() >= file.data() && payload.data() + payload.size() <= file.data() + file.size(),
            "a frame lies outside the file");
      summing_visitor v;
      v.decode(payload, scanned.version);
    }
  } catch (const boost::system::system_error& e) {
    check(is_corrupt(e), "journal replay threw a system_error other than errc::journal_corrupt");
  } catch (...) {
    check(false, "journal replay threw something other than system_error");
  }
}

void replay_damaged(awsmp::fuzz::reader& in) {
  // Build the original: a header and 1..8 frames of 1..4 usage entries each.
  std::string file = journal::file_header();
  std::vector<std::string> payloads;
  std::vector<std::size_t> frame_end;
  const int frames = 1 + in.byte() % 8;
  for (int f = 0; f < frames; ++f) {
    std::string payload;
    const int entries = 1 + in.byte() % 4;
    for (int e = 0; e < entries; ++e) {
      const std::string id = "cust-" + std::to_string(in.byte() % 4);
      const std::int64_t input = in.u16();
      const std::int64_t output = in.u16();
      journal::encode_usage(payload, id, input, output, awsmp::detail::no_hour);
    }
    payloads.push_back(payload);
    file += journal::frame(payload);
    frame_end.push_back(file.size());
  }
  const std::size_t original_size = file.size();

  // Damage it: maybe cut, maybe flip one byte (xor with a non-zero mask).
  const bool cut = in.flag();
  const bool flip = in.flag();
  std::size_t cut_at = original_size;
  if (cut) cut_at = in.u16() % (original_size + 1);
  std::size_t flip_at = 0;
  std::uint8_t mask = 0;
  if (flip) {
    flip_at = in.u16() % original_size;
    mask = static_cast<std::uint8_t>(in.byte() | 1);
  }
  std::string damaged = file.substr(0, cut_at);
  const bool flipped = flip && flip_at < damaged.size();
  if (flipped) damaged[flip_at] = static_cast<char>(static_cast<std::uint8_t>(damaged[flip_at]) ^ mask);

  // Index of the frame holding byte `at` (-1: the file header).
  auto frame_of = [&](std::size_t at) -> int {
    if (at < journal::header_size) return -1;
    for (std::size_t i = 0; i < frame_end.size(); ++i)
      if (at < frame_end[i]) return static_cast<int>(i);
    return static_cast<int>(frame_end.size());
  };
  // Complete frames left after the cut, and the frame the cut went through (if any).
  std::size_t whole = 0;
  while (whole < frame_end.size() && frame_end[whole] <= cut_at) ++whole;

  journal::scan_result scanned;
  try {
    scanned = journal::scan(damaged);
  } catch (const boost::system::system_error& e) {
    check(is_corrupt(e), "scan threw a system_error other than errc::journal_corrupt");
    check(flipped, "a journal that was only cut short was refused (a torn tail must be tolerated)");
    return;
  } catch (...) {
    check(false, "scan threw something other than system_error");
  }

  // Whatever scan returned must be a prefix of what was written: nothing invented, nothing reordered.
  check(scanned.frames.size() <= payloads.size(), "replay returned more frames than were written");
  for (std::size_t i = 0; i < scanned.frames.size(); ++i)
    check(scanned.frames[i] == payloads[i], "replay returned a frame that was never written");
  if (scanned.fresh) check(scanned.frames.empty(), "a fresh journal has frames");

  if (!flipped) {
    check(scanned.frames.size() == whole, "a cut lost a complete frame or kept a partial one");
  } else {
    // The last frame left in the damaged file: the one the cut went through, else the last whole one.
    const std::size_t whole_end = whole == 0 ? journal::header_size : frame_end[whole - 1];
    const bool partial = whole < frame_end.size() && cut_at > whole_end;
    const int last = partial ? static_cast<int>(whole) : static_cast<int>(whole) - 1;
    const int damaged_frame = frame_of(flip_at);
    check(damaged_frame >= 0, "a damaged file header was accepted");
    check(damaged_frame == last,
          "damage before the last frame was skipped instead of refused (billed usage would be dropped)");
    check(scanned.frames.size() == static_cast<std::size_t>(damaged_frame),
          "replay kept a damaged frame or dropped good ones");
  }

  summing_visitor v;
  for (const auto payload : scanned.frames) v.decode(payload);
  // Recompute the expected sums from the original entries of the same frames.
  summing_visitor original;
  for (std::size_t i = 0; i < scanned.frames.size(); ++i) original.decode(payloads[i]);
  check(v.tokens == original.tokens, "replayed usage differs from the usage written");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  awsmp::fuzz::reader in(data, size);
  switch (in.byte() % 3) {
    case 0:
      replay_raw(in.rest());
      break;
    case 1: {
      const std::string file = journal::file_header() + journal::frame(in.rest());
      replay_raw(file);
      break;
    }
    default:
      replay_damaged(in);
      break;
  }
  return 0;
}
