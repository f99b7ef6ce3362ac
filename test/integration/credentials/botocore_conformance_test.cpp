// Conformance with the AWS SDK for Python: for the same environment and shared files, awsmp's
// default chain and region resolution must pick the same access key and region as botocore.
// Only network-free sources are compared (IMDS disabled, no container variables).
#include "unit/credentials/test_util.hpp"

#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/region.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <map>
#include <memory>

using namespace awsmp;

namespace {

using vars = std::map<std::string, std::string, std::less<>>;

std::string run_command(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return out;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The interpreter behind AWSMP_PYTHON (a pyenv shim needs the caller's environment, the real
// binary does not), so that botocore can run with nothing but the case's variables.
const std::string& real_python() {
  static const std::string path = [] {
    auto out = run_command(std::string(AWSMP_PYTHON) + " -c 'import sys; print(sys.executable)' 2>/dev/null");
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }();
  return path;
}

struct resolved {
  std::string key;
  std::string region;
};

resolved botocore_resolves(const vars& env) {
  std::string command = "env -i";
  for (const auto& [k, v] : env) command += " " + k + "=" + shell_quote(v);
  command += " " + shell_quote(real_python()) + " " +
             shell_quote(std::string(AWSMP_TEST_DATA_DIR) + "/credentials/botocore_resolve.py") + " 2>/dev/null";
  const auto out = run_command(command);
  const auto nl = out.find('\n');
  resolved r;
  r.key = out.substr(0, nl);
  if (nl != std::string::npos) r.region = out.substr(nl + 1, out.find('\n', nl + 1) - nl - 1);
  return r;
}

resolved awsmp_resolves(const vars& env) {
  resolved r;
  boost::asio::io_context ctx;
  const auto lookup = fixed_environment(env);
  auto chain = default_credentials_chain(ctx.get_executor(), lookup);
  try {
    r.key = test::run(ctx, chain->get()).access_key_id;
  } catch (const boost::system::system_error& e) {
    r.key = e.code() == errc::credentials_unavailable ? "NONE" : "ERROR";
  }
  try {
    r.region = find_region(lookup).value_or("NONE");
  } catch (const boost::system::system_error&) {
    r.region = "ERROR";
  }
  return r;
}

struct conformance_case {
  std::string name;
  std::string credentials_file;  // empty: no file
  std::string config_file;
  vars env;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_botocore_conformance)

BOOST_AUTO_TEST_CASE(same_identity_and_region_as_botocore) {
  if (real_python().empty()) {
    BOOST_TEST_MESSAGE("SKIPPED: " << AWSMP_PYTHON << " did not run");
    return;
  }
  const std::vector<conformance_case> cases = {
      {"nothing", "", "", {}},
      {"environment keys win over files",
       "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n", "", {{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "S"}}},
      {"half environment pair", "", "", {{"AWS_ACCESS_KEY_ID", "ENVKEY"}}},
      {"credentials file default", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n", "", {}},
      {"config file default", "", "[default]\naws_access_key_id = CFGKEY\naws_secret_access_key = S\nregion = eu-west-3\n", {}},
      {"named profile in config",
       "", "[default]\nregion = us-east-2\n[profile dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = S\nregion = ap-southeast-2\n",
       {{"AWS_PROFILE", "dev"}}},
      {"credentials file wins over config",
       "[dev]\naws_access_key_id = CREDKEY\naws_secret_access_key = S\n",
       "[profile dev]\naws_access_key_id = CFGKEY\naws_secret_access_key = S\n", {{"AWS_PROFILE", "dev"}}},
      {"bare section in config is not a profile", "", "[dev]\naws_access_key_id = BAREKEY\naws_secret_access_key = S\n",
       {{"AWS_PROFILE", "dev"}}},
      {"profile header in credentials is literal", "[profile dev]\naws_access_key_id = LITERAL\naws_secret_access_key = S\n", "",
       {{"AWS_PROFILE", "dev"}}},
      {"missing explicit profile", "[default]\naws_access_key_id = K\naws_secret_access_key = S\n", "", {{"AWS_PROFILE", "nope"}}},
      {"half pair in file", "[default]\naws_access_key_id = K\n", "", {}},
      {"default region variable wins over profile", "", "[default]\nregion = eu-west-3\n", {{"AWS_DEFAULT_REGION", "sa-east-1"}}},
      {"sub-properties and comments",
       "# c\n; c\n[default]\naws_access_key_id=TIGHT\naws_secret_access_key =S\n",
       "[default]\ns3 =\n  addressing_style = path\nregion = ca-central-1\n", {}},
  };
  for (const auto& c : cases) {
    test::temp_dir dir;
    vars env = c.env;
    env["HOME"] = dir.path().string();
    env["AWS_EC2_METADATA_DISABLED"] = "true";
    env["AWS_SHARED_CREDENTIALS_FILE"] = (dir.path() / "credentials").string();
    env["AWS_CONFIG_FILE"] = (dir.path() / "config").string();
    if (!c.credentials_file.empty()) dir.write("credentials", c.credentials_file);
    if (!c.config_file.empty()) dir.write("config", c.config_file);
    const auto theirs = botocore_resolves(env);
    if (theirs.key.starts_with("SKIP:")) {
      BOOST_TEST_MESSAGE("SKIPPED: botocore is not importable: " << theirs.key);
      return;
    }
    const auto ours = awsmp_resolves(env);
    // Errors are compared by kind only: botocore names its exception classes differently.
    const auto theirs_key = theirs.key.starts_with("ERROR:") ? std::string("ERROR") : theirs.key;
    const auto theirs_region = theirs.region.starts_with("ERROR:") ? std::string("ERROR") : theirs.region;
    BOOST_TEST(ours.key == theirs_key, c.name << ": awsmp " << ours.key << ", botocore " << theirs.key);
    BOOST_TEST(ours.region == theirs_region, c.name << ": awsmp " << ours.region << ", botocore " << theirs.region);
  }
}

BOOST_AUTO_TEST_SUITE_END()
