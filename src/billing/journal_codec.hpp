// The billing journal's format, pure: file header, checksummed frames, and the entries inside
// a frame, encoded to bytes and decoded to values (no file, no callbacks). Torn tails are
// reported by scan(); anything else damaged is errc::journal_corrupt.
#pragma once

#include <awsmp/metering_types.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "billing/billing_planner.hpp"

namespace awsmp::detail::journal {

/// File header: magic "AWSMPBJ\x01", version (u32 LE), CRC-32C of the first 12 bytes (u32 LE).
inline constexpr std::string_view magic{"AWSMPBJ\x01", 8};
/// Version 2: hour identity, account-form keys (16-bit lengths), dead letters in doubt.
/// Version 1 files (minute identity) are still read.
inline constexpr std::uint32_t version = 2;
inline constexpr std::size_t header_size = 16;
/// Frame header: payload length, CRC-32C of the length bytes, CRC-32C of the payload (u32 LE each).
inline constexpr std::size_t frame_header_size = 12;

/// Entry types (first byte of each entry).
enum class entry_type : std::uint8_t {
  usage = 1,        ///< key, input, output, first usage hour: record_usage
  seal = 2,         ///< key, seal deltas, dimension, records (seq, hour, stamp, quantity)
  ack = 3,          ///< seq: AWS answered Success (or the record was unsealed)
  dead = 4,         ///< seq, reason, in doubt, sends: moved to the dead letters
  pending = 5,      ///< seq, full record, sends, maybe delivered (compacted files)
  dead_record = 6,  ///< seq, full record, reason, in doubt, sends (compacted files)
  next_seq = 7,     ///< the next sequence number (compacted files)
  refund = 8,       ///< key, tokens, hour: units AWS never billed back to open usage
  undead = 9,       ///< seq: a dead letter left for re-drive
};

/// Entry values (decoded).
struct usage_entry {
  std::string key;
  std::int64_t input = 0, output = 0;
  hour_t first_hour = no_hour;
};
struct seal_entry {
  std::string key;
  seal_plan plan;
  std::string dimension;
  std::vector<std::uint64_t> seqs;
};
struct ack_entry {
  std::uint64_t seq = 0;
};
struct dead_entry_value {
  std::uint64_t seq = 0;
  std::string reason;
  bool in_doubt = false;
  std::uint32_t sends = 0;
};
struct pending_entry {
  std::uint64_t seq = 0;
  usage_record record;
  std::uint32_t sends = 0;
  bool maybe_delivered = true;
};
struct dead_record_entry {
  std::uint64_t seq = 0;
  usage_record record;
  std::string reason;
  bool in_doubt = false;
  std::uint32_t sends = 0;
};
struct next_seq_entry {
  std::uint64_t seq = 0;
};
struct refund_entry {
  std::string key;
  std::int64_t tokens = 0;
  hour_t hour = 0;
};
struct undead_entry {
  std::uint64_t seq = 0;
};
/// One decoded entry.
using entry = std::variant<usage_entry, seal_entry, ack_entry, dead_entry_value, pending_entry,
                           dead_record_entry, next_seq_entry, refund_entry, undead_entry>;

/// The bytes of a new file's header.
std::string file_header();
/// Wraps a payload (one or more entries) in a frame.
std::string frame(std::string_view payload);

/// Append one entry to `out`; keys are at most 65535 bytes, dimensions 255, reasons 65535.
void encode_usage(std::string& out, std::string_view key, std::int64_t input, std::int64_t output,
                  hour_t first_hour);
void encode_seal(std::string& out, std::string_view key, const seal_plan& plan, std::string_view dimension,
                 const std::vector<std::uint64_t>& seqs);
void encode_ack(std::string& out, std::uint64_t seq);
void encode_dead(std::string& out, std::uint64_t seq, std::string_view reason, bool in_doubt,
                 std::uint32_t sends);
void encode_pending(std::string& out, std::uint64_t seq, const usage_record& r, std::uint32_t sends,
                    bool maybe_delivered);
void encode_dead_record(std::string& out, std::uint64_t seq, const dead_letter& d);
void encode_next_seq(std::string& out, std::uint64_t seq);
void encode_refund(std::string& out, std::string_view key, std::int64_t tokens, hour_t hour);
void encode_undead(std::string& out, std::uint64_t seq);

/// Decodes the entries of one frame's payload written by `file_version` (1 or 2); throws
/// system_error(errc::journal_corrupt) for malformed or out-of-range values.
std::vector<entry> decode(std::string_view payload, std::uint32_t file_version = version);

/// What a scan of a journal file found.
struct scan_result {
  bool fresh = false;                        ///< empty (or a torn header): start a new file
  std::uint32_t version = journal::version;  ///< the file's format version
  std::vector<std::string_view> frames;      ///< payloads of the good frames, in order
  std::size_t good_end = 0;                  ///< offset after the last good frame
  std::size_t torn_bytes = 0;                ///< bytes after good_end that are a torn tail
};

/// Checks a journal file's bytes. A damaged last frame, a frame cut off by EOF, or zeros after
/// the last good frame are a torn tail (a commit interrupted by a crash, never acknowledged);
/// anything else damaged throws system_error(errc::journal_corrupt) naming the offset.
scan_result scan(std::string_view file);

}  // namespace awsmp::detail::journal
