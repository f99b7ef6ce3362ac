// Credentials from the shared AWS files (~/.aws/credentials and ~/.aws/config).
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace awsmp {

/// Where the shared files are and which profile to read; empty members mean "as the SDKs do".
struct profile_credentials_options {
  std::string profile;                     ///< empty: AWS_PROFILE, else "default"
  std::filesystem::path credentials_file;  ///< empty: AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials
  std::filesystem::path config_file;       ///< empty: AWS_CONFIG_FILE, else $HOME/.aws/config
  std::chrono::milliseconds sts_timeout{5'000};  ///< per STS attempt, for web identity profiles
};

/// Reads one profile from the shared files on every get() (so edits are picked up at the next
/// refresh). The profile is `[name]` in the credentials file and `[profile name]` (or
/// `[default]`) in the config file; keys in the credentials file win. Supported: static keys
/// (aws_access_key_id, aws_secret_access_key, aws_session_token) and web identity
/// (web_identity_token_file + role_arn [+ role_session_name], through STS).
class profile_credentials_provider final : public credentials_provider {
public:
  /// `ex` runs STS calls for web identity profiles; never throws beyond std::bad_alloc.
  explicit profile_credentials_provider(asio::any_io_executor ex,
                                        environment_lookup env = process_environment(),
                                        profile_credentials_options options = {});

  /// Throws system_error(errc::credentials_unavailable) when the default profile is absent or
  /// holds no credential keys (not configured); errc::not_found when an explicitly selected
  /// profile does not exist; errc::invalid_argument naming the file and line of a malformed
  /// file, a key pair with one half missing, or a profile kind awsmp does not support
  /// (role_arn with source_profile, credential_process, SSO); what the web identity provider
  /// throws for web identity profiles. Messages never contain key material.
  awaitable<credentials> get() override;

private:
  asio::any_io_executor ex_;
  environment_lookup env_;
  profile_credentials_options options_;
};

}  // namespace awsmp
