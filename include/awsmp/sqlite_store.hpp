// sqlite_store: the durable, single-machine home of entitlements and subscriptions.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace awsmp {

/// How hard SQLite works to make each commit durable (PRAGMA synchronous in WAL mode).
enum class sqlite_synchronous {
  full,    ///< every commit is fsynced: it survives a crash of the process and of the machine
  normal,  ///< commits survive kill -9 of the process; the last ones may be lost on power loss
};

/// Settings of a sqlite_store; every default is documented here.
struct sqlite_store_options {
  /// The database file; created (with its -wal and -shm companions) when missing, readable
  /// and writable by the owner only (0600). Opening an existing file that group or others can
  /// read logs a warning (it holds who your customers are).
  std::filesystem::path path;
  /// Durability of each commit; see sqlite_synchronous.
  sqlite_synchronous synchronous = sqlite_synchronous::full;
  /// How long a call waits for another process's write lock before failing (device_or_resource_busy).
  std::chrono::milliseconds busy_timeout{2'000};
  /// Runs PRAGMA quick_check when opening (time proportional to the file size) so that a
  /// damaged file is reported at start-up instead of on some later call.
  bool quick_check_on_open = true;
  /// Where the blocking SQLite calls run. Empty: on a strand of the executor given to the
  /// constructor (each call is one short, bounded transaction; see docs/state.md for the
  /// measured cost). Set it to an executor you own for blocking work (e.g. an
  /// asio::thread_pool's) to keep disk latency off your request threads; callers are resumed
  /// on their own executor either way. The library creates no threads.
  std::optional<asio::any_io_executor> blocking_executor;
};

/// Entitlements and subscriptions in one SQLite database in WAL mode, keyed by billed
/// customer (see subscription_store and entitlement_store). A file written by awsmp 0.1.0
/// (format 1) is migrated in place on open, keeping every row. It survives restarts
/// and kill -9; a damaged or foreign file is refused with system_error(errc::store_corrupt)
/// naming the file, never emptied. The two stores it hands out share one connection whose
/// calls are serialised on a strand, so they are safe from any thread of the executor.
/// Storage failures are thrown as system_error: errc::store_corrupt for damage,
/// boost::system::errc::device_or_resource_busy when another process holds the write lock
/// past busy_timeout, no_space_on_device, io_error for the rest. Operations must complete
/// before the sqlite_store is destroyed.
class sqlite_store {
 public:
  /// Opens or creates the database (blocking: this is a start-up call). Throws
  /// system_error: errc::invalid_argument for an empty path, errc::store_corrupt for a
  /// damaged, non-SQLite, foreign or newer-format file, io_error when it cannot be opened.
  sqlite_store(asio::any_io_executor ex, sqlite_store_options options);
  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  /// The entitlement table as an entitlement_store; lives as long as this object.
  entitlement_store& entitlements() noexcept;
  /// The subscription table as a subscription_store; lives as long as this object.
  subscription_store& subscriptions() noexcept;
  /// The database file; never throws.
  const std::filesystem::path& path() const noexcept;

  /// The value of PRAGMA application_id in every awsmp store ("awmp").
  static constexpr std::int32_t application_id = 0x61776d70;
  /// The format version (PRAGMA user_version) this build reads and writes.
  /// 1 was awsmp 0.1.0's (keyed by customer identifier), migrated in place on open.
  static constexpr std::int32_t format_version = 2;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
