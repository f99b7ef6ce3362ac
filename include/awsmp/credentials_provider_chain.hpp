// A chain of credentials providers, and the default chain in the AWS SDKs' order.
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

#include <memory>
#include <string>
#include <vector>

namespace awsmp {

/// One link of a chain: a provider and the name used in errors and logs.
struct named_credentials_provider {
  std::string name;
  std::unique_ptr<credentials_provider> provider;
};

/// Asks its providers in order; the first that yields credentials wins. A provider that throws
/// system_error(errc::credentials_unavailable) is "not configured" and the next one is asked;
/// any other failure means "configured but failing" and stops the chain, so that a broken
/// configuration is reported instead of silently falling through to another identity.
class credentials_provider_chain final : public credentials_provider {
public:
  /// Takes ownership of the providers; throws system_error(errc::invalid_argument) for an
  /// empty chain or a null provider.
  explicit credentials_provider_chain(std::vector<named_credentials_provider> providers);

  /// Throws system_error(errc::credentials_unavailable) listing every provider tried and why
  /// it was not configured; a configured provider's failure is rethrown with the same code
  /// (aws_error stays aws_error) and a message that names the provider. Never leaks secrets.
  awaitable<credentials> get() override;

  /// The provider names in order; never throws beyond std::bad_alloc.
  std::vector<std::string> names() const;

private:
  std::vector<named_credentials_provider> providers_;
};

/// The uncached default chain, in the SDKs' order: environment, web_identity, profile,
/// container, imds. Network providers run on `ex`. Never throws beyond std::bad_alloc.
std::unique_ptr<credentials_provider_chain> default_credentials_chain(
    asio::any_io_executor ex, environment_lookup env = process_environment());

/// The default chain wrapped in a caching_credentials_provider on `ex` (refreshing 5 minutes
/// before expiration): what a service client should use. Never throws beyond std::bad_alloc.
std::unique_ptr<credentials_provider> default_credentials_provider(
    asio::any_io_executor ex, environment_lookup env = process_environment());

}  // namespace awsmp
