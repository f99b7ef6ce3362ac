// The request_signer used by the service clients: credentials from a provider on every call
// (so rotated or refreshed credentials take effect at once), keys from a per-signer cache.
#include <awsmp/sigv4.hpp>
#include <chrono>
#include <utility>

namespace awsmp {

sigv4_signer::sigv4_signer(credentials_provider& provider, std::string region, std::string service)
    : sigv4_signer(provider, std::move(region), std::move(service), clock_function{}) {}

sigv4_signer::sigv4_signer(credentials_provider& provider, std::string region, std::string service,
                           clock_function clock)
    : provider_(provider),
      region_(std::move(region)),
      service_(std::move(service)),
      clock_(std::move(clock)) {}

awaitable<void> sigv4_signer::sign(http_request& request) {
  // A shared snapshot: the secret is not copied per signature (issue 15 item 7).
  const std::shared_ptr<const credentials> creds = co_await provider_.get_shared();
  // The clock is read after the provider answered: a slow refresh must not leave a stale date.
  const time_point now = clock_ ? clock_() : std::chrono::system_clock::now();
  sigv4::sign(request, *creds, region_, service_, now, cache_);
}

}  // namespace awsmp
