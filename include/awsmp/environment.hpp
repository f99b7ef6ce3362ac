// Environment lookup: how awsmp reads AWS_* variables, replaceable so that tests and embedders
// never have to mutate the process environment.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace awsmp {

/// Returns the value of one environment variable, or nullopt when it is unset.
/// Must be callable from any thread; awsmp treats an empty value as unset.
using environment_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// A lookup that reads the process environment (getenv); never throws beyond std::bad_alloc.
environment_lookup process_environment();

/// A lookup over a fixed set of variables (tests, embedding); never throws beyond std::bad_alloc.
environment_lookup fixed_environment(std::map<std::string, std::string, std::less<>> variables);

}  // namespace awsmp
