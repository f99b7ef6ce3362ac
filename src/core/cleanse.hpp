// Internal: wiping buffers that held a secret (credential answers, token files, signing keys)
// before their memory goes back to the allocator, where a later dump or a use-after-free read
// could find it.
#pragma once

#include <string>

namespace awsmp::detail {

/// Overwrites the bytes of `s` (OPENSSL_cleanse, which the optimiser cannot drop) and empties
/// it; never throws.
void cleanse(std::string& s) noexcept;

/// Cleanses the string it watches when it goes out of scope (normal exit or exception).
class cleanse_on_exit {
 public:
  /// Watches `s`, which must outlive the guard; never throws.
  explicit cleanse_on_exit(std::string& s) noexcept : s_(s) {}
  ~cleanse_on_exit() { cleanse(s_); }
  cleanse_on_exit(const cleanse_on_exit&) = delete;
  cleanse_on_exit& operator=(const cleanse_on_exit&) = delete;

 private:
  std::string& s_;
};

}  // namespace awsmp::detail
