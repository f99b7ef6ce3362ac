#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/validation.hpp>
#include <awsmp/wire.hpp>

#include "core/crypto.hpp"
#include "transport/aws_json_client.hpp"

namespace awsmp {

metering_client::metering_client(asio::any_io_executor ex, request_signer& signer, client_options options)
    : impl_(std::make_unique<detail::aws_json_client>(std::move(ex), signer, options,
                                                      wire::metering_host(options.region))) {}

metering_client::~metering_client() = default;

awaitable<resolve_customer_output> metering_client::resolve_customer(std::string registration_token) {
  resolve_customer_input input{std::move(registration_token)};
  validate(input);
  std::string body = wire::encode(input);
  validate_request_body_size(body.size());
  const std::string answer =
      co_await impl_->call(std::string(wire::target_resolve_customer), std::move(body));
  co_return wire::decode<resolve_customer_output>(answer);
}

awaitable<batch_meter_usage_output> metering_client::batch_meter_usage(batch_meter_usage_input input) {
  validate(input);
  std::string body = wire::encode(input);
  validate_request_body_size(body.size());
  const std::string answer =
      co_await impl_->call(std::string(wire::target_batch_meter_usage), std::move(body));
  co_return wire::decode<batch_meter_usage_output>(answer);
}

awaitable<meter_usage_output> metering_client::meter_usage(meter_usage_input input) {
  // One token per logical call, fixed before the retry loop: every attempt carries it, so a
  // retry after a lost answer is recognised by AWS as the same call (as the AWS SDKs do).
  if (input.client_token.empty()) input.client_token = detail::random_uuid();
  validate(input);
  std::string body = wire::encode(input);
  validate_request_body_size(body.size());
  const std::string answer = co_await impl_->call(std::string(wire::target_meter_usage), std::move(body));
  co_return wire::decode<meter_usage_output>(answer);
}

client_stats metering_client::stats() const noexcept {
  return impl_->stats();
}

}  // namespace awsmp
