#include <awsmp/credentials.hpp>
#include <utility>

namespace awsmp {

awaitable<std::shared_ptr<const credentials>> credentials_provider::get_shared() {
  co_return std::make_shared<const credentials>(co_await get());
}

static_credentials_provider::static_credentials_provider(credentials creds)
    : creds_(std::make_shared<const credentials>(std::move(creds))) {}

awaitable<credentials> static_credentials_provider::get() {
  co_return *creds_;
}

awaitable<std::shared_ptr<const credentials>> static_credentials_provider::get_shared() {
  co_return creds_;
}

}  // namespace awsmp
