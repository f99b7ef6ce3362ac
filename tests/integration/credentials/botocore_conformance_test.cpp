// Conformance with the AWS SDK for Python: for the same environment and shared files, awsmp's
// default chain and region resolution must pick the same access key and region as botocore.
// Only network-free sources are compared (IMDS disabled, no container variables).
#include <array>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/region.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "fake_http_server.hpp"
#include "support/skip.hpp"
#include "unit/credentials/test_util.hpp"

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
             shell_quote(std::string(AWSMP_TEST_DATA_DIR) + "/credentials/botocore_resolve.py") +
             " 2>/dev/null";
  const auto out = run_command(command);
  const auto nl = out.find('\n');
  resolved r;
  r.key = out.substr(0, nl);
  if (nl != std::string::npos) r.region = out.substr(nl + 1, out.find('\n', nl + 1) - nl - 1);
  return r;
}

resolved awsmp_resolves(const vars& env) {
  resolved r;
  test::log_capture quiet;  // the expected "configured but failed" warnings stay out of the output
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
    awsmp::test::skip(std::string(AWSMP_PYTHON) + " did not run");
    return;
  }
  const std::vector<conformance_case> cases = {
      {"nothing", "", "", {}},
      {"environment keys win over files",
       "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n",
       "",
       {{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "S"}}},
      {"half environment pair", "", "", {{"AWS_ACCESS_KEY_ID", "ENVKEY"}}},
      {"credentials file default",
       "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n",
       "",
       {}},
      {"config file default",
       "",
       "[default]\naws_access_key_id = CFGKEY\naws_secret_access_key = S\nregion = eu-west-3\n",
       {}},
      {"named profile in config",
       "",
       "[default]\nregion = us-east-2\n[profile dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = "
       "S\nregion = ap-southeast-2\n",
       {{"AWS_PROFILE", "dev"}}},
      {"credentials file wins over config",
       "[dev]\naws_access_key_id = CREDKEY\naws_secret_access_key = S\n",
       "[profile dev]\naws_access_key_id = CFGKEY\naws_secret_access_key = S\n",
       {{"AWS_PROFILE", "dev"}}},
      {"bare section in config is not a profile",
       "",
       "[dev]\naws_access_key_id = BAREKEY\naws_secret_access_key = S\n",
       {{"AWS_PROFILE", "dev"}}},
      {"profile header in credentials is literal",
       "[profile dev]\naws_access_key_id = LITERAL\naws_secret_access_key = S\n",
       "",
       {{"AWS_PROFILE", "dev"}}},
      {"missing explicit profile",
       "[default]\naws_access_key_id = K\naws_secret_access_key = S\n",
       "",
       {{"AWS_PROFILE", "nope"}}},
      {"half pair in file", "[default]\naws_access_key_id = K\n", "", {}},
      {"default region variable wins over profile",
       "",
       "[default]\nregion = eu-west-3\n",
       {{"AWS_DEFAULT_REGION", "sa-east-1"}}},
      {"sub-properties and comments",
       "# c\n; c\n[default]\naws_access_key_id=TIGHT\naws_secret_access_key =S\n",
       "[default]\ns3 =\n  addressing_style = path\nregion = ca-central-1\n",
       {}},
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
      awsmp::test::skip("botocore is not importable: " + theirs.key);
      return;
    }
    const auto ours = awsmp_resolves(env);
    // Errors are compared by kind only: botocore names its exception classes differently.
    const auto theirs_key = theirs.key.starts_with("ERROR:") ? std::string("ERROR") : theirs.key;
    const auto theirs_region = theirs.region.starts_with("ERROR:") ? std::string("ERROR") : theirs.region;
    BOOST_TEST(ours.key == theirs_key, c.name << ": awsmp " << ours.key << ", botocore " << theirs.key);
    BOOST_TEST(ours.region == theirs_region,
               c.name << ": awsmp " << ours.region << ", botocore " << theirs.region);
  }
}

namespace {

// Lenient fakes for the network sources: they answer what a correct client sends, whatever
// the order of headers or form fields, so that botocore and awsmp can be played the same way.
test::fake_http_server::action imds_handler(const test::server_request& r) {
  if (r.method() == boost::beast::http::verb::put && r.target() == "/latest/api/token" &&
      !r["X-aws-ec2-metadata-token-ttl-seconds"].empty())
    return {test::respond(200, "IMDSTOKEN")};
  if (r["X-aws-ec2-metadata-token"] != "IMDSTOKEN") return {test::respond(401)};
  if (r.target() == "/latest/meta-data/iam/security-credentials/") return {test::respond(200, "role-a")};
  if (r.target() == "/latest/meta-data/iam/security-credentials/role-a")
    return {test::respond(
        200,
        R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"IMDSKEY","SecretAccessKey":"S",)"
        R"("Token":"T","Expiration":"2099-01-01T00:00:00Z","LastUpdated":"2026-01-01T00:00:00Z"})",
        "application/json")};
  return {test::respond(404)};
}

test::fake_http_server::action ecs_handler(const test::server_request& r) {
  if (r[boost::beast::http::field::authorization] != "ECSAUTH") return {test::respond(401)};
  return {test::respond(
      200,
      R"({"AccessKeyId":"ECSKEY","SecretAccessKey":"S","Token":"T","Expiration":"2099-01-01T00:00:00Z"})",
      "application/json")};
}

test::fake_http_server::action sts_handler(const test::server_request& r) {
  const std::string body = r.body();
  for (const char* field :
       {"Action=AssumeRoleWithWebIdentity", "Version=2011-06-15",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb", "WebIdentityToken=eyJ.JWT-TOKEN.sig"})
    if (("&" + body + "&").find("&" + std::string(field) + "&") == std::string::npos)
      return {test::respond(
          400, "<ErrorResponse><Error><Code>InvalidParameterValue</Code></Error></ErrorResponse>",
          "text/xml")};
  return {test::respond(
      200,
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>STSKEY</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
      "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
      "</AssumeRoleWithWebIdentityResponse>",
      "text/xml")};
}

}  // namespace

BOOST_AUTO_TEST_CASE(network_sources_resolve_alike) {
  if (real_python().empty()) {
    awsmp::test::skip(std::string(AWSMP_PYTHON) + " did not run");
    return;
  }
  test::fake_http_server imds(imds_handler);
  test::fake_http_server ecs(ecs_handler);
  test::fake_http_server sts(sts_handler);
  test::temp_dir dir;
  const auto token = dir.write("jwt", "eyJ.JWT-TOKEN.sig");
  const vars base{{"HOME", dir.path().string()}, {"AWS_DEFAULT_REGION", "us-east-1"}};
  struct network_case {
    std::string name;
    vars env;
    std::string expected;
    test::fake_http_server* server;
  };
  const std::vector<network_case> cases = {
      {"imds", {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}}, "IMDSKEY", &imds},
      {"container",
       {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/creds"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ECSAUTH"},
        {"AWS_EC2_METADATA_DISABLED", "true"}},
       "ECSKEY",
       &ecs},
      {"web identity",
       {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.string()},
        {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
        {"AWS_ENDPOINT_URL_STS", sts.url()},
        {"AWS_EC2_METADATA_DISABLED", "true"}},
       "STSKEY",
       &sts},
  };
  for (const auto& c : cases) {
    vars env = base;
    env.insert(c.env.begin(), c.env.end());
    const auto before = c.server->request_count();
    const auto theirs = botocore_resolves(env);
    if (theirs.key.starts_with("SKIP:")) {
      awsmp::test::skip("botocore is not importable: " + theirs.key);
      return;
    }
    BOOST_TEST(theirs.key == c.expected, c.name << ": botocore got " << theirs.key << " from the fake");
    BOOST_TEST(c.server->request_count() > before, c.name << ": botocore did not ask the fake");
    BOOST_TEST(awsmp_resolves(env).key == c.expected, c.name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
