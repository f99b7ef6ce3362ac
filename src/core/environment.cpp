#include <awsmp/environment.hpp>

#include <cstdlib>
#include <memory>

namespace awsmp {

environment_lookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; variable names are short, so a copy is cheap.
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) return std::string(value);
    return std::nullopt;
  };
}

environment_lookup fixed_environment(std::map<std::string, std::string, std::less<>> variables) {
  // Shared so that copies of the lookup stay cheap and callable from any thread (read-only).
  auto vars = std::make_shared<const std::map<std::string, std::string, std::less<>>>(std::move(variables));
  return [vars](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars->find(name); it != vars->end()) return it->second;
    return std::nullopt;
  };
}

}  // namespace awsmp
