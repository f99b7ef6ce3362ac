// What only the durable store must do: survive reopening, refuse damaged or foreign files
// without touching them, and run its blocking calls where it is told to.
#include <sqlite3.h>
#include <sys/stat.h>

#include <awsmp/log.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

#include "state_test_support.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void sql(const fs::path& p, const char* statements) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, statements, nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

// Opening `path` must fail with store_corrupt, name the file, and leave its bytes alone.
void check_refused(const fs::path& path, std::string_view expected_words) {
  const auto before = read_file(path);
  asio::io_context ctx;
  try {
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    BOOST_ERROR("opening " << path << " should have failed");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == make_error_code(errc::store_corrupt)), e.code().message());
    const std::string what = e.what();
    BOOST_TEST(what.find(path.string()) != std::string::npos, "message names the file: " << what);
    BOOST_TEST(what.find(expected_words) != std::string::npos, "message explains: " << what);
  }
  BOOST_TEST(read_file(path) == before, "a refused file is never modified");
}

std::int64_t sql_int(const fs::path& p, const char* query) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::int64_t out = -1;
  if (sqlite3_prepare_v2(db, query, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    out = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE_MESSAGE(::stat(p.c_str(), &st) == 0, "stat " << p);
  return st.st_mode & 0777;
}

// Collects the log lines at warning and above while alive.
class captured_warnings {
 public:
  captured_warnings() {
    set_log_sink(log_level::warning, [this](log_level, std::string_view m) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(m);
    });
  }
  ~captured_warnings() { set_log_sink(log_level::off, {}); }
  bool any_containing(std::string_view words) const {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_)
      if (l.find(words) != std::string::npos) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// The database awsmp 0.1.0 wrote (tests/data/state/README.md says how), copied so that the
// migration never changes the committed file.
fs::path copy_of_010_database(const fs::path& dir) {
  const fs::path source = fs::path(AWSMP_TEST_DATA_DIR) / "state" / "awsmp-0.1.0.db";
  BOOST_REQUIRE_MESSAGE(fs::exists(source), source << " is missing");
  const fs::path target = dir / "old.db";
  fs::copy_file(source, target);
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  return target;
}

const std::string lic_alpha = "arn:aws:license-manager::111122223333:license:l-alpha";

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(a_010_database_is_migrated_in_place_keeping_every_row) {
  awsmp::test::temp_dir dir;
  const fs::path path = copy_of_010_database(dir.path());
  BOOST_TEST(sql_int(path, "PRAGMA user_version") == 1, "the committed file is format 1");
  BOOST_TEST(sql_int(path, "SELECT count(*) FROM subscriptions") == 3);
  BOOST_TEST(sql_int(path, "SELECT count(*) FROM entitlements") == 4);
  const time_point t0{std::chrono::seconds(1'767'225'600)};
  {
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    auto& subs = store.subscriptions();
    auto& ents = store.entitlements();
    // Every subscription, every field; the legacy lookup finds the one now keyed by license.
    const auto alpha = run_sync(ctx, subs.get("cust-alpha"));
    BOOST_REQUIRE(alpha.has_value());
    BOOST_TEST(alpha->customer_aws_account_id == "111122223333");
    BOOST_TEST(alpha->license_arn == lic_alpha);
    BOOST_TEST((alpha->status == subscription_status::active));
    BOOST_TEST((alpha->subscribed_at == t0));
    BOOST_TEST((alpha->customer() == billed_customer::account("111122223333", lic_alpha)));
    BOOST_TEST(run_sync(ctx, subs.get(alpha->customer())).has_value());
    const auto beta = run_sync(ctx, subs.get("cust-beta"));
    BOOST_REQUIRE(beta.has_value());
    BOOST_TEST((beta->status == subscription_status::unsubscribed));
    BOOST_TEST((beta->unsubscribed_at == std::optional<time_point>(t0 + 30h)));
    BOOST_TEST(beta->license_arn.empty());
    const auto gamma = run_sync(ctx, subs.get("cust-gamma"));
    BOOST_REQUIRE(gamma.has_value());
    BOOST_TEST((gamma->status == subscription_status::pending));
    BOOST_TEST(run_sync(ctx, subs.list(subscription_status::active)).size() == 1u);
    BOOST_TEST(run_sync(ctx, subs.list(subscription_status::unsubscribed)).size() == 1u);
    BOOST_TEST(run_sync(ctx, subs.list(subscription_status::pending)).size() == 1u);

    const auto alpha_rows = run_sync(ctx, ents.list("cust-alpha"));
    BOOST_REQUIRE_EQUAL(alpha_rows.size(), 2u);
    BOOST_TEST(alpha_rows[0].dimension == "seats");
    BOOST_TEST(alpha_rows[0].value == 5);
    BOOST_TEST((alpha_rows[0].expires_at == t0 + 24h * 365));
    BOOST_TEST(alpha_rows[1].dimension == "tokens_1m");
    BOOST_TEST(alpha_rows[1].value == 100);
    BOOST_TEST((alpha_rows[1].expires_at == never_expires));
    BOOST_TEST(run_sync(ctx, ents.get("cust-beta", "tokens_1m"))->value == 0);
    BOOST_TEST(run_sync(ctx, ents.get("cust-gamma", "tokens_1m"))->product_code.empty());

    // The migrated store takes account-form rows, including a second license of alpha's account.
    entitlement e{"cust-alpha", "prod-new", "tokens_1m", 7, never_expires};
    e.customer_aws_account_id = "111122223333";
    e.license_arn = "arn:aws:license-manager::111122223333:license:l-second";
    run_sync(ctx, ents.put(e));
    subscription second = *alpha;
    second.license_arn = e.license_arn;
    second.subscribed_at = t0 + 48h;
    run_sync(ctx, subs.put(second));
    BOOST_TEST(run_sync(ctx, subs.list(subscription_status::active)).size() == 2u);
  }
  BOOST_TEST(sql_int(path, "PRAGMA user_version") == sqlite_store::format_version);
  BOOST_TEST(sql_int(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v1'") == 0, "no leftovers");
  // Reopening the migrated file migrates nothing and loses nothing.
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  BOOST_TEST(run_sync(ctx, store.subscriptions().list(subscription_status::active)).size() == 2u);
  BOOST_TEST(run_sync(ctx, store.entitlements().list("cust-alpha")).size() == 3u);
  BOOST_TEST(run_sync(ctx, store.entitlements().get(
                               billed_customer::account(
                                   "111122223333", "arn:aws:license-manager::111122223333:license:l-second"),
                               "tokens_1m"))
                 ->value == 7);
}

BOOST_AUTO_TEST_CASE(a_format_1_license_shared_by_two_customers_keeps_both_rows) {
  // AWS never does this, but a 0.1.0 file may say it; both rows must survive the migration.
  awsmp::test::temp_dir dir;
  const fs::path path = copy_of_010_database(dir.path());
  sql(path, ("UPDATE subscriptions SET customer_aws_account_id = '111122223333', license_arn = '" +
             lic_alpha + "' WHERE customer_identifier = 'cust-gamma';")
                .c_str());
  captured_warnings warnings;
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  std::size_t total = 0;
  for (auto st :
       {subscription_status::active, subscription_status::pending, subscription_status::unsubscribed})
    total += run_sync(ctx, store.subscriptions().list(st)).size();
  BOOST_TEST(total == 3u);
  BOOST_TEST(run_sync(ctx, store.subscriptions().get("cust-alpha")).has_value());
  BOOST_TEST(run_sync(ctx, store.subscriptions().get("cust-gamma")).has_value());
  BOOST_TEST(warnings.any_containing("shared a license"));
}

BOOST_AUTO_TEST_CASE(new_files_are_private_and_loose_files_are_reported) {
  awsmp::test::temp_dir dir;
  const fs::path path = dir.path() / "private.db";
  const mode_t old_mask = ::umask(0);  // even with no umask at all
  {
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    run_sync(ctx, store.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
    BOOST_TEST(mode_of(path) == 0600u);
    BOOST_TEST(mode_of(fs::path(path.string() + "-wal")) == 0600u);
    BOOST_TEST(mode_of(fs::path(path.string() + "-shm")) == 0600u);
  }
  ::umask(old_mask);
  {
    captured_warnings warnings;
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    BOOST_TEST(!warnings.any_containing("readable"), "a private file is not reported");
  }
  fs::permissions(path, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  captured_warnings warnings;
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  BOOST_TEST(warnings.any_containing("readable or writable by group or others (mode 0644)"));
  BOOST_TEST(warnings.any_containing(path.string()));
  BOOST_TEST(run_sync(ctx, store.entitlements().get("c", "d")).has_value(), "a warning, not a refusal");
}

BOOST_AUTO_TEST_CASE(rows_survive_reopening) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "s.db";
  const entitlement e{"c1", "p", "d", 5, never_expires};
  subscription s;
  s.customer_identifier = "c1";
  s.status = subscription_status::active;
  s.subscribed_at = time_point(1700000000s);
  {
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
    run_sync(ctx, store.entitlements().put(e));
    run_sync(ctx, store.subscriptions().put(s));
  }
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  BOOST_TEST(store.path() == path);
  auto got = run_sync(ctx, store.entitlements().get("c1", "d"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == e));
  auto got_sub = run_sync(ctx, store.subscriptions().get("c1"));
  BOOST_REQUIRE(got_sub.has_value());
  BOOST_TEST((*got_sub == s));
}

BOOST_AUTO_TEST_CASE(two_stores_share_one_file) {
  // A second process (here: a second connection) sees committed writes at once.
  awsmp::test::temp_dir dir;
  asio::io_context ctx;
  sqlite_store a(ctx.get_executor(), awsmp::test::sqlite_options(dir.path() / "s.db"));
  sqlite_store b(ctx.get_executor(), awsmp::test::sqlite_options(dir.path() / "s.db"));
  run_sync(ctx, a.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
  BOOST_TEST(run_sync(ctx, b.entitlements().get("c", "d")).has_value());
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_sqlite_is_refused) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "notes.txt";
  write_file(path, std::string("these are somebody's notes, not a database\n") + std::string(5000, 'x'));
  check_refused(path, "not an SQLite database");
  write_file(path, "tiny");
  check_refused(path, "not an SQLite database");
}

BOOST_AUTO_TEST_CASE(a_foreign_sqlite_file_is_refused) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "other.db";
  sql(path,
      "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoices VALUES (1, 100);");
  check_refused(path, "another application");
  sql(path, "PRAGMA application_id = 1234;");
  check_refused(path, "0x000004d2");
}

BOOST_AUTO_TEST_CASE(a_newer_format_is_refused) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "s.db";
  {
    asio::io_context ctx;
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  }
  sql(path, "PRAGMA user_version = 99;");
  check_refused(path, "newer");
}

BOOST_AUTO_TEST_CASE(a_damaged_file_is_refused_not_emptied) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "s.db";
  {
    asio::io_context ctx;
    auto o = awsmp::test::sqlite_options(path);
    o.synchronous = sqlite_synchronous::normal;  // 2,000 fsyncs would only slow the test down
    sqlite_store store(ctx.get_executor(), o);
    // Enough rows for a multi-level b-tree, so that damage lands inside the table's pages.
    for (int i = 0; i < 2000; ++i)
      run_sync(ctx, store.entitlements().put(
                        entitlement{"customer-" + std::to_string(i), "p", "dimension", i, never_expires}));
  }
  auto bytes = read_file(path);
  BOOST_REQUIRE_GT(bytes.size(), 8u * 4096u);
  // Overwrite pages 5..7 with garbage; the header (page 1) stays valid.
  for (std::size_t i = 4 * 4096; i < 7 * 4096; ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0xff));
  write_file(path, bytes);
  check_refused(path, "damaged");
}

BOOST_AUTO_TEST_CASE(an_empty_file_becomes_a_store) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "s.db";
  write_file(path, "");
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  run_sync(ctx, store.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
  BOOST_TEST(read_file(path).substr(0, 15) == "SQLite format 3");
}

BOOST_AUTO_TEST_CASE(bad_options_and_unopenable_paths) {
  asio::io_context ctx;
  BOOST_CHECK_EXCEPTION(sqlite_store(ctx.get_executor(), sqlite_store_options()), boost::system::system_error,
                        awsmp::test::has_code(errc::invalid_argument));
  awsmp::test::temp_dir dir;
  try {
    sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(dir.path() / "missing-dir" / "s.db"));
    BOOST_ERROR("a path in a missing directory cannot be opened");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() != make_error_code(errc::store_corrupt)), "not a damage report: " << e.what());
    BOOST_TEST(std::string(e.what()).find("missing-dir") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(synchronous_normal_works_too) {
  awsmp::test::temp_dir dir;
  asio::io_context ctx;
  auto o = awsmp::test::sqlite_options(dir.path() / "s.db");
  o.synchronous = sqlite_synchronous::normal;
  o.quick_check_on_open = false;
  sqlite_store store(ctx.get_executor(), o);
  run_sync(ctx, store.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
  BOOST_TEST(run_sync(ctx, store.entitlements().list("c")).size() == 1u);
}

BOOST_AUTO_TEST_CASE(blocking_executor_runs_the_sql_and_the_caller_resumes_at_home) {
  awsmp::test::temp_dir dir;
  asio::io_context ctx;
  asio::thread_pool pool(1);
  auto o = awsmp::test::sqlite_options(dir.path() / "s.db");
  o.blocking_executor = pool.get_executor();
  sqlite_store store(ctx.get_executor(), o);
  auto body = [&]() -> awaitable<bool> {
    entitlement e{"c", "p", "d", 1, never_expires};  // named: see run_on in src/store_support.hpp
    co_await store.entitlements().put(e);
    const bool home_after_put = ctx.get_executor().running_in_this_thread();
    auto got = co_await store.entitlements().get("c", "d");
    co_return home_after_put&& ctx.get_executor().running_in_this_thread() && got.has_value();
  };
  BOOST_TEST(run_sync(ctx, body()));
  pool.join();
}

BOOST_AUTO_TEST_CASE(a_write_lock_held_elsewhere_is_busy_after_the_timeout) {
  awsmp::test::temp_dir dir;
  const auto path = dir.path() / "s.db";
  asio::io_context ctx;
  auto o = awsmp::test::sqlite_options(path);
  o.busy_timeout = std::chrono::milliseconds(50);
  sqlite_store store(ctx.get_executor(), o);
  // Another process (here: a raw connection) holds the write lock.
  sqlite3* other = nullptr;
  BOOST_REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  BOOST_REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const entitlement e{"c", "p", "d", 1, never_expires};
  const auto start = std::chrono::steady_clock::now();
  try {
    run_sync(ctx, store.entitlements().put(e));
    BOOST_ERROR("the put should have timed out on the lock");
  } catch (const boost::system::system_error& err) {
    BOOST_TEST((err.code() == boost::system::errc::device_or_resource_busy), err.what());
    BOOST_TEST(std::string(err.what()).find(path.string()) != std::string::npos, err.what());
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50)),
             "it waited busy_timeout");
  BOOST_TEST(run_sync(ctx, store.entitlements().list("c")).empty(),
             "reads still work while the lock is held");
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  run_sync(ctx, store.entitlements().put(e));  // and the store recovers once it is released
  BOOST_TEST(run_sync(ctx, store.entitlements().get("c", "d")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
