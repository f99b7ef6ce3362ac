#include <awsmp/error.hpp>
#include <awsmp/region.hpp>

#include "core/throw.hpp"
#include "credentials/shared_config.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

std::string checked(std::string region, std::string_view source) {
  if (!is_valid_region_name(region))
    detail::throw_invalid_argument(
        source, "is not a region name (1..63 of a-z, 0-9, '-', starting with a letter, not ending with '-')");
  return region;
}

}  // namespace

bool is_valid_region_name(std::string_view region) noexcept {
  return detail::is_region_name(region);
}

std::optional<std::string> find_region(const environment_lookup& env,
                                       const std::filesystem::path& config_file, std::string_view profile) {
  if (auto v = detail::env_value(env, "AWS_REGION")) return checked(std::move(*v), "AWS_REGION");
  if (auto v = detail::env_value(env, "AWS_DEFAULT_REGION"))
    return checked(std::move(*v), "AWS_DEFAULT_REGION");
  if (auto props = detail::load_config_profile(config_file, profile)) {
    if (auto it = props->find("region"); it != props->end() && !it->second.empty())
      return checked(it->second, config_file.string() + " [" + std::string(profile) + "] region");
  }
  return std::nullopt;
}

std::optional<std::string> find_region(const environment_lookup& env) {
  const auto where = detail::locate_shared_config(env);
  auto region = find_region(env, where.config_file, where.profile);
  // As in the SDKs, a profile chosen by AWS_PROFILE must exist (in either file) once the
  // region has to come from it: a typo must not silently mean "no region".
  if (!region && where.profile_explicit && !detail::load_profile(where))
    detail::throw_error(errc::not_found,
                        "region: profile '" + where.profile + "' (AWS_PROFILE) is in neither " +
                            where.credentials_file.string() + " nor " + where.config_file.string());
  return region;
}

std::string resolve_region(const environment_lookup& env) {
  const auto where = detail::locate_shared_config(env);
  if (auto region = find_region(env)) return std::move(*region);
  detail::throw_error(errc::not_found,
                      "region: none of AWS_REGION, AWS_DEFAULT_REGION or the region of profile '" +
                          where.profile + "' in " + where.config_file.string() + " is set");
}

std::string resolve_region() {
  return resolve_region(process_environment());
}

}  // namespace awsmp
