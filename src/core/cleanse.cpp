#include "core/cleanse.hpp"

#include <openssl/crypto.h>

namespace awsmp::detail {

void cleanse(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace awsmp::detail
