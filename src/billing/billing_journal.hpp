// The billing journal: an append-only file of checksummed frames, one frame per group commit,
// each frame a sequence of entries. Torn tails are cut off, anything else damaged is
// errc::journal_corrupt. The codec and the scanner are pure; billing_journal does the file I/O.
#pragma once

#include "billing/usage_ledger.hpp"

#include <awsmp/common.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awsmp::detail::journal {

/// File header: magic "AWSMPBJ\x01", version (u32 LE), CRC-32C of the first 12 bytes (u32 LE).
inline constexpr std::string_view magic{"AWSMPBJ\x01", 8};
inline constexpr std::uint32_t version = 1;
inline constexpr std::size_t header_size = 16;
/// Frame header: payload length, CRC-32C of the length bytes, CRC-32C of the payload (u32 LE each).
inline constexpr std::size_t frame_header_size = 12;

/// Entry types (first byte of each entry).
enum class entry_type : std::uint8_t {
  usage = 1,        ///< id, input, output: record_usage
  seal = 2,         ///< id, seal deltas, dimension, records (seq, minute, quantity)
  ack = 3,          ///< seq: AWS answered Success
  dead = 4,         ///< seq, reason: moved to the dead letters
  pending = 5,      ///< seq, full record: a pending record (compacted files)
  dead_record = 6,  ///< full record, reason: a dead letter (compacted files)
  next_seq = 7,     ///< the next sequence number (compacted files)
};

/// The bytes of a new file's header.
std::string file_header();
/// Wraps a payload (one or more entries) in a frame.
std::string frame(std::string_view payload);

/// Appends one entry to `out`; ids and dimensions are at most 255 bytes, reasons 65535.
void encode_usage(std::string& out, std::string_view id, std::int64_t input, std::int64_t output);
void encode_seal(std::string& out, std::string_view id, const seal_plan& plan, std::string_view dimension,
                 const std::vector<std::uint64_t>& seqs);
void encode_ack(std::string& out, std::uint64_t seq);
void encode_dead(std::string& out, std::uint64_t seq, std::string_view reason);
void encode_pending(std::string& out, std::uint64_t seq, const usage_record& r);
void encode_dead_record(std::string& out, const usage_record& r, std::string_view reason);
void encode_next_seq(std::string& out, std::uint64_t seq);

/// Receives decoded entries in file order.
class visitor {
public:
  virtual ~visitor() = default;
  virtual void on_usage(std::string_view id, std::int64_t input, std::int64_t output) = 0;
  virtual void on_seal(std::string_view id, const seal_plan& plan, std::string_view dimension,
                       const std::vector<std::uint64_t>& seqs) = 0;
  virtual void on_ack(std::uint64_t seq) = 0;
  virtual void on_dead(std::uint64_t seq, std::string_view reason) = 0;
  virtual void on_pending(std::uint64_t seq, usage_record r) = 0;
  virtual void on_dead_record(usage_record r, std::string_view reason) = 0;
  virtual void on_next_seq(std::uint64_t seq) = 0;
};

/// Decodes the entries of one frame's payload; throws system_error(errc::journal_corrupt).
void decode(std::string_view payload, visitor& v);

/// What a scan of a journal file found.
struct scan_result {
  bool fresh = false;                    ///< empty (or a torn header): start a new file
  std::vector<std::string_view> frames;  ///< payloads of the good frames, in order
  std::size_t good_end = 0;              ///< offset after the last good frame
  std::size_t torn_bytes = 0;            ///< bytes after good_end that are a torn tail
};

/// Checks a journal file's bytes. A damaged last frame, a frame cut off by EOF, or zeros after
/// the last good frame are a torn tail (a commit interrupted by a crash, never acknowledged);
/// anything else damaged throws system_error(errc::journal_corrupt) naming the offset.
scan_result scan(std::string_view file);

}  // namespace awsmp::detail::journal

namespace awsmp::detail {

/// Counters of a journal.
struct journal_stats {
  std::uint64_t bytes = 0;
  std::uint64_t commits = 0;
  std::uint64_t compactions = 0;
  std::uint64_t max_commit_micros = 0;  ///< longest write + fdatasync (blocks one executor thread)
};

/// The open journal file with group commit. append() is thread-safe and cheap (a buffer);
/// wait_durable() suspends until a commit (one write + fdatasync, run on the executor by one
/// committer coroutine at a time) has made that generation durable.
class billing_journal {
public:
  /// Opens or creates the file (exclusively locked), hands every good frame's payload to
  /// on_frame, cuts a torn tail off. Throws system_error(errc::journal_corrupt) or the OS error.
  billing_journal(asio::any_io_executor ex, std::filesystem::path path,
                  const std::function<void(std::string_view payload)>& on_frame);
  ~billing_journal();
  billing_journal(const billing_journal&) = delete;
  billing_journal& operator=(const billing_journal&) = delete;

  /// Appends entries written by encode(buffer) to the next commit and returns its generation.
  /// Throws the journal's failure (after a failed write nothing more is accepted).
  template <class Encode>
  std::uint64_t append(Encode&& encode) {
    std::lock_guard lock(mutex_);
    if (failed_) throw_failed();
    encode(buffer_);
    return open_gen_;
  }
  /// The generation that will hold what is appended next (to wait for everything so far).
  std::uint64_t current_generation();

  /// Completes once generation `gen` is durable; throws the write or sync error.
  awaitable<void> wait_durable(std::uint64_t gen);

  /// Rewrites the file as a snapshot: build(snapshot, cut) must encode the whole state into
  /// `snapshot` and call cut() at the moment the snapshot is consistent (with every appender
  /// blocked). Temp file, fdatasync, rename, fsync of the directory. On failure the old file is
  /// kept and the error is logged; throws only when the old file cannot be written either.
  awaitable<void> compact(std::function<void(std::string& snapshot, const std::function<void()>& cut)> build);

  journal_stats stats() const;
  const std::filesystem::path& path() const noexcept { return path_; }

private:
  // A suspended caller; type-erased by hand because Boost 1.81's any_completion_handler
  // cannot be posted (its executor lacks blocking.never).
  struct completion {
    virtual ~completion() = default;
    virtual void post(boost::system::error_code ec) = 0;
  };
  template <class Handler>
  struct completion_of;
  using waiter = std::pair<std::uint64_t, std::unique_ptr<completion>>;
  struct compaction_request {
    std::function<void(std::string&, const std::function<void()>&)> build;
  };

  [[noreturn]] void throw_failed() const;
  void start_committer_locked();
  awaitable<void> commit_loop();
  void write_commit(std::string_view payload);  // blocking; throws system_error
  void run_compaction(compaction_request& req);
  void complete_locked(std::uint64_t durable, boost::system::error_code ec,
                       std::vector<waiter>& ready);
  static void wake(std::vector<waiter>& ready, boost::system::error_code ec);

  asio::any_io_executor ex_;
  std::filesystem::path path_;
  int fd_ = -1;

  mutable std::mutex mutex_;
  std::string buffer_;
  std::uint64_t open_gen_ = 1;    // generation of buffer_
  std::uint64_t durable_gen_ = 0;
  bool committing_ = false;
  boost::system::error_code failed_;
  std::vector<waiter> waiters_;
  std::unique_ptr<compaction_request> compaction_;
  journal_stats stats_;
};

}  // namespace awsmp::detail
