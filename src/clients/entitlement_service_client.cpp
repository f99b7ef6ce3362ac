#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <awsmp/wire.hpp>
#include <set>

#include "core/throw.hpp"
#include "transport/aws_json_client.hpp"

namespace awsmp {

awaitable<std::vector<marketplace_entitlement>> entitlement_service_api::get_all_entitlements(
    get_entitlements_input input) {
  std::vector<marketplace_entitlement> all;
  // A service that hands back a token it already gave would make us loop forever.
  std::set<std::string> seen_tokens;
  input.next_token.clear();
  for (;;) {
    get_entitlements_output page = co_await get_entitlements(input);
    all.insert(all.end(), std::make_move_iterator(page.entitlements.begin()),
               std::make_move_iterator(page.entitlements.end()));
    if (page.next_token.empty()) co_return all;
    if (!seen_tokens.insert(page.next_token).second)
      detail::throw_error(errc::malformed_message,
                          "GetEntitlements: NextToken repeated an earlier page's token");
    input.next_token = std::move(page.next_token);
  }
}

entitlement_service_client::entitlement_service_client(asio::any_io_executor ex, request_signer& signer,
                                                       client_options options)
    : impl_(std::make_unique<detail::aws_json_client>(std::move(ex), signer, options,
                                                      wire::entitlement_host(options.region))) {}

entitlement_service_client::~entitlement_service_client() = default;

awaitable<get_entitlements_output> entitlement_service_client::get_entitlements(
    get_entitlements_input input) {
  validate(input);
  std::string body = wire::encode(input);
  validate_request_body_size(body.size());
  const std::string answer =
      co_await impl_->call(std::string(wire::target_get_entitlements), std::move(body));
  co_return wire::decode<get_entitlements_output>(answer);
}

client_stats entitlement_service_client::stats() const noexcept {
  return impl_->stats();
}

}  // namespace awsmp
