#include <atomic>
#include <awsmp/log.hpp>
#include <cstdio>
#include <memory>
#include <mutex>

#include "core/log_line.hpp"

namespace awsmp {
namespace {

struct log_state {
  std::mutex mutex;
  std::shared_ptr<const log_sink> sink;  // null: default sink (stderr)
};

log_state& state() {
  static log_state s;
  return s;
}

// Read on every log_enabled() call, so it lives outside the mutex.
std::atomic<int> min_level{static_cast<int>(log_level::warning)};

void default_sink(log_level level, std::string_view message) {
  std::fprintf(stderr, "awsmp %.*s: %.*s\n", static_cast<int>(to_string(level).size()),
               to_string(level).data(), static_cast<int>(message.size()), message.data());
}

}  // namespace

void set_log_sink(log_level level, log_sink sink) {
  auto& s = state();
  std::shared_ptr<const log_sink> next;
  if (sink) next = std::make_shared<const log_sink>(std::move(sink));
  {
    std::lock_guard lock(s.mutex);
    s.sink = std::move(next);
  }
  min_level.store(static_cast<int>(s.sink ? level : log_level::warning), std::memory_order_relaxed);
}

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warning:
      return "warning";
    case log_level::error:
      return "error";
    case log_level::off:
      return "off";
  }
  return "unknown";
}

namespace detail {

bool log_enabled(log_level level) noexcept {
  return level != log_level::off && static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void log(log_level level, std::string_view message) noexcept {
  if (!log_enabled(level)) return;
  try {
    std::shared_ptr<const log_sink> sink;
    {
      std::lock_guard lock(state().mutex);
      sink = state().sink;
    }
    if (sink)
      (*sink)(level, message);
    else
      default_sink(level, message);
  } catch (...) {
    // A logging failure must never turn into a billing failure.
  }
}

}  // namespace detail
}  // namespace awsmp
