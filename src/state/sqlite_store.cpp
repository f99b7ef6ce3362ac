#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/sqlite_store.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/system_error.hpp>
#include <cstdio>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <string_view>

#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "state/store_support.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

// The first 16 bytes of every SQLite 3 database file.
constexpr std::string_view sqlite_magic{"SQLite format 3\0", 16};

struct db_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// Leaves a cached statement ready for its next use whatever happens during this one.
class statement_use {
 public:
  explicit statement_use(const stmt_ptr& s) noexcept : s_(s.get()) {}
  ~statement_use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  statement_use(const statement_use&) = delete;
  statement_use& operator=(const statement_use&) = delete;
  sqlite3_stmt* get() const noexcept { return s_; }

 private:
  sqlite3_stmt* s_;
};

// Times are stored as integer nanoseconds since the Unix epoch, whatever the platform's
// system_clock resolution; the extremes saturate so that time_point::max() ("never
// expires") survives a round trip.
std::int64_t to_stored(time_point tp) {
  using ns = std::chrono::nanoseconds;
  const auto d = tp.time_since_epoch();
  if (d >= std::chrono::duration_cast<time_point::duration>(ns::max()))
    return std::numeric_limits<std::int64_t>::max();
  if (d <= std::chrono::duration_cast<time_point::duration>(ns::min()))
    return std::numeric_limits<std::int64_t>::min();
  return std::chrono::duration_cast<ns>(d).count();
}

time_point from_stored(std::int64_t v) {
  if (v == std::numeric_limits<std::int64_t>::max()) return time_point::max();
  if (v == std::numeric_limits<std::int64_t>::min()) return time_point::min();
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::nanoseconds(v)));
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  // SQLITE_STATIC: the caller's string outlives the step; binding errors only come from
  // an out-of-range index or a too-big value, both excluded by validation.
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

// Format 2: rows are keyed by the billed customer's key text (store_key: "legacy:<id>" or
// "account:<account id>/<license arn>") and keep all three ids, so that a legacy lookup can
// find an account-form row by its customer identifier (the *_by_identifier indexes).
constexpr const char* schema_sql = R"sql(
CREATE TABLE entitlements (
  customer_key            TEXT NOT NULL,
  dimension               TEXT NOT NULL,
  customer_identifier     TEXT NOT NULL,
  customer_aws_account_id TEXT NOT NULL,
  license_arn             TEXT NOT NULL,
  product_code            TEXT NOT NULL,
  value                   INTEGER NOT NULL,
  expires_at_ns           INTEGER NOT NULL,
  PRIMARY KEY (customer_key, dimension)
) WITHOUT ROWID;
CREATE INDEX entitlements_by_identifier ON entitlements (customer_identifier, dimension, customer_key);
CREATE TABLE subscriptions (
  customer_key            TEXT NOT NULL PRIMARY KEY,
  customer_identifier     TEXT NOT NULL,
  product_code            TEXT NOT NULL,
  customer_aws_account_id TEXT NOT NULL,
  license_arn             TEXT NOT NULL,
  status                  TEXT NOT NULL,
  subscribed_at_ns        INTEGER NOT NULL,
  unsubscribed_at_ns      INTEGER
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_status ON subscriptions (status, customer_key);
CREATE INDEX subscriptions_by_identifier ON subscriptions (customer_identifier);
)sql";

// Format 1 (awsmp 0.1.0) to 2, inside the caller's write transaction. 0.1.0 keyed both tables
// by customer_identifier and had no ids on entitlements, so every entitlement becomes a legacy
// row; a subscription with an account id and a license ARN becomes an account-form row (its
// subscription::customer()). AWS never gives one license to two customer identifiers, but a
// 0.1.0 file may say so; such rows keep their legacy key and lose the license ARN (which would
// otherwise make two rows claim one key), and the count is logged.
constexpr const char* migrate_v1_rename_sql = R"sql(
ALTER TABLE entitlements RENAME TO entitlements_v1;
ALTER TABLE subscriptions RENAME TO subscriptions_v1;
DROP INDEX IF EXISTS subscriptions_by_status;
)sql";
constexpr const char* migrate_v1_copy_sql = R"sql(
INSERT INTO entitlements (customer_key, dimension, customer_identifier, customer_aws_account_id, license_arn,
                          product_code, value, expires_at_ns)
  SELECT 'legacy:' || customer_identifier, dimension, customer_identifier, '', '', product_code, value, expires_at_ns
  FROM entitlements_v1;
CREATE TEMP TABLE shared_licenses AS
  SELECT customer_aws_account_id, license_arn FROM subscriptions_v1
  WHERE customer_aws_account_id <> '' AND license_arn <> ''
  GROUP BY customer_aws_account_id, license_arn HAVING count(*) > 1;
INSERT INTO subscriptions (customer_key, customer_identifier, product_code, customer_aws_account_id, license_arn,
                           status, subscribed_at_ns, unsubscribed_at_ns)
  SELECT CASE WHEN s.customer_aws_account_id <> '' AND s.license_arn <> '' AND d.license_arn IS NULL
              THEN 'account:' || s.customer_aws_account_id || '/' || s.license_arn
              ELSE 'legacy:' || s.customer_identifier END,
         s.customer_identifier, s.product_code, s.customer_aws_account_id,
         CASE WHEN d.license_arn IS NULL THEN s.license_arn ELSE '' END,
         s.status, s.subscribed_at_ns, s.unsubscribed_at_ns
  FROM subscriptions_v1 s LEFT JOIN shared_licenses d
    ON d.customer_aws_account_id = s.customer_aws_account_id AND d.license_arn = s.license_arn;
)sql";
constexpr const char* migrate_v1_drop_sql = R"sql(
DROP TABLE temp.shared_licenses;
DROP TABLE entitlements_v1;
DROP TABLE subscriptions_v1;
)sql";

// The key range of every account-form row (';' is the character after ':').
#define AWSMP_ACCOUNT_KEYS "customer_key >= 'account:' AND customer_key < 'account;'"

}  // namespace

struct sqlite_store::impl {
  impl(asio::any_io_executor ex, sqlite_store_options opts);

  // ---- the two faces handed to users; each call validates, then runs on the strand.
  class entitlement_face final : public entitlement_store {
   public:
    explicit entitlement_face(impl& self) : self_(self) {}
    using entitlement_store::erase;
    using entitlement_store::get;
    using entitlement_store::list;
    awaitable<void> put(entitlement ent) override {
      detail::validate_entitlement(ent);
      auto op = detail::run_on(self_.strand_, [this, ent = std::move(ent)]() -> awaitable<void> {
        self_.put_entitlement(ent);
        co_return;
      });
      co_await std::move(op);
    }
    awaitable<std::optional<entitlement>> get(billed_customer who, std::string dimension) override {
      detail::check_billed_customer("customer", who);
      detail::check_identifier("dimension", dimension);
      auto op = detail::run_on(self_.strand_,
                               [this, who = std::move(who),
                                dimension = std::move(dimension)]() -> awaitable<std::optional<entitlement>> {
                                 co_return self_.get_entitlement(who, dimension);
                               });
      co_return co_await std::move(op);
    }
    awaitable<std::vector<entitlement>> list(billed_customer who) override {
      detail::check_billed_customer("customer", who);
      auto op = detail::run_on(self_.strand_,
                               [this, who = std::move(who)]() -> awaitable<std::vector<entitlement>> {
                                 co_return self_.list_entitlements(who);
                               });
      co_return co_await std::move(op);
    }
    awaitable<void> erase(billed_customer who, std::string dimension) override {
      detail::check_billed_customer("customer", who);
      detail::check_identifier("dimension", dimension);
      auto op = detail::run_on(
          self_.strand_, [this, who = std::move(who), dimension = std::move(dimension)]() -> awaitable<void> {
            self_.erase_entitlement(who, dimension);
            co_return;
          });
      co_await std::move(op);
    }

   private:
    impl& self_;
  };

  class subscription_face final : public subscription_store {
   public:
    explicit subscription_face(impl& self) : self_(self) {}
    using subscription_store::erase;
    using subscription_store::get;
    awaitable<void> put(subscription sub) override {
      detail::validate_subscription(sub);
      auto op = detail::run_on(self_.strand_, [this, sub = std::move(sub)]() -> awaitable<void> {
        self_.put_subscription(sub);
        co_return;
      });
      co_await std::move(op);
    }
    awaitable<std::optional<subscription>> get(billed_customer who) override {
      detail::check_billed_customer("customer", who);
      auto op = detail::run_on(self_.strand_,
                               [this, who = std::move(who)]() -> awaitable<std::optional<subscription>> {
                                 co_return self_.get_subscription(who);
                               });
      co_return co_await std::move(op);
    }
    awaitable<std::vector<subscription>> list(subscription_status status) override {
      auto op = detail::run_on(self_.strand_, [this, status]() -> awaitable<std::vector<subscription>> {
        co_return self_.list_subscriptions(status);
      });
      co_return co_await std::move(op);
    }
    awaitable<void> erase(billed_customer who) override {
      detail::check_billed_customer("customer", who);
      auto op = detail::run_on(self_.strand_, [this, who = std::move(who)]() -> awaitable<void> {
        self_.erase_subscription(who);
        co_return;
      });
      co_await std::move(op);
    }

   private:
    impl& self_;
  };

  // ---- blocking operations; only ever called on strand_.
  // Lookups bind ?1 = the key text and ?2 = the customer identifier of a legacy lookup (NULL
  // in the account form, which matches nothing), see the statements in the constructor.
  static void bind_who(sqlite3_stmt* s, const std::string& key, const billed_customer& who) {
    bind_text(s, 1, key);
    if (who.is_account())
      sqlite3_bind_null(s, 2);
    else
      bind_text(s, 2, who.customer_identifier);
  }

  void put_entitlement(const entitlement& e) {
    statement_use u(put_entitlement_);
    const std::string key = detail::store_key(e.customer());
    bind_text(u.get(), 1, key);
    bind_text(u.get(), 2, e.dimension);
    bind_text(u.get(), 3, e.customer_identifier);
    bind_text(u.get(), 4, e.customer_aws_account_id);
    bind_text(u.get(), 5, e.license_arn);
    bind_text(u.get(), 6, e.product_code);
    sqlite3_bind_int64(u.get(), 7, e.value);
    sqlite3_bind_int64(u.get(), 8, to_stored(e.expires_at));
    step_done(u.get(), "put entitlement");
  }

  std::optional<entitlement> get_entitlement(const billed_customer& who, const std::string& dimension) {
    statement_use u(get_entitlement_);
    const std::string key = detail::store_key(who);
    bind_who(u.get(), key, who);
    bind_text(u.get(), 3, dimension);
    std::optional<entitlement> out;
    if (step_row(u.get(), "get entitlement")) out = read_entitlement(u.get());
    return out;
  }

  std::vector<entitlement> list_entitlements(const billed_customer& who) {
    statement_use u(list_entitlements_);
    const std::string key = detail::store_key(who);
    bind_who(u.get(), key, who);
    std::vector<entitlement> out;
    while (step_row(u.get(), "list entitlements")) out.push_back(read_entitlement(u.get()));
    return out;
  }

  void erase_entitlement(const billed_customer& who, const std::string& dimension) {
    statement_use u(erase_entitlement_);
    const std::string key = detail::store_key(who);
    bind_who(u.get(), key, who);
    bind_text(u.get(), 3, dimension);
    step_done(u.get(), "erase entitlement");
  }

  void put_subscription(const subscription& s) {
    statement_use u(put_subscription_);
    const std::string key = detail::store_key(s.customer());
    bind_text(u.get(), 1, key);
    bind_text(u.get(), 2, s.customer_identifier);
    bind_text(u.get(), 3, s.product_code);
    bind_text(u.get(), 4, s.customer_aws_account_id);
    bind_text(u.get(), 5, s.license_arn);
    bind_text(u.get(), 6, to_string(s.status));
    sqlite3_bind_int64(u.get(), 7, to_stored(s.subscribed_at));
    if (s.unsubscribed_at)
      sqlite3_bind_int64(u.get(), 8, to_stored(*s.unsubscribed_at));
    else
      sqlite3_bind_null(u.get(), 8);
    step_done(u.get(), "put subscription");
  }

  std::optional<subscription> get_subscription(const billed_customer& who) {
    statement_use u(get_subscription_);
    const std::string key = detail::store_key(who);
    bind_who(u.get(), key, who);
    std::optional<subscription> out;
    if (step_row(u.get(), "get subscription")) out = read_subscription(u.get());
    return out;
  }

  std::vector<subscription> list_subscriptions(subscription_status status) {
    statement_use u(list_subscriptions_);
    bind_text(u.get(), 1, to_string(status));
    std::vector<subscription> out;
    while (step_row(u.get(), "list subscriptions")) out.push_back(read_subscription(u.get()));
    return out;
  }

  void erase_subscription(const billed_customer& who) {
    statement_use u(erase_subscription_);
    const std::string key = detail::store_key(who);
    bind_who(u.get(), key, who);
    step_done(u.get(), "erase subscription");
  }

  // ---- helpers
  static entitlement read_entitlement(sqlite3_stmt* s) {
    entitlement e;
    e.dimension = column_text(s, 0);
    e.customer_identifier = column_text(s, 1);
    e.customer_aws_account_id = column_text(s, 2);
    e.license_arn = column_text(s, 3);
    e.product_code = column_text(s, 4);
    e.value = sqlite3_column_int64(s, 5);
    e.expires_at = from_stored(sqlite3_column_int64(s, 6));
    return e;
  }

  subscription read_subscription(sqlite3_stmt* s) const {
    subscription sub;
    sub.customer_identifier = column_text(s, 0);
    sub.product_code = column_text(s, 1);
    sub.customer_aws_account_id = column_text(s, 2);
    sub.license_arn = column_text(s, 3);
    const auto status = column_text(s, 4);
    try {
      sub.status = from_string<subscription_status>(status);
    } catch (const boost::system::system_error&) {
      corrupt("subscription of a customer has an unknown status");
    }
    sub.subscribed_at = from_stored(sqlite3_column_int64(s, 5));
    if (sqlite3_column_type(s, 6) != SQLITE_NULL)
      sub.unsubscribed_at = from_stored(sqlite3_column_int64(s, 6));
    return sub;
  }

  void step_done(sqlite3_stmt* s, std::string_view during) {
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) fail(rc, during);
  }

  bool step_row(sqlite3_stmt* s, std::string_view during) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc, during);
  }

  [[noreturn]] void corrupt(std::string_view why) const {
    detail::throw_error(errc::store_corrupt, "sqlite store " + path_text_ + ": " + std::string(why));
  }

  // Maps an SQLite result to the error documented on sqlite_store; the message names the
  // file and the operation (SQLite's messages never contain bound values, so no data leaks).
  [[noreturn]] void fail(int rc, std::string_view during) const {
    if (rc == SQLITE_NOMEM) throw std::bad_alloc();
    std::string message = "sqlite store " + path_text_ + ": " + std::string(during) + ": ";
    message += db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    boost::system::error_code code;
    switch (rc & 0xff) {
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        code = make_error_code(errc::store_corrupt);
        break;
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        code = make_error_code(boost::system::errc::device_or_resource_busy);
        break;
      case SQLITE_FULL:
        code = make_error_code(boost::system::errc::no_space_on_device);
        break;
      case SQLITE_READONLY:
      case SQLITE_PERM:
      case SQLITE_AUTH:
        code = make_error_code(boost::system::errc::permission_denied);
        break;
      default:
        code = make_error_code(boost::system::errc::io_error);
        break;
    }
    throw boost::system::system_error(code, message);
  }

  void exec(const char* sql, std::string_view during) {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, during);
  }

  stmt_ptr prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    stmt_ptr out(s);
    // Our checks passed yet the statements do not fit the tables: the schema was altered.
    if (rc == SQLITE_ERROR)
      corrupt(std::string("schema does not match this awsmp version: ") + sqlite3_errmsg(db_.get()));
    if (rc != SQLITE_OK) fail(rc, "prepare");
    return out;
  }

  std::int64_t pragma_int(const char* sql) {
    stmt_ptr s = prepare_raw(sql);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return sqlite3_column_int64(s.get(), 0);
    if (rc == SQLITE_DONE) return 0;
    fail(rc, sql);
  }

  stmt_ptr prepare_raw(const char* sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr);
    stmt_ptr out(s);
    if (rc != SQLITE_OK) fail(rc, sql);
    return out;
  }

  void check_header();
  void open_database();
  void check_or_create_schema();
  void migrate_from_v1();
  void create_private_file();
  void warn_if_readable_by_others() const;
  void quick_check();

  sqlite_store_options options_;
  std::string path_text_;
  db_ptr db_;
  asio::strand<asio::any_io_executor> strand_;
  stmt_ptr put_entitlement_, get_entitlement_, list_entitlements_, erase_entitlement_;
  stmt_ptr put_subscription_, get_subscription_, list_subscriptions_, erase_subscription_;
  entitlement_face entitlements_{*this};
  subscription_face subscriptions_{*this};
};

sqlite_store::impl::impl(asio::any_io_executor ex, sqlite_store_options opts)
    : options_(std::move(opts)),
      path_text_(options_.path.string()),
      strand_(asio::make_strand(options_.blocking_executor ? *options_.blocking_executor : ex)) {
  if (options_.path.empty()) detail::throw_invalid_argument("sqlite_store_options.path", "must not be empty");
  if (options_.busy_timeout.count() < 0 || options_.busy_timeout.count() > std::numeric_limits<int>::max())
    detail::throw_invalid_argument("sqlite_store_options.busy_timeout", "must be between 0 and 2^31-1 ms");
  check_header();
  std::error_code ec;
  if (std::filesystem::exists(options_.path, ec))
    warn_if_readable_by_others();
  else
    create_private_file();
  open_database();
  check_or_create_schema();
  if (options_.quick_check_on_open) quick_check();

  // WAL: readers never block the writer, a commit appends to one file (one fsync with
  // synchronous=FULL), and a torn append is discarded on recovery.
  {
    stmt_ptr s = prepare_raw("PRAGMA journal_mode=WAL");
    const int rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) fail(rc, "PRAGMA journal_mode=WAL");
    if (column_text(s.get(), 0) != "wal")
      corrupt("cannot switch to WAL mode (journal_mode " + column_text(s.get(), 0) + ")");
  }
  exec(options_.synchronous == sqlite_synchronous::full ? "PRAGMA synchronous=FULL"
                                                        : "PRAGMA synchronous=NORMAL",
       "PRAGMA synchronous");

  // A legacy lookup (?2 set) finds the legacy row first, else account-form rows carrying that
  // customer identifier; in the account form ?2 is NULL and only the key matches.
  constexpr const char* ent_columns =
      "SELECT dimension, customer_identifier, customer_aws_account_id, license_arn, product_code, value, "
      "expires_at_ns FROM entitlements ";
  constexpr const char* ent_who =
      "(customer_key = ?1 OR (customer_identifier = ?2 AND " AWSMP_ACCOUNT_KEYS "))";
  put_entitlement_ = prepare(
      "INSERT OR REPLACE INTO entitlements (customer_key, dimension, customer_identifier, "
      "customer_aws_account_id, "
      "license_arn, product_code, value, expires_at_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  get_entitlement_ = prepare((std::string(ent_columns) + "WHERE dimension = ?3 AND " + ent_who +
                              " ORDER BY customer_key = ?1 DESC, customer_key LIMIT 1")
                                 .c_str());
  list_entitlements_ = prepare((std::string(ent_columns) + "WHERE " + ent_who +
                                " ORDER BY customer_key = ?1 DESC, dimension, customer_key")
                                   .c_str());
  erase_entitlement_ =
      prepare((std::string("DELETE FROM entitlements WHERE dimension = ?3 AND ") + ent_who).c_str());
  put_subscription_ = prepare(
      "INSERT OR REPLACE INTO subscriptions (customer_key, customer_identifier, product_code, "
      "customer_aws_account_id, license_arn, status, subscribed_at_ns, unsubscribed_at_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  constexpr const char* sub_columns =
      "SELECT customer_identifier, product_code, customer_aws_account_id, license_arn, status, "
      "subscribed_at_ns, "
      "unsubscribed_at_ns FROM subscriptions ";
  constexpr const char* sub_who =
      "(customer_key = ?1 OR (customer_identifier = ?2 AND " AWSMP_ACCOUNT_KEYS "))";
  get_subscription_ =
      prepare((std::string(sub_columns) + "WHERE " + sub_who +
               " ORDER BY customer_key = ?1 DESC, status = 'active' DESC, subscribed_at_ns DESC, "
               "customer_key LIMIT 1")
                  .c_str());
  list_subscriptions_ =
      prepare((std::string(sub_columns) + "WHERE status = ?1 ORDER BY customer_key").c_str());
  erase_subscription_ = prepare((std::string("DELETE FROM subscriptions WHERE ") + sub_who).c_str());
}

void sqlite_store::impl::check_header() {
  // SQLite itself would only say "file is not a database" on the first query; checking the
  // magic first gives a clear error and guarantees we never write into someone's file.
  std::error_code ec;
  const auto size = std::filesystem::file_size(options_.path, ec);
  if (ec || size == 0) return;  // missing or empty: a new store
  std::ifstream in(options_.path, std::ios::binary);
  std::array<char, 16> head{};
  if (!in.read(head.data(), head.size()) || std::string_view(head.data(), head.size()) != sqlite_magic)
    corrupt("not an SQLite database, so not an awsmp store; refusing to touch it");
}

void sqlite_store::impl::create_private_file() {
  // SQLite would create the file with 0644 & ~umask, and its -wal and -shm take the mode of the
  // database file; creating it 0600 first keeps all three private, like the billing journal.
  const int fd = ::open(path_text_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  // EEXIST: another process created it meanwhile, which is fine. Anything else (a missing
  // directory, no permission) is reported by sqlite3_open_v2 with its own code.
}

void sqlite_store::impl::warn_if_readable_by_others() const {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path_text_ + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) continue;
    if ((st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      detail::log(log_level::warning, "sqlite store " + file +
                                          " is readable or writable by group or others (mode " + mode +
                                          "); it names your customers: chmod 600 it");
    }
  }
}

void sqlite_store::impl::open_database() {
  sqlite3* raw = nullptr;
  // NOMUTEX: every call is serialised on strand_, so SQLite's own connection mutex is redundant.
  const int rc = sqlite3_open_v2(path_text_.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) fail(rc, "open");
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(options_.busy_timeout.count()));
}

void sqlite_store::impl::check_or_create_schema() {
  const auto app_id = pragma_int("PRAGMA application_id");
  const auto version = pragma_int("PRAGMA user_version");
  const auto objects = pragma_int("SELECT count(*) FROM sqlite_schema");
  if (app_id == 0 && version == 0 && objects == 0) {
    // A new (or empty) file. IMMEDIATE takes the write lock first, so two processes
    // creating the same store at once cannot both create the tables.
    exec("BEGIN IMMEDIATE", "create schema");
    try {
      if (pragma_int("SELECT count(*) FROM sqlite_schema") == 0) {
        exec(schema_sql, "create schema");
        exec(("PRAGMA application_id=" + std::to_string(sqlite_store::application_id)).c_str(),
             "create schema");
        exec(("PRAGMA user_version=" + std::to_string(sqlite_store::format_version)).c_str(),
             "create schema");
      }
      exec("COMMIT", "create schema");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    detail::log(log_level::info, "sqlite store " + path_text_ + ": created");
    return;
  }
  if (app_id != sqlite_store::application_id) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08llx", static_cast<unsigned long long>(app_id) & 0xffffffffULL);
    corrupt(std::string("an SQLite database of another application (application_id ") + hex +
            "), not an awsmp store; refusing to touch it");
  }
  if (version > sqlite_store::format_version)
    corrupt("store format " + std::to_string(version) + " is newer than this awsmp reads (" +
            std::to_string(sqlite_store::format_version) + ")");
  if (version < 1) corrupt("awsmp store without a format version");
  if (version == 1) migrate_from_v1();
}

void sqlite_store::impl::migrate_from_v1() {
  // IMMEDIATE takes the write lock first; the version is read again under it, so that of two
  // processes opening a 0.1.0 file at once only one migrates and the other sees format 2.
  exec("BEGIN IMMEDIATE", "migrate format 1");
  std::int64_t shared = 0;
  try {
    if (pragma_int("PRAGMA user_version") != 1) {
      exec("COMMIT", "migrate format 1");
      return;
    }
    exec(migrate_v1_rename_sql, "migrate format 1");
    exec(schema_sql, "migrate format 1");
    exec(migrate_v1_copy_sql, "migrate format 1");
    shared = pragma_int(
        "SELECT count(*) FROM subscriptions WHERE license_arn = '' AND customer_key LIKE 'legacy:%' "
        "AND customer_identifier IN (SELECT customer_identifier FROM subscriptions_v1 "
        "WHERE customer_aws_account_id <> '' AND license_arn <> '')");
    exec(migrate_v1_drop_sql, "migrate format 1");
    exec(("PRAGMA user_version=" + std::to_string(sqlite_store::format_version)).c_str(), "migrate format 1");
    exec("COMMIT", "migrate format 1");
  } catch (...) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  detail::log(log_level::info, "sqlite store " + path_text_ + ": migrated from format 1 (awsmp 0.1.0) to " +
                                   std::to_string(sqlite_store::format_version));
  if (shared > 0)
    detail::log(log_level::warning,
                "sqlite store " + path_text_ + ": " + std::to_string(shared) +
                    " subscriptions of format 1 shared a license with another customer; they "
                    "keep their customer identifier as key and lost the license ARN");
}

void sqlite_store::impl::quick_check() {
  stmt_ptr s = prepare_raw("PRAGMA quick_check(1)");
  const int rc = sqlite3_step(s.get());
  if (rc != SQLITE_ROW) fail(rc, "PRAGMA quick_check");
  const auto verdict = column_text(s.get(), 0);
  if (verdict != "ok") corrupt("damaged (quick_check: " + verdict.substr(0, 200) + ")");
}

sqlite_store::sqlite_store(asio::any_io_executor ex, sqlite_store_options options)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(options))) {}

sqlite_store::~sqlite_store() = default;

entitlement_store& sqlite_store::entitlements() noexcept {
  return impl_->entitlements_;
}
subscription_store& sqlite_store::subscriptions() noexcept {
  return impl_->subscriptions_;
}
const std::filesystem::path& sqlite_store::path() const noexcept {
  return impl_->options_.path;
}

}  // namespace awsmp
