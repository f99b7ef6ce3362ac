// AWS credentials and the providers that supply them.
#pragma once

#include <awsmp/common.hpp>

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
};

/// A provider that always returns the same credentials.
class static_credentials_provider final : public credentials_provider {
public:
  /// Never throws beyond std::bad_alloc.
  explicit static_credentials_provider(credentials creds);
  /// Returns the credentials given at construction; never throws beyond std::bad_alloc.
  awaitable<credentials> get() override;

private:
  credentials creds_;
};

}  // namespace awsmp
