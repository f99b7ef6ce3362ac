#include <awsmp/caching_credentials_provider.hpp>
#include <awsmp/container_credentials_provider.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/environment_credentials_provider.hpp>
#include <awsmp/error.hpp>
#include <awsmp/imds_credentials_provider.hpp>
#include <awsmp/log.hpp>
#include <awsmp/profile_credentials_provider.hpp>
#include <awsmp/web_identity_credentials_provider.hpp>
#include <boost/asio/error.hpp>

#include "core/log_line.hpp"
#include "core/throw.hpp"

namespace awsmp {
namespace {

// system_error::what() appends ": <code message>"; strip it so that re-wrapping does not repeat it.
std::string message_of(const boost::system::system_error& e) {
  std::string what = e.what();
  const std::string suffix = ": " + e.code().message();
  if (what.size() > suffix.size() && what.ends_with(suffix)) what.resize(what.size() - suffix.size());
  return what;
}

}  // namespace

credentials_provider_chain::credentials_provider_chain(std::vector<named_credentials_provider> providers)
    : providers_(std::move(providers)) {
  if (providers_.empty()) detail::throw_invalid_argument("providers", "must not be empty");
  for (std::size_t i = 0; i < providers_.size(); ++i)
    if (!providers_[i].provider)
      detail::throw_invalid_argument("providers[" + std::to_string(i) + "].provider", "must not be null");
}

std::vector<std::string> credentials_provider_chain::names() const {
  std::vector<std::string> out;
  out.reserve(providers_.size());
  for (const auto& p : providers_) out.push_back(p.name);
  return out;
}

awaitable<credentials> credentials_provider_chain::get() {
  std::string tried;
  for (const auto& link : providers_) {
    try {
      auto creds = co_await link.provider->get();
      detail::log(log_level::debug, "credentials from the " + link.name + " provider");
      co_return creds;
    } catch (const aws_error& e) {
      detail::log(log_level::warning,
                  "credentials: the " + link.name + " provider is configured but failed: " + e.what());
      throw aws_error(e.http_status(), e.type(), link.name + " provider: " + e.aws_message(), e.request_id());
    } catch (const boost::system::system_error& e) {
      if (e.code() == errc::credentials_unavailable) {
        if (!tried.empty()) tried += "; ";
        tried += link.name + " (" + message_of(e) + ")";
        continue;
      }
      if (e.code() == boost::asio::error::operation_aborted) throw;
      std::string message =
          "credentials: the " + link.name + " provider is configured but failed: " + message_of(e);
      if (!tried.empty()) message += " (not configured before it: " + tried + ")";
      detail::log(log_level::warning, message);
      throw boost::system::system_error(e.code(), message);
    }
  }
  detail::throw_error(errc::credentials_unavailable, "no credentials found; tried: " + tried);
}

std::unique_ptr<credentials_provider_chain> default_credentials_chain(asio::any_io_executor ex,
                                                                      environment_lookup env) {
  std::vector<named_credentials_provider> links;
  links.push_back({"environment", std::make_unique<environment_credentials_provider>(env)});
  links.push_back({"web_identity", std::make_unique<web_identity_credentials_provider>(ex, env)});
  links.push_back({"profile", std::make_unique<profile_credentials_provider>(ex, env)});
  links.push_back({"container", std::make_unique<container_credentials_provider>(ex, env)});
  links.push_back({"imds", std::make_unique<imds_credentials_provider>(ex, env)});
  return std::make_unique<credentials_provider_chain>(std::move(links));
}

std::unique_ptr<credentials_provider> default_credentials_provider(asio::any_io_executor ex,
                                                                   environment_lookup env) {
  auto chain = default_credentials_chain(ex, std::move(env));
  return std::make_unique<caching_credentials_provider>(
      ex, std::unique_ptr<credentials_provider>(std::move(chain)));
}

}  // namespace awsmp
