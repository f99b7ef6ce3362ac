#include "core/redact.hpp"

#include <unordered_set>

namespace awsmp::detail {

void redact_secret(std::string& text, std::string_view secret) {
  if (secret.empty() || text.empty()) return;
  static constexpr std::string_view marker = "<redacted>";
  if (secret.size() < secret_slice_bytes) {
    std::size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), marker);
      at += marker.size();
    }
    return;
  }
  // Every window of the secret; a window of the text found here starts a leaked run, which is
  // extended while the following windows are pieces of the secret too.
  std::unordered_set<std::string_view> windows;
  windows.reserve(secret.size());
  for (std::size_t i = 0; i + secret_slice_bytes <= secret.size(); ++i)
    windows.insert(secret.substr(i, secret_slice_bytes));
  const std::string_view view(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  bool changed = false;
  while (i < view.size()) {
    if (i + secret_slice_bytes <= view.size() && windows.count(view.substr(i, secret_slice_bytes)) != 0) {
      std::size_t end = i + secret_slice_bytes;
      while (end < view.size() &&
             windows.count(view.substr(end + 1 - secret_slice_bytes, secret_slice_bytes)) != 0)
        ++end;
      out += marker;
      i = end;
      changed = true;
    } else {
      out += view[i++];
    }
  }
  if (changed) text = std::move(out);
}

std::string sanitize_peer_text(std::string_view text, std::size_t limit,
                               std::initializer_list<std::string_view> secrets) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) continue;
    out += ch;
  }
  for (const auto secret : secrets) redact_secret(out, secret);
  if (out.size() > limit) {
    out.resize(limit);
    out += "...";
  }
  return out;
}

}  // namespace awsmp::detail
