#include "billing/billing_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log_line.hpp"
#include "core/throw.hpp"

namespace awsmp::detail {

template <class Handler>
struct billing_journal::completion_of final : billing_journal::completion {
  explicit completion_of(Handler&& h) : handler(std::move(h)) {}
  void post(boost::system::error_code ec) override {
    auto ex = asio::get_associated_executor(handler);
    asio::post(ex, asio::append(std::move(handler), ec));
  }
  Handler handler;
};

namespace {

boost::system::error_code last_os_error() {
  return {errno, boost::system::system_category()};
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw boost::system::system_error(last_os_error(), "billing journal: write");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync_data(int fd) {
  while (::fdatasync(fd) != 0)
    if (errno != EINTR) throw boost::system::system_error(last_os_error(), "billing journal: fdatasync");
}

void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw boost::system::system_error(last_os_error(), "billing journal: open directory");
  const int rc = ::fsync(fd);
  const auto ec = last_os_error();
  ::close(fd);
  if (rc != 0) throw boost::system::system_error(ec, "billing journal: fsync directory");
}

std::string read_all(int fd) {
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw boost::system::system_error(last_os_error(), "billing journal: read");
    }
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::shared_ptr<billing_journal> billing_journal::open(asio::any_io_executor ex, std::filesystem::path path) {
  return std::shared_ptr<billing_journal>(new billing_journal(std::move(ex), std::move(path)));
}

billing_journal::billing_journal(asio::any_io_executor ex, std::filesystem::path path)
    : ex_(std::move(ex)), path_(std::move(path)) {
  // Two trackers appending to one journal would interleave commits and double-bill. The lock
  // must sit on the file the path names *now*: another process's compaction may rename a new
  // file over the path between our open() and flock(), leaving us the lock of a dead inode.
  for (int attempt = 0;; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
      throw boost::system::system_error(last_os_error(), "billing journal: open " + path_.string());
    struct stat st {};
    struct stat named {};
    try {
      if (::fstat(fd_, &st) != 0) throw boost::system::system_error(last_os_error(), "billing journal: stat");
      if (!S_ISREG(st.st_mode))
        throw_invalid_argument("token_billing_options.journal", "must be a regular file");
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
        throw boost::system::system_error(last_os_error(),
                                          "billing journal: locked by another process: " + path_.string());
      if (::stat(path_.c_str(), &named) != 0)
        throw boost::system::system_error(last_os_error(), "billing journal: stat " + path_.string());
    } catch (...) {
      ::close(fd_);
      throw;
    }
    if (named.st_ino == st.st_ino && named.st_dev == st.st_dev) break;
    ::close(fd_);
    fd_ = -1;
    if (attempt == 16)
      throw boost::system::system_error(make_error_code(boost::system::errc::resource_unavailable_try_again),
                                        "billing journal: the path keeps being replaced: " + path_.string());
  }
  try {
    replay_data_ = read_all(fd_);
    scan_ = journal::scan(replay_data_);
    if (scan_.fresh) {
      if (::ftruncate(fd_, 0) != 0)
        throw boost::system::system_error(last_os_error(), "billing journal: truncate");
      if (::lseek(fd_, 0, SEEK_SET) < 0)
        throw boost::system::system_error(last_os_error(), "billing journal: seek");
      write_all(fd_, journal::file_header());
      sync_data(fd_);
      sync_directory(path_.parent_path());
      stats_.bytes = journal::header_size;
    } else {
      if (scan_.torn_bytes > 0) {
        detail::log(log_level::warning, "billing journal: cut a torn tail of " +
                                            std::to_string(scan_.torn_bytes) +
                                            " bytes (a commit interrupted by a crash, never acknowledged)");
        if (::ftruncate(fd_, static_cast<off_t>(scan_.good_end)) != 0)
          throw boost::system::system_error(last_os_error(), "billing journal: truncate");
        sync_data(fd_);
      }
      if (::lseek(fd_, static_cast<off_t>(scan_.good_end), SEEK_SET) < 0)
        throw boost::system::system_error(last_os_error(), "billing journal: seek");
      stats_.bytes = scan_.good_end;
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

void billing_journal::drop_replay() {
  scan_.frames.clear();
  scan_.frames.shrink_to_fit();
  std::string().swap(replay_data_);
}

billing_journal::~billing_journal() {
  if (fd_ >= 0) ::close(fd_);
}

void billing_journal::throw_failed() const {
  throw boost::system::system_error(failed_, "billing journal failed earlier; nothing more is recorded");
}

std::uint64_t billing_journal::current_generation() {
  std::lock_guard lock(mutex_);
  if (failed_) throw_failed();
  return open_gen_;
}

journal_stats billing_journal::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void billing_journal::start_committer_locked() {
  if (committing_) return;
  // Between a compaction's cut and its snapshot nothing may be written: the entries after the
  // cut belong in the new file.
  if (compaction_ == compaction_state::cut) return;
  committing_ = true;
  // Posted, not spawned here: co_spawn would start the loop inline, under mutex_ (and a
  // posted start lets the other callers of this moment join the first commit). The loop owns
  // a reference: it may outlive the tracker that started it.
  asio::post(ex_, [self = shared_from_this()] {
    auto loop = self->commit_loop(self);
    asio::co_spawn(self->ex_, std::move(loop), asio::detached);
  });
}

awaitable<void> billing_journal::wait_durable(std::uint64_t gen) {
  {
    std::lock_guard lock(mutex_);
    if (durable_gen_ >= gen) co_return;
    if (failed_) throw_failed();
  }
  auto token = asio::as_tuple(asio::use_awaitable);
  auto [ec] = co_await asio::async_initiate<decltype(token), void(boost::system::error_code)>(
      [this, gen](auto handler) {
        auto c = std::make_unique<completion_of<decltype(handler)>>(std::move(handler));
        std::lock_guard lock(mutex_);
        if (failed_ || durable_gen_ >= gen) {
          c->post(durable_gen_ >= gen ? boost::system::error_code{} : failed_);
          return;
        }
        waiters_.emplace_back(gen, std::move(c));
        start_committer_locked();
      },
      token);
  if (ec) throw boost::system::system_error(ec, "billing journal: commit failed");
}

void billing_journal::wake(std::vector<waiter>& ready, boost::system::error_code ec) {
  for (auto& [gen, handler] : ready) {
    (void)gen;
    handler->post(ec);
  }
  ready.clear();
}

void billing_journal::complete_locked(std::uint64_t durable, boost::system::error_code ec,
                                      std::vector<waiter>& ready) {
  if (!ec) durable_gen_ = std::max(durable_gen_, durable);
  auto split = std::partition(waiters_.begin(), waiters_.end(),
                              [&](const waiter& w) { return !(ec || w.first <= durable_gen_); });
  std::move(split, waiters_.end(), std::back_inserter(ready));
  waiters_.erase(split, waiters_.end());
}

void billing_journal::write_commit(std::string_view payload) {
  const auto start = std::chrono::steady_clock::now();
  const std::string f = journal::frame(payload);
  write_all(fd_, f);
  sync_data(fd_);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard lock(mutex_);
  stats_.bytes += f.size();
  ++stats_.commits;
  stats_.max_commit_micros =
      std::max<std::uint64_t>(stats_.max_commit_micros, static_cast<std::uint64_t>(micros));
}

awaitable<void> billing_journal::commit_loop(std::shared_ptr<billing_journal> self) {
  (void)self;
  for (;;) {
    std::string batch;
    std::uint64_t gen = 0;
    bool compact_now = false;
    {
      std::lock_guard lock(mutex_);
      if (compaction_ == compaction_state::ready) {
        compact_now = true;
      } else if (compaction_ == compaction_state::cut || (buffer_.empty() && waiters_.empty())) {
        committing_ = false;
        co_return;
      } else {
        batch.swap(buffer_);
        gen = open_gen_++;
      }
    }
    if (compact_now) {
      run_compaction();
      continue;
    }
    boost::system::error_code ec;
    try {
      if (dir_sync_pending_) {
        sync_directory(path_.parent_path());
        dir_sync_pending_ = false;
      }
      if (!batch.empty()) write_commit(batch);
    } catch (const boost::system::system_error& e) {
      ec = e.code();
      detail::log(log_level::error, std::string("billing journal: commit failed: ") + e.what());
    }
    std::vector<waiter> ready;
    {
      std::lock_guard lock(mutex_);
      if (ec) failed_ = ec;
      complete_locked(gen, failed_, ready);
    }
    wake(ready, ec);
    if (ec) {
      std::lock_guard lock(mutex_);
      committing_ = false;
      co_return;
    }
    // Let the callers resumed by this commit append before the next one: bigger groups.
    co_await asio::post(ex_, asio::use_awaitable);
  }
}

void billing_journal::replace_file(std::string_view snapshot) {
  const std::filesystem::path temp = path_.string() + ".compact";
  int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  try {
    if (fd < 0) throw boost::system::system_error(last_os_error(), "billing journal: open " + temp.string());
    // Locked before it takes the path's name, so that no second process ever sees it unlocked.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
      throw boost::system::system_error(last_os_error(), "billing journal: lock");
    std::string data = journal::file_header();
    if (!snapshot.empty()) data += journal::frame(snapshot);
    write_all(fd, data);
    sync_data(fd);
    if (::rename(temp.c_str(), path_.c_str()) != 0)
      throw boost::system::system_error(last_os_error(), "billing journal: rename");
    std::lock_guard lock(mutex_);
    stats_.bytes = data.size();
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  const int old = fd_;
  fd_ = fd;
  ::close(old);
  try {
    sync_directory(path_.parent_path());
  } catch (const boost::system::system_error& e) {
    // Both files are complete (the cut entries went to the old one first): whichever a crash
    // leaves under the path replays to the same state. Later commits retry the sync first.
    dir_sync_pending_ = true;
    detail::log(log_level::error, std::string("billing journal: after compaction: ") + e.what() +
                                      " (retried before the next commit)");
  }
}

void billing_journal::rewrite_now(std::string_view snapshot) {
  replace_file(snapshot);
  if (dir_sync_pending_) {
    sync_directory(path_.parent_path());
    dir_sync_pending_ = false;
  }
}

void billing_journal::run_compaction() {
  std::string cut_entries;
  std::string snapshot;
  std::uint64_t cut_gen = 0;
  {
    std::lock_guard lock(mutex_);
    cut_entries.swap(cut_buffer_);
    snapshot.swap(snapshot_);
    cut_gen = cut_gen_;
    compaction_ = compaction_state::none;
  }
  boost::system::error_code ec;
  // First the old file gets everything up to the cut, as an ordinary commit: then a failure
  // at any later step leaves a complete file, and nothing is ever written twice.
  try {
    if (dir_sync_pending_) {
      sync_directory(path_.parent_path());
      dir_sync_pending_ = false;
    }
    if (!cut_entries.empty()) write_commit(cut_entries);
  } catch (const boost::system::system_error& e) {
    ec = e.code();
    detail::log(log_level::error, std::string("billing journal: commit failed: ") + e.what());
  }
  if (!ec) {
    try {
      replace_file(snapshot);
      std::lock_guard lock(mutex_);
      ++stats_.compactions;
      detail::log(log_level::info,
                  "billing journal: compacted to " + std::to_string(stats_.bytes) + " bytes");
    } catch (const boost::system::system_error& e) {
      detail::log(log_level::error,
                  std::string("billing journal: compaction failed, keeping the old file: ") + e.what());
    }
  }
  std::vector<waiter> ready;
  {
    std::lock_guard lock(mutex_);
    if (ec) failed_ = ec;
    complete_locked(cut_gen, failed_, ready);
  }
  wake(ready, ec);
}

void billing_journal::cut() {
  std::lock_guard lock(mutex_);
  if (failed_) throw_failed();
  cut_buffer_.swap(buffer_);
  buffer_.clear();
  cut_gen_ = open_gen_++;
  compaction_ = compaction_state::cut;
}

awaitable<void> billing_journal::compact(std::string snapshot) {
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    compaction_ = compaction_state::ready;
    ticket = cut_gen_;
  }
  co_await wait_durable(ticket);
  std::lock_guard lock(mutex_);
  if (failed_) throw_failed();
}

}  // namespace awsmp::detail
