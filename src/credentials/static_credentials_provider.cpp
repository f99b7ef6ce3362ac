#include <awsmp/credentials.hpp>

#include <utility>

namespace awsmp {

static_credentials_provider::static_credentials_provider(credentials creds) : creds_(std::move(creds)) {}

awaitable<credentials> static_credentials_provider::get() { co_return creds_; }

}  // namespace awsmp
