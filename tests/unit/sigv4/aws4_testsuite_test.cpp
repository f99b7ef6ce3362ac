// Conformance by data: every case folder found under test/data/aws4_testsuite (recursively) is
// signed and checked step by step against the suite's canonical request, string to sign,
// Authorization value and signed request.
#include "sigv4_test_support.hpp"

#include <awsmp/sigv4.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace awsmp;
using namespace awsmp::test_sigv4;

namespace {

const fs::path suite_dir = fs::path(AWSMP_TEST_DATA_DIR) / "aws4_testsuite";

// The fixed context of the suite, as stated in its CONTEXT.md.
struct suite_context {
  credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  std::string region = "us-east-1";
  std::string service = "service";
  time_point now = parse_amz_date("20150830T123600Z");
};

struct suite_case {
  std::string name;     // path relative to the suite, e.g. "normalize-path/get-slash"
  fs::path dir;
  fs::path stem;        // dir / folder-name, to which the extensions are appended
};

std::vector<suite_case> discover() {
  std::vector<suite_case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(suite_dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".req") continue;
    const fs::path dir = entry.path().parent_path();
    cases.push_back({fs::relative(dir, suite_dir).generic_string(), dir, dir / entry.path().stem()});
  }
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return cases;
}

std::string file_with(const suite_case& c, const char* ext) {
  fs::path p = c.stem;
  p += ext;
  return read_file(p);
}

// Reference files carry no trailing newline, but an editor may add one.
std::string strip_final_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The post-sts-token readme gives the token on the line after the one that introduces it.
std::string readme_token(const fs::path& readme) {
  const std::string text = read_file(readme);
  const std::string intro = "X-Amz-Security-Token:";
  std::size_t at = text.rfind(intro);
  if (at == std::string::npos) throw std::runtime_error("no token in " + readme.string());
  at += intro.size();
  std::istringstream rest(text.substr(at));
  std::string line;
  while (std::getline(rest, line)) {
    line = trim_ows(line);
    if (!line.empty()) return line;
  }
  throw std::runtime_error("no token in " + readme.string());
}

// Finds the session token a case is signed with, and whether it is signed: from the readme
// of an enclosing post-sts-token folder ("header-after" cases add it unsigned), else from a
// X-Amz-Security-Token that the .sreq has and the .req has not (get-vanilla-with-session-token).
void apply_token(const suite_case& c, const raw_request& req, const raw_request& sreq, credentials& creds,
                 sigv4::signing_options& options) {
  for (fs::path d = c.dir; fs::relative(d, suite_dir) != "."; d = d.parent_path()) {
    if (fs::exists(d / "readme.txt") && d.filename() == "post-sts-token") {
      creds.session_token = readme_token(d / "readme.txt");
      options.sign_session_token = c.name.find("header-after") == std::string::npos;
      return;
    }
  }
  auto has_token = [](const raw_request& r) {
    return std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
      std::string n = h.first;
      for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return n == "x-amz-security-token";
    });
  };
  if (!has_token(req) && has_token(sreq)) {
    for (const auto& [name, value] : sreq.headers) {
      std::string n = name;
      for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (n == "x-amz-security-token") creds.session_token = value;
    }
  }
}

std::string header_value(const http_request& r, std::string_view name) {
  const auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(aws4_testsuite)

BOOST_AUTO_TEST_CASE(every_case_signs_step_by_step) {
  BOOST_TEST_REQUIRE(fs::is_directory(suite_dir), "missing " << suite_dir);
  const std::vector<suite_case> cases = discover();
  BOOST_TEST_REQUIRE(!cases.empty(), "no .req files under " << suite_dir);
  std::size_t checked_sreq = 0;
  for (const suite_case& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      for (const char* ext : {".creq", ".sts", ".authz", ".sreq"}) {
        fs::path p = c.stem;
        p += ext;
        BOOST_TEST_REQUIRE(fs::exists(p), "case file missing: " << p);
      }
      suite_context ctx;
      const raw_request raw = parse_raw_request(file_with(c, ".req"));
      const raw_request raw_signed = parse_raw_request(file_with(c, ".sreq"));
      sigv4::signing_options options;
      apply_token(c, raw, raw_signed, ctx.creds, options);

      http_request req = to_http_request(raw);
      const sigv4::signing_steps steps = sigv4::sign(req, ctx.creds, ctx.region, ctx.service, ctx.now, options);

      const std::string want_creq = strip_final_newline(file_with(c, ".creq"));
      const std::string want_sts = strip_final_newline(file_with(c, ".sts"));
      const std::string want_authz = strip_final_newline(file_with(c, ".authz"));
      BOOST_TEST(steps.canonical_request == want_creq);
      BOOST_TEST(steps.string_to_sign == want_sts);
      BOOST_TEST(steps.authorization == want_authz);
      BOOST_TEST(steps.amz_date == "20150830T123600Z");
      BOOST_TEST(want_authz.ends_with("Signature=" + steps.signature));
      BOOST_TEST(header_value(req, "Authorization") == steps.authorization);
      // What was signed can be recovered from the signed request alone.
      BOOST_TEST(sigv4::canonical_request(req) == want_creq);

      // The signed request: same line, body and headers as the suite's .sreq. Its
      // Authorization is trusted only where the suite agrees with itself (one upstream case,
      // get-vanilla-with-session-token, carries another case's signature in its .sreq).
      BOOST_TEST(std::string(req.method_string()) == raw_signed.method);
      BOOST_TEST(std::string(req.target()) == raw_signed.target);
      BOOST_TEST(req.body() == raw_signed.body);
      http_request want = to_http_request(raw_signed);
      const std::string sreq_authz = header_value(want, "Authorization");
      if (sreq_authz != want_authz) {
        BOOST_TEST_MESSAGE("note: " << c.name << ".sreq disagrees with its .authz; comparing all other headers");
        want.set("Authorization", want_authz);
      } else {
        ++checked_sreq;
      }
      BOOST_TEST(header_set(req) == header_set(want), "signed headers differ from " << c.name << ".sreq");
    }
  }
  BOOST_TEST(checked_sreq > 0u);
  BOOST_TEST_MESSAGE(cases.size() << " suite cases checked");
}

BOOST_AUTO_TEST_CASE(signing_again_gives_the_same_request) {
  // A retry re-signs the same request: the result must not depend on an earlier signature.
  for (const suite_case& c : discover()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      suite_context ctx;
      http_request req = to_http_request(parse_raw_request(file_with(c, ".req")));
      const auto first = sigv4::sign(req, ctx.creds, ctx.region, ctx.service, ctx.now, {});
      const auto headers_after_first = header_set(req);
      const auto second = sigv4::sign(req, ctx.creds, ctx.region, ctx.service, ctx.now, {});
      BOOST_TEST(first.authorization == second.authorization);
      BOOST_TEST(header_set(req) == headers_after_first);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
