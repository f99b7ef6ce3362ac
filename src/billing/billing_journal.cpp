#include "billing/billing_journal.hpp"
#include "core/throw.hpp"
#include "core/log_line.hpp"

#include "core/crc32c.hpp"

#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/validation.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace awsmp::detail::journal {
namespace {

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
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
void put_i64(std::string& out, std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }
void put_str8(std::string& out, std::string_view s) {
  put_u8(out, static_cast<std::uint8_t>(s.size()));
  out.append(s);
}
void put_str16(std::string& out, std::string_view s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(n));
  out.append(s.substr(0, n));
}

std::uint32_t get_u32_at(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

[[noreturn]] void corrupt(std::string_view what) { throw_error(errc::journal_corrupt, what); }

class reader {
public:
  explicit reader(std::string_view s) : s_(s) {}
  bool done() const noexcept { return at_ == s_.size(); }
  std::uint64_t uint(int bytes) {
    need(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s_[at_ + static_cast<std::size_t>(i)]);
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

private:
  void need(std::size_t n) const {
    if (s_.size() - at_ < n) corrupt("billing journal: an entry ends inside its frame (checksummed but malformed)");
  }
  std::string_view s_;
  std::size_t at_ = 0;
};

void put_record(std::string& out, const usage_record& r) {
  put_str8(out, r.customer_identifier);
  put_str8(out, r.customer_aws_account_id);
  put_str16(out, r.license_arn);
  put_str8(out, r.dimension);
  put_i64(out, r.quantity);
  put_i64(out, minute_of(r.timestamp));
}

// A minute read from the file: never_sealed, or one whose time_point does not overflow (a
// checksummed but hostile or buggy frame must be refused, not turned into undefined behaviour).
// `never_sealed` is accepted only where the format allows it (an account's last sealed minute);
// a record's minute must be a real one.
minute_t get_minute(reader& in, bool allow_never_sealed = false) {
  const std::int64_t m = in.i64();
  constexpr std::int64_t limit =
      std::chrono::duration_cast<std::chrono::minutes>(time_point::duration::max()).count();
  if (allow_never_sealed && m == never_sealed) return m;
  if (m > limit || m < -limit) corrupt("billing journal: a timestamp is out of range");
  return m;
}

usage_record get_record(reader& in) {
  usage_record r;
  r.customer_identifier = std::string(in.str8());
  r.customer_aws_account_id = std::string(in.str8());
  r.license_arn = std::string(in.str16());
  r.dimension = std::string(in.str8());
  const std::int64_t q = in.i64();
  if (q < 0 || q > awsmp::max_quantity) corrupt("billing journal: a record's quantity is out of range");
  r.quantity = static_cast<std::int32_t>(q);
  r.timestamp = minute_start(get_minute(in));
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

void encode_usage(std::string& out, std::string_view id, std::int64_t input, std::int64_t output) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::usage));
  put_str8(out, id);
  put_i64(out, input);
  put_i64(out, output);
}

void encode_seal(std::string& out, std::string_view id, const seal_plan& plan, std::string_view dimension,
                 const std::vector<std::uint64_t>& seqs) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::seal));
  put_str8(out, id);
  put_i64(out, plan.consumed_input);
  put_i64(out, plan.consumed_output);
  put_i64(out, plan.carried_delta);
  put_i64(out, plan.last_sealed);
  put_str8(out, dimension);
  put_u16(out, static_cast<std::uint16_t>(plan.parts.size()));
  for (std::size_t i = 0; i < plan.parts.size(); ++i) {
    put_u64(out, seqs.at(i));
    put_i64(out, plan.parts[i].minute);
    put_i64(out, plan.parts[i].quantity);
  }
}

void encode_ack(std::string& out, std::uint64_t seq) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::ack));
  put_u64(out, seq);
}

void encode_dead(std::string& out, std::uint64_t seq, std::string_view reason) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::dead));
  put_u64(out, seq);
  put_str16(out, reason);
}

void encode_pending(std::string& out, std::uint64_t seq, const usage_record& r) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::pending));
  put_u64(out, seq);
  put_record(out, r);
}

void encode_dead_record(std::string& out, const usage_record& r, std::string_view reason) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::dead_record));
  put_record(out, r);
  put_str16(out, reason);
}

void encode_next_seq(std::string& out, std::uint64_t seq) {
  put_u8(out, static_cast<std::uint8_t>(entry_type::next_seq));
  put_u64(out, seq);
}

void decode(std::string_view payload, visitor& v) {
  reader in(payload);
  while (!in.done()) {
    switch (static_cast<entry_type>(in.uint(1))) {
      case entry_type::usage: {
        auto id = in.str8();
        auto input = in.i64();
        auto output = in.i64();
        if (input < 0 || output < 0) corrupt("billing journal: a usage entry has a negative token count");
        v.on_usage(id, input, output);
        break;
      }
      case entry_type::seal: {
        auto id = in.str8();
        seal_plan plan;
        // Negative consumption is legitimate: a compacted file rebuilds each account as a seal
        // that "consumes" -input. Overflow is checked where the replay applies it.
        plan.consumed_input = in.i64();
        plan.consumed_output = in.i64();
        plan.carried_delta = in.i64();
        plan.last_sealed = get_minute(in, true);
        auto dimension = in.str8();
        const auto n = in.uint(2);
        std::vector<std::uint64_t> seqs;
        for (std::uint64_t i = 0; i < n; ++i) {
          seqs.push_back(in.uint(8));
          sealed_part part;
          part.minute = get_minute(in);
          const auto q = in.i64();
          if (q < 0 || q > awsmp::max_quantity) corrupt("billing journal: a sealed quantity is out of range");
          part.quantity = static_cast<std::int32_t>(q);
          plan.parts.push_back(part);
        }
        v.on_seal(id, plan, dimension, seqs);
        break;
      }
      case entry_type::ack: v.on_ack(in.uint(8)); break;
      case entry_type::dead: {
        auto seq = in.uint(8);
        v.on_dead(seq, in.str16());
        break;
      }
      case entry_type::pending: {
        auto seq = in.uint(8);
        v.on_pending(seq, get_record(in));
        break;
      }
      case entry_type::dead_record: {
        auto r = get_record(in);
        v.on_dead_record(std::move(r), in.str16());
        break;
      }
      case entry_type::next_seq: v.on_next_seq(in.uint(8)); break;
      default: corrupt("billing journal: unknown entry type (checksummed but not an awsmp entry)");
    }
  }
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
  if (file.substr(0, magic.size()) != magic) corrupt("billing journal: not an awsmp billing journal (bad magic)");
  if (file.substr(0, header_size) != header) corrupt("billing journal: unsupported version or damaged file header");
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

boost::system::error_code last_os_error() { return {errno, boost::system::system_category()}; }

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
  struct stat st{};
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

billing_journal::billing_journal(asio::any_io_executor ex, std::filesystem::path path,
                                 const std::function<void(std::string_view)>& on_frame)
    : ex_(std::move(ex)), path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw boost::system::system_error(last_os_error(), "billing journal: open " + path_.string());
  try {
    // Two trackers appending to one journal would interleave commits and double-bill.
    struct stat st{};
    if (::fstat(fd_, &st) != 0) throw boost::system::system_error(last_os_error(), "billing journal: stat");
    if (!S_ISREG(st.st_mode)) throw_invalid_argument("token_billing_options.journal", "must be a regular file");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw boost::system::system_error(last_os_error(), "billing journal: locked by another process: " + path_.string());
    const std::string data = read_all(fd_);
    const journal::scan_result scan = journal::scan(data);
    for (auto payload : scan.frames) on_frame(payload);
    if (scan.fresh) {
      if (::ftruncate(fd_, 0) != 0) throw boost::system::system_error(last_os_error(), "billing journal: truncate");
      if (::lseek(fd_, 0, SEEK_SET) < 0) throw boost::system::system_error(last_os_error(), "billing journal: seek");
      write_all(fd_, journal::file_header());
      sync_data(fd_);
      sync_directory(path_.parent_path());
      stats_.bytes = journal::header_size;
    } else {
      if (scan.torn_bytes > 0) {
        detail::log(log_level::warning, "billing journal: cut a torn tail of " + std::to_string(scan.torn_bytes) +
                                            " bytes (a commit interrupted by a crash, never acknowledged)");
        if (::ftruncate(fd_, static_cast<off_t>(scan.good_end)) != 0)
          throw boost::system::system_error(last_os_error(), "billing journal: truncate");
        sync_data(fd_);
      }
      if (::lseek(fd_, static_cast<off_t>(scan.good_end), SEEK_SET) < 0)
        throw boost::system::system_error(last_os_error(), "billing journal: seek");
      stats_.bytes = scan.good_end;
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
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
  committing_ = true;
  // Posted, not spawned here: co_spawn would start the loop inline, under mutex_ (and a
  // posted start lets the other callers of this moment join the first commit).
  asio::post(ex_, [this] { asio::co_spawn(ex_, commit_loop(), asio::detached); });
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

void billing_journal::complete_locked(std::uint64_t durable, boost::system::error_code ec, std::vector<waiter>& ready) {
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
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard lock(mutex_);
  stats_.bytes += f.size();
  ++stats_.commits;
  stats_.max_commit_micros = std::max<std::uint64_t>(stats_.max_commit_micros, static_cast<std::uint64_t>(micros));
}

awaitable<void> billing_journal::commit_loop() {
  for (;;) {
    std::string batch;
    std::uint64_t gen = 0;
    std::unique_ptr<compaction_request> request;
    {
      std::lock_guard lock(mutex_);
      if (compaction_) {
        request = std::move(compaction_);
      } else if (buffer_.empty() && waiters_.empty()) {
        committing_ = false;
        co_return;
      } else {
        batch.swap(buffer_);
        gen = open_gen_++;
      }
    }
    if (request) {
      run_compaction(*request);
      continue;
    }
    boost::system::error_code ec;
    if (!batch.empty()) {
      try {
        write_commit(batch);
      } catch (const boost::system::system_error& e) {
        ec = e.code();
        detail::log(log_level::error, std::string("billing journal: commit failed: ") + e.what());
      }
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

void billing_journal::run_compaction(compaction_request& req) {
  std::string snapshot;
  std::string cut_buffer;
  std::uint64_t cut_gen = 0;
  req.build(snapshot, [&] {
    std::lock_guard lock(mutex_);
    cut_buffer.swap(buffer_);
    cut_gen = open_gen_++;
  });
  const std::filesystem::path temp = path_.string() + ".compact";
  boost::system::error_code ec;
  int fd = -1;
  try {
    fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw boost::system::system_error(last_os_error(), "billing journal: open " + temp.string());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) throw boost::system::system_error(last_os_error(), "billing journal: lock");
    std::string data = journal::file_header();
    data += journal::frame(snapshot);
    write_all(fd, data);
    sync_data(fd);
    if (::rename(temp.c_str(), path_.c_str()) != 0)
      throw boost::system::system_error(last_os_error(), "billing journal: rename");
    const int old = fd_;
    fd_ = fd;
    fd = -1;
    ::close(old);
    sync_directory(path_.parent_path());
    std::vector<waiter> ready;
    {
      std::lock_guard lock(mutex_);
      stats_.bytes = data.size();
      ++stats_.compactions;
      complete_locked(cut_gen, {}, ready);
    }
    wake(ready, {});
    detail::log(log_level::info, "billing journal: compacted to " + std::to_string(data.size()) + " bytes");
    return;
  } catch (const boost::system::system_error& e) {
    ec = e.code();
    detail::log(log_level::error, std::string("billing journal: compaction failed, keeping the old file: ") + e.what());
  }
  if (fd >= 0) ::close(fd);
  ::unlink(temp.c_str());
  // The cut entries were never written: they go into the old file as an ordinary commit.
  std::vector<waiter> ready;
  boost::system::error_code wec;
  try {
    if (!cut_buffer.empty()) write_commit(cut_buffer);
  } catch (const boost::system::system_error& e) {
    wec = e.code();
  }
  {
    std::lock_guard lock(mutex_);
    if (wec) failed_ = wec;
    complete_locked(cut_gen, failed_, ready);
  }
  wake(ready, wec);
}

awaitable<void> billing_journal::compact(
    std::function<void(std::string& snapshot, const std::function<void()>& cut)> build) {
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    if (failed_) throw_failed();
    compaction_ = std::make_unique<compaction_request>(compaction_request{std::move(build)});
    ticket = open_gen_;
  }
  co_await wait_durable(ticket);
  std::lock_guard lock(mutex_);
  if (failed_) throw_failed();
}

}  // namespace awsmp::detail
