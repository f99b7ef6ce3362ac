#include "billing/journal_codec.hpp"

#include <algorithm>
#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <chrono>

#include "core/crc32c.hpp"
#include "core/throw.hpp"

namespace awsmp::detail::journal {
namespace {

void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_i64(std::string& out, std::int64_t v) {
  put_u64(out, static_cast<std::uint64_t>(v));
}
void put_str8(std::string& out, std::string_view s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 0xFF);
  put_u8(out, static_cast<std::uint8_t>(n));
  out.append(s.substr(0, n));
}
void put_str16(std::string& out, std::string_view s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(n));
  out.append(s.substr(0, n));
}
void put_type(std::string& out, entry_type t) {
  put_u8(out, static_cast<std::uint8_t>(t));
}

std::uint32_t get_u32_at(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

[[noreturn]] void corrupt(std::string_view what) {
  throw_error(errc::journal_corrupt, what);
}

class reader {
 public:
  explicit reader(std::string_view s) : s_(s) {}
  bool done() const noexcept { return at_ == s_.size(); }
  std::uint64_t uint(int bytes) {
    need(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(s_[at_ + static_cast<std::size_t>(i)]);
    at_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(uint(8)); }
  std::string_view str(std::size_t n) {
    need(n);
    auto v = s_.substr(at_, n);
    at_ += n;
    return v;
  }
  std::string_view str8() { return str(uint(1)); }
  std::string_view str16() { return str(uint(2)); }
  bool flag() {
    const auto v = uint(1);
    if (v > 1) corrupt("billing journal: a flag is neither 0 nor 1");
    return v == 1;
  }

 private:
  void need(std::size_t n) const {
    if (s_.size() - at_ < n)
      corrupt("billing journal: an entry ends inside its frame (checksummed but malformed)");
  }
  std::string_view s_;
  std::size_t at_ = 0;
};

// Checksummed but hostile or buggy values must be refused, never turned into undefined
// behaviour: hours and seconds are bounded so that their time_points cannot overflow.
constexpr std::int64_t max_hours =
    std::chrono::duration_cast<std::chrono::hours>(time_point::duration::max()).count();
constexpr std::int64_t max_seconds =
    std::chrono::duration_cast<std::chrono::seconds>(time_point::duration::max()).count();

hour_t get_hour(reader& in, bool allow_none) {
  const std::int64_t h = in.i64();
  if (allow_none && h == no_hour) return h;
  if (h > max_hours || h < -max_hours) corrupt("billing journal: an hour is out of range");
  return h;
}

time_point get_seconds(reader& in) {
  const std::int64_t s = in.i64();
  if (s > max_seconds || s < -max_seconds) corrupt("billing journal: a timestamp is out of range");
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::seconds(s)));
}

std::int64_t seconds_of(time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// Version 1 kept minutes: a minute maps to its hour (floor) and to its first instant.
hour_t hour_of_minute(std::int64_t m) {
  return m >= 0 ? m / 60 : -((-m + 59) / 60);
}
std::int64_t get_minute_v1(reader& in, bool allow_none) {
  const std::int64_t m = in.i64();
  constexpr std::int64_t never_sealed_v1 = std::numeric_limits<std::int32_t>::min();
  if (allow_none && m == never_sealed_v1) return m;
  if (m > max_hours * 60 || m < -max_hours * 60) corrupt("billing journal: a timestamp is out of range");
  return m;
}

std::int32_t get_quantity(reader& in) {
  const auto q = in.i64();
  if (q < 0 || q > awsmp::max_quantity) corrupt("billing journal: a quantity is out of range");
  return static_cast<std::int32_t>(q);
}

void put_record(std::string& out, const usage_record& r) {
  put_str8(out, r.customer_identifier);
  put_str8(out, r.customer_aws_account_id);
  put_str16(out, r.license_arn);
  put_str8(out, r.dimension);
  put_i64(out, r.quantity);
  put_i64(out, seconds_of(r.timestamp));
}

usage_record get_record(reader& in, bool v1) {
  usage_record r;
  r.customer_identifier = std::string(in.str8());
  r.customer_aws_account_id = std::string(in.str8());
  r.license_arn = std::string(in.str16());
  r.dimension = std::string(in.str8());
  r.quantity = get_quantity(in);
  if (v1) {
    const auto m = get_minute_v1(in, false);
    r.timestamp = time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::minutes(m)));
  } else {
    r.timestamp = get_seconds(in);
  }
  return r;
}

}  // namespace

std::string file_header() {
  std::string h(magic);
  put_u32(h, version);
  put_u32(h, crc32c(h));
  return h;
}

std::string frame(std::string_view payload) {
  std::string f;
  f.reserve(frame_header_size + payload.size());
  put_u32(f, static_cast<std::uint32_t>(payload.size()));
  put_u32(f, crc32c(std::string_view(f.data(), 4)));
  put_u32(f, crc32c(payload));
  f.append(payload);
  return f;
}

void encode_usage(std::string& out, std::string_view key, std::int64_t input, std::int64_t output,
                  hour_t first_hour) {
  put_type(out, entry_type::usage);
  put_str16(out, key);
  put_i64(out, input);
  put_i64(out, output);
  put_i64(out, first_hour);
}

void encode_seal(std::string& out, std::string_view key, const seal_plan& plan, std::string_view dimension,
                 const std::vector<std::uint64_t>& seqs) {
  put_type(out, entry_type::seal);
  put_str16(out, key);
  put_i64(out, plan.consumed_input);
  put_i64(out, plan.consumed_output);
  put_i64(out, plan.carried_delta);
  put_i64(out, plan.last_sealed);
  put_i64(out, plan.first_usage);
  put_str8(out, dimension);
  put_u16(out, static_cast<std::uint16_t>(plan.parts.size()));
  for (std::size_t i = 0; i < plan.parts.size(); ++i) {
    put_u64(out, seqs.at(i));
    put_i64(out, plan.parts[i].hour);
    put_i64(out, seconds_of(plan.parts[i].stamp));
    put_i64(out, plan.parts[i].quantity);
  }
}

void encode_ack(std::string& out, std::uint64_t seq) {
  put_type(out, entry_type::ack);
  put_u64(out, seq);
}

void encode_dead(std::string& out, std::uint64_t seq, std::string_view reason, bool in_doubt,
                 std::uint32_t sends) {
  put_type(out, entry_type::dead);
  put_u64(out, seq);
  put_str16(out, reason);
  put_u8(out, in_doubt ? 1 : 0);
  put_u32(out, sends);
}

void encode_pending(std::string& out, std::uint64_t seq, const usage_record& r, std::uint32_t sends,
                    bool maybe_delivered) {
  put_type(out, entry_type::pending);
  put_u64(out, seq);
  put_record(out, r);
  put_u32(out, sends);
  put_u8(out, maybe_delivered ? 1 : 0);
}

void encode_dead_record(std::string& out, std::uint64_t seq, const dead_letter& d) {
  put_type(out, entry_type::dead_record);
  put_u64(out, seq);
  put_record(out, d.record);
  put_str16(out, d.reason);
  put_u8(out, d.in_doubt ? 1 : 0);
  put_u32(out, d.sends);
}

void encode_next_seq(std::string& out, std::uint64_t seq) {
  put_type(out, entry_type::next_seq);
  put_u64(out, seq);
}

void encode_refund(std::string& out, std::string_view key, std::int64_t tokens, hour_t hour) {
  put_type(out, entry_type::refund);
  put_str16(out, key);
  put_i64(out, tokens);
  put_i64(out, hour);
}

void encode_undead(std::string& out, std::uint64_t seq) {
  put_type(out, entry_type::undead);
  put_u64(out, seq);
}

std::vector<entry> decode(std::string_view payload, std::uint32_t file_version) {
  const bool v1 = file_version == 1;
  reader in(payload);
  std::vector<entry> out;
  while (!in.done()) {
    const auto type = static_cast<entry_type>(in.uint(1));
    if (v1 && (type == entry_type::refund || type == entry_type::undead))
      corrupt("billing journal: unknown entry type (checksummed but not an awsmp entry)");
    switch (type) {
      case entry_type::usage: {
        usage_entry e;
        e.key = std::string(v1 ? in.str8() : in.str16());
        e.input = in.i64();
        e.output = in.i64();
        if (!v1) e.first_hour = get_hour(in, true);
        if (e.input < 0 || e.output < 0) corrupt("billing journal: a usage entry has a negative token count");
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::seal: {
        seal_entry e;
        e.key = std::string(v1 ? in.str8() : in.str16());
        // Negative consumption is legitimate: a compacted file rebuilds each account as a seal
        // that "consumes" -input. Overflow is checked where the replay applies it.
        e.plan.consumed_input = in.i64();
        e.plan.consumed_output = in.i64();
        e.plan.carried_delta = in.i64();
        if (v1) {
          const auto m = get_minute_v1(in, true);
          e.plan.last_sealed = m == std::numeric_limits<std::int32_t>::min() ? no_hour : hour_of_minute(m);
        } else {
          e.plan.last_sealed = get_hour(in, true);
          e.plan.first_usage = get_hour(in, true);
        }
        e.dimension = std::string(in.str8());
        const auto n = in.uint(2);
        for (std::uint64_t i = 0; i < n; ++i) {
          e.seqs.push_back(in.uint(8));
          sealed_part part;
          if (v1) {
            const auto m = get_minute_v1(in, false);
            part.hour = hour_of_minute(m);
            part.stamp =
                time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::minutes(m)));
          } else {
            part.hour = get_hour(in, false);
            part.stamp = get_seconds(in);
          }
          part.quantity = get_quantity(in);
          e.plan.parts.push_back(part);
        }
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::ack:
        out.emplace_back(ack_entry{in.uint(8)});
        break;
      case entry_type::dead: {
        dead_entry_value e;
        e.seq = in.uint(8);
        e.reason = std::string(in.str16());
        if (!v1) {
          e.in_doubt = in.flag();
          e.sends = static_cast<std::uint32_t>(in.uint(4));
        }
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::pending: {
        pending_entry e;
        e.seq = in.uint(8);
        e.record = get_record(in, v1);
        if (!v1) {
          e.sends = static_cast<std::uint32_t>(in.uint(4));
          e.maybe_delivered = in.flag();
        }
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::dead_record: {
        dead_record_entry e;
        if (!v1) e.seq = in.uint(8);
        e.record = get_record(in, v1);
        e.reason = std::string(in.str16());
        if (!v1) {
          e.in_doubt = in.flag();
          e.sends = static_cast<std::uint32_t>(in.uint(4));
        }
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::next_seq:
        out.emplace_back(next_seq_entry{in.uint(8)});
        break;
      case entry_type::refund: {
        refund_entry e;
        e.key = std::string(in.str16());
        e.tokens = in.i64();
        e.hour = get_hour(in, false);
        if (e.tokens < 0) corrupt("billing journal: a refund is negative");
        out.emplace_back(std::move(e));
        break;
      }
      case entry_type::undead:
        out.emplace_back(undead_entry{in.uint(8)});
        break;
      default:
        corrupt("billing journal: unknown entry type (checksummed but not an awsmp entry)");
    }
  }
  return out;
}

scan_result scan(std::string_view file) {
  scan_result r;
  const std::string header = file_header();
  if (file.size() < header_size) {
    // A crash while creating the file leaves a prefix of the header (or nothing).
    if (std::string_view(header).substr(0, file.size()) == file) {
      r.fresh = true;
      r.torn_bytes = file.size();
      return r;
    }
    corrupt("billing journal: not an awsmp billing journal (bad magic)");
  }
  if (file.substr(0, magic.size()) != magic)
    corrupt("billing journal: not an awsmp billing journal (bad magic)");
  const std::uint32_t file_version = get_u32_at(file, magic.size());
  if ((file_version != 1 && file_version != version) ||
      crc32c(file.substr(0, header_size - 4)) != get_u32_at(file, header_size - 4))
    corrupt("billing journal: unsupported version or damaged file header");
  r.version = file_version;
  std::size_t at = header_size;
  for (;;) {
    const std::size_t left = file.size() - at;
    r.good_end = at;
    if (left == 0) return r;
    const auto tail = file.substr(at);
    const bool zeros = std::all_of(tail.begin(), tail.end(), [](char c) { return c == 0; });
    if (left < frame_header_size || zeros) {
      r.torn_bytes = left;
      return r;
    }
    const std::uint32_t len = get_u32_at(file, at);
    if (crc32c(file.substr(at, 4)) != get_u32_at(file, at + 4))
      corrupt("billing journal: damaged frame header at offset " + std::to_string(at));
    if (len > left - frame_header_size) {  // the commit was cut short by a crash
      r.torn_bytes = left;
      return r;
    }
    const auto payload = file.substr(at + frame_header_size, len);
    if (crc32c(payload) != get_u32_at(file, at + 8)) {
      if (at + frame_header_size + len == file.size()) {  // the last commit, partly persisted
        r.torn_bytes = left;
        return r;
      }
      corrupt("billing journal: checksum mismatch in the frame at offset " + std::to_string(at));
    }
    r.frames.push_back(payload);
    at += frame_header_size + len;
  }
}

}  // namespace awsmp::detail::journal
