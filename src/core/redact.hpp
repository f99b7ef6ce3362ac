// Internal: making text that came from a peer safe to keep in an exception or a log line, and
// removing every trace of a secret from it. Pure; no I/O.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// The shortest piece of a secret that counts as a leak: no run of this many bytes of a secret
/// may survive in an error, a log line or what() (docs/hardening.md, "redaction").
inline constexpr std::size_t secret_slice_bytes = 8;

/// Replaces every run of `text` that is a piece of `secret` at least secret_slice_bytes long
/// (or, for a shorter secret, every whole occurrence) with "<redacted>": an echo of the secret,
/// repeated, truncated or cut into pieces by separators, leaves nothing recognisable. An empty
/// secret changes nothing. Never throws beyond std::bad_alloc.
void redact_secret(std::string& text, std::string_view secret);

/// Text from a peer made fit for what() and logs: control characters dropped (they would forge
/// log lines), then every secret redacted (so pieces split by CR/LF are rejoined first), then
/// cut to `limit` bytes ("..." marks the cut). Never throws beyond std::bad_alloc.
std::string sanitize_peer_text(std::string_view text, std::size_t limit,
                               std::initializer_list<std::string_view> secrets = {});

}  // namespace awsmp::detail
