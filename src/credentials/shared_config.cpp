#include "credentials/shared_config.hpp"

namespace awsmp::detail {

std::optional<std::string> env_value(const environment_lookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::filesystem::path expand_home(std::string_view path, const environment_lookup& env) {
  if (path == "~" || path.starts_with("~/")) {
    auto home = env_value(env, "HOME");
    if (!home) home = env_value(env, "USERPROFILE");
    if (home) {
      std::filesystem::path out(*home);
      if (path.size() > 2) out /= std::filesystem::path(path.substr(2));
      return out;
    }
  }
  return std::filesystem::path(path);
}

shared_config_location locate_shared_config(const environment_lookup& env, std::string_view profile,
                                            const std::filesystem::path& credentials_file,
                                            const std::filesystem::path& config_file) {
  shared_config_location where;
  if (!credentials_file.empty())
    where.credentials_file = credentials_file;
  else if (auto v = env_value(env, "AWS_SHARED_CREDENTIALS_FILE"))
    where.credentials_file = expand_home(*v, env);
  else
    where.credentials_file = expand_home("~/.aws/credentials", env);

  if (!config_file.empty())
    where.config_file = config_file;
  else if (auto v = env_value(env, "AWS_CONFIG_FILE"))
    where.config_file = expand_home(*v, env);
  else
    where.config_file = expand_home("~/.aws/config", env);

  if (!profile.empty()) {
    where.profile = std::string(profile);
    where.profile_explicit = true;
  } else if (auto v = env_value(env, "AWS_PROFILE")) {
    where.profile = *v;
    where.profile_explicit = true;
  } else if (auto legacy = env_value(env, "AWS_DEFAULT_PROFILE")) {
    where.profile = *legacy;
    where.profile_explicit = true;
  }
  return where;
}

std::optional<profile_properties> select_profile(const ini_file* credentials, const ini_file* config,
                                                 std::string_view name) {
  std::optional<profile_properties> out;
  if (config) {
    const std::string prefixed = "profile " + std::string(name);
    const ini_section* section = nullptr;
    // Headers are matched after collapsing the whitespace between "profile" and the name.
    for (const auto& s : config->sections) {
      std::string_view n = s.name;
      if (!n.starts_with("profile") || n.size() <= 7 || (n[7] != ' ' && n[7] != '\t')) continue;
      n.remove_prefix(7);
      while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.remove_prefix(1);
      if (n == name) {
        section = &s;
        break;
      }
    }
    if (!section && name == "default") section = config->find("default");
    if (section) out = profile_properties(section->values.begin(), section->values.end());
  }
  if (credentials) {
    if (const auto* section = credentials->find(name)) {
      if (!out) out.emplace();
      for (const auto& [k, v] : section->values) out->insert_or_assign(k, v);
    }
  }
  return out;
}

std::optional<profile_properties> load_profile(const shared_config_location& where) {
  std::optional<ini_file> credentials;
  std::optional<ini_file> config;
  if (auto text = read_optional_file(where.credentials_file))
    credentials = parse_ini(*text, where.credentials_file.string());
  if (auto text = read_optional_file(where.config_file))
    config = parse_ini(*text, where.config_file.string());
  return select_profile(credentials ? &*credentials : nullptr, config ? &*config : nullptr, where.profile);
}

std::optional<profile_properties> load_config_profile(const std::filesystem::path& config_file,
                                                      std::string_view name) {
  auto text = read_optional_file(config_file);
  if (!text) return std::nullopt;
  const auto config = parse_ini(*text, config_file.string());
  return select_profile(nullptr, &config, name);
}

}  // namespace awsmp::detail
