// AWS credentials and the providers that supply them.
#pragma once

#include <awsmp/common.hpp>
#include <memory>
#include <optional>
#include <string>

namespace awsmp {

/// An access key pair, with a session token and expiration when temporary.
struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::optional<time_point> expiration;
};

/// Supplies credentials; get() may do I/O (files, IMDS, STS).
class credentials_provider {
 public:
  virtual ~credentials_provider() = default;
  /// Returns current credentials; throws system_error(errc::credentials_unavailable) when it has none.
  virtual awaitable<credentials> get() = 0;
  /// The current credentials as one immutable shared snapshot, so that a signer does not copy
  /// (and scatter through the heap) the secret for every request. The default wraps get();
  /// providers that keep credentials hand out their own snapshot. Throws like get().
  virtual awaitable<std::shared_ptr<const credentials>> get_shared();
};

/// A provider that always returns the same credentials.
class static_credentials_provider final : public credentials_provider {
 public:
  /// Never throws beyond std::bad_alloc.
  explicit static_credentials_provider(credentials creds);
  /// Returns the credentials given at construction; never throws beyond std::bad_alloc.
  awaitable<credentials> get() override;
  /// The one snapshot made at construction (no copy); never throws.
  awaitable<std::shared_ptr<const credentials>> get_shared() override;

 private:
  std::shared_ptr<const credentials> creds_;
};

}  // namespace awsmp
