// What only the durable store must do: survive reopening, refuse damaged or foreign files
// without touching them, and run its blocking calls where it is told to.
#include "state_test_support.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <thread>

using namespace awsmp;
using awsmp::test::run;
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

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite)

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
    run(ctx, store.entitlements().put(e));
    run(ctx, store.subscriptions().put(s));
  }
  asio::io_context ctx;
  sqlite_store store(ctx.get_executor(), awsmp::test::sqlite_options(path));
  BOOST_TEST(store.path() == path);
  auto got = run(ctx, store.entitlements().get("c1", "d"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == e));
  auto got_sub = run(ctx, store.subscriptions().get("c1"));
  BOOST_REQUIRE(got_sub.has_value());
  BOOST_TEST((*got_sub == s));
}

BOOST_AUTO_TEST_CASE(two_stores_share_one_file) {
  // A second process (here: a second connection) sees committed writes at once.
  awsmp::test::temp_dir dir;
  asio::io_context ctx;
  sqlite_store a(ctx.get_executor(), awsmp::test::sqlite_options(dir.path() / "s.db"));
  sqlite_store b(ctx.get_executor(), awsmp::test::sqlite_options(dir.path() / "s.db"));
  run(ctx, a.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
  BOOST_TEST(run(ctx, b.entitlements().get("c", "d")).has_value());
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
  sql(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoices VALUES (1, 100);");
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
      run(ctx, store.entitlements().put(entitlement{"customer-" + std::to_string(i), "p", "dimension", i, never_expires}));
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
  run(ctx, store.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
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
  run(ctx, store.entitlements().put(entitlement{"c", "p", "d", 1, never_expires}));
  BOOST_TEST(run(ctx, store.entitlements().list("c")).size() == 1u);
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
    co_return home_after_put && ctx.get_executor().running_in_this_thread() && got.has_value();
  };
  BOOST_TEST(run(ctx, body()));
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
    run(ctx, store.entitlements().put(e));
    BOOST_ERROR("the put should have timed out on the lock");
  } catch (const boost::system::system_error& err) {
    BOOST_TEST((err.code() == boost::system::errc::device_or_resource_busy), err.what());
    BOOST_TEST(std::string(err.what()).find(path.string()) != std::string::npos, err.what());
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50)), "it waited busy_timeout");
  BOOST_TEST(run(ctx, store.entitlements().list("c")).empty(), "reads still work while the lock is held");
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  run(ctx, store.entitlements().put(e));  // and the store recovers once it is released
  BOOST_TEST(run(ctx, store.entitlements().get("c", "d")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
