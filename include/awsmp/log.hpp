// The log hook: one process-wide level and sink, so that servers route awsmp's lines into
// their own logging. awsmp never writes secrets (keys, tokens, signatures) to it.
#pragma once

#include <functional>
#include <string_view>

namespace awsmp {

/// Severity of a log line.
enum class log_level { debug, info, warning, error, off };

/// Receives each line at or above the configured level; must be thread-safe and must not throw.
using log_sink = std::function<void(log_level level, std::string_view message)>;

/// Installs the sink (an empty sink restores the default: warnings and errors to stderr).
/// Thread-safe; never throws beyond std::bad_alloc.
void set_log_sink(log_level min_level, log_sink sink);

/// The wire-friendly name of a level ("debug", "info", ...); never throws.
std::string_view to_string(log_level level) noexcept;

}  // namespace awsmp
