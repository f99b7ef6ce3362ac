// The billing journal file: an append-only file of journal_codec frames with group commit,
// locked against a second process. It knows nothing of the tracker: the tracker reads the
// replayed frames, decodes them itself and hands snapshots in for compaction.
#pragma once

#include <awsmp/common.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "billing/journal_codec.hpp"

namespace awsmp::detail {

/// Counters of a journal.
struct journal_stats {
  std::uint64_t bytes = 0;
  std::uint64_t commits = 0;
  std::uint64_t compactions = 0;
  std::uint64_t max_commit_micros = 0;  ///< longest write + fdatasync (blocks one executor thread)
};

/// The open journal file. append() is thread-safe and cheap (a buffer); wait_durable()
/// suspends until a commit (one write + fdatasync, run on the executor by one committer
/// coroutine at a time, which keeps the journal alive) has made that generation durable.
class billing_journal : public std::enable_shared_from_this<billing_journal> {
 public:
  /// Opens or creates the file and locks it exclusively: the lock is taken on what the path
  /// names (re-checked by inode after locking, so a compaction's rename by another process
  /// cannot slip a second writer in). Reads and checks it (see replay()) and cuts a torn tail
  /// off. Throws system_error(errc::journal_corrupt), errc::invalid_argument for a non-regular
  /// file, or the OS error (EWOULDBLOCK when another process holds the journal).
  static std::shared_ptr<billing_journal> open(asio::any_io_executor ex, std::filesystem::path path);
  ~billing_journal();
  billing_journal(const billing_journal&) = delete;
  billing_journal& operator=(const billing_journal&) = delete;

  /// The good frames found at open (views into a copy of the file) and the file's version;
  /// valid until drop_replay().
  const journal::scan_result& replay() const noexcept { return scan_; }
  /// Frees the replay data.
  void drop_replay();

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

  /// Rewrites the file from a snapshot, in two steps. cut() must be called at the instant the
  /// caller's snapshot is consistent (every appender blocked): what was appended before it is
  /// in the snapshot. Appends after it wait for the rewrite. compact(snapshot) then writes the
  /// cut entries to the old file (so that whichever file survives a crash is complete), the
  /// snapshot to a temp file, renames it over the path and syncs the directory. A failure
  /// before the rename keeps the old file; a directory sync failure is retried before the next
  /// commit is acknowledged. Throws only when the journal failed.
  void cut();
  awaitable<void> compact(std::string snapshot);

  /// Rewrites the file from a snapshot now, blocking (the format upgrade at open). Throws the OS error.
  void rewrite_now(std::string_view snapshot);

  journal_stats stats() const;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  billing_journal(asio::any_io_executor ex, std::filesystem::path path);

  // A suspended caller; type-erased by hand because Boost 1.81's any_completion_handler
  // cannot be posted (its executor lacks blocking.never).
  struct completion {
    virtual ~completion() = default;
    virtual void post(boost::system::error_code ec) = 0;
  };
  template <class Handler>
  struct completion_of;
  using waiter = std::pair<std::uint64_t, std::unique_ptr<completion>>;
  enum class compaction_state { none, cut, ready };

  [[noreturn]] void throw_failed() const;
  void start_committer_locked();
  awaitable<void> commit_loop(std::shared_ptr<billing_journal> self);
  void write_commit(std::string_view payload);   // blocking; throws system_error
  void replace_file(std::string_view snapshot);  // blocking; throws system_error before the rename only
  void run_compaction();
  void complete_locked(std::uint64_t durable, boost::system::error_code ec, std::vector<waiter>& ready);
  static void wake(std::vector<waiter>& ready, boost::system::error_code ec);

  asio::any_io_executor ex_;
  std::filesystem::path path_;
  int fd_ = -1;
  std::string replay_data_;
  journal::scan_result scan_;
  bool dir_sync_pending_ = false;  // committer only

  mutable std::mutex mutex_;
  std::string buffer_;
  std::uint64_t open_gen_ = 1;  // generation of buffer_
  std::uint64_t durable_gen_ = 0;
  bool committing_ = false;
  boost::system::error_code failed_;
  std::vector<waiter> waiters_;
  compaction_state compaction_ = compaction_state::none;
  std::string cut_buffer_;
  std::uint64_t cut_gen_ = 0;
  std::string snapshot_;
  journal_stats stats_;
};

}  // namespace awsmp::detail
