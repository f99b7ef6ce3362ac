// Caches another provider's credentials and refreshes them before they expire.
#pragma once

#include <atomic>
#include <awsmp/credentials.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>

namespace awsmp {

/// Settings of the cache; every default is documented.
struct caching_credentials_options {
  std::chrono::seconds refresh_margin{300};  ///< refresh this long before expiration (SDKs: 5 min)
  clock_function clock;                      ///< empty: std::chrono::system_clock::now
};

/// Wraps any provider: credentials without expiration are fetched once; temporary ones are
/// refreshed `refresh_margin` before they expire. Concurrent callers share one refresh
/// (single flight). State lives on a strand made from `ex`, so get() may be called from any
/// thread. When a refresh fails while the cached credentials are still valid (inside the
/// margin), the cached ones are returned and the failure is logged; once expired, the failure
/// is thrown to every waiting caller.
class caching_credentials_provider final : public credentials_provider {
 public:
  /// `inner` must outlive this object. Never throws beyond std::bad_alloc.
  caching_credentials_provider(asio::any_io_executor ex, credentials_provider& inner,
                               caching_credentials_options options = {});
  /// Owns `inner`; throws system_error(errc::invalid_argument) when it is null.
  caching_credentials_provider(asio::any_io_executor ex, std::unique_ptr<credentials_provider> inner,
                               caching_credentials_options options = {});
  ~caching_credentials_provider() override;

  /// Cached credentials, refreshed when due; throws what the inner provider throws when
  /// nothing valid is cached. The object must outlive the returned awaitable.
  awaitable<credentials> get() override;
  /// The cached snapshot itself (no copy of the secret), refreshed when due; throws like get().
  awaitable<std::shared_ptr<const credentials>> get_shared() override;

  /// Drops the cache so that the next get() refreshes (e.g. after AWS answered ExpiredToken).
  awaitable<void> invalidate();

  /// How many times the inner provider was called; never throws.
  std::uint64_t refreshes() const noexcept;

 private:
  struct flight;
  awaitable<std::shared_ptr<const credentials>> get_on_strand();
  time_point now() const;
  time_point refresh_time(const credentials& creds, time_point fetched) const;

  asio::strand<asio::any_io_executor> strand_;
  std::unique_ptr<credentials_provider> owned_;
  credentials_provider& inner_;
  caching_credentials_options options_;
  std::shared_ptr<const credentials> cached_;
  time_point refresh_at_{};
  std::shared_ptr<flight> flight_;
  std::atomic<std::uint64_t> refreshes_{0};
};

}  // namespace awsmp
