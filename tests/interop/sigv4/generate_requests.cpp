// Differential test, C++ side: generates random requests from a fixed seed, signs each with
// awsmp::sigv4, and writes one JSON object per line with the request as built (before signing),
// the ground truth the request was built from (decoded query pairs) and awsmp's results.
// compare_botocore.py signs the same requests with botocore and compares byte for byte.
//
// Usage: sigv4_interop_generate <count> <seed>
#include <awsmp/sigv4.hpp>

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace json = boost::json;
using namespace std::chrono;

namespace {

std::mt19937_64 rng;

std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }
bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }
template <class T, std::size_t N>
const T& one_of(const std::array<T, N>& a) { return a[pick(N)]; }

constexpr std::string_view unreserved_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
// Non-ASCII text as UTF-8: 2-, 3- and 4-byte sequences.
constexpr std::array<std::string_view, 5> non_ascii = {"\xC3\xA9", "\xE1\x88\xB4", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                                       "\xE6\x97\xA5\xE6\x9C\xAC"};

std::string random_word(std::size_t max_len) {
  std::string s;
  const std::size_t n = 1 + pick(max_len);
  for (std::size_t i = 0; i < n; ++i) s += unreserved_chars[pick(unreserved_chars.size())];
  return s;
}

// ---- path: raw as it goes on the request line (valid UTF-8, no space, '?' or '#').
std::string random_segment() {
  static constexpr std::array<std::string_view, 12> specials = {
      "!$&'()*+,;=:@", "%20", "%2F", "%41%42", "%e1%88%b4", "%zz", "[x]", "{y}|^`", "a\"b<c>", "\\", "%", "~user"};
  switch (pick(8)) {
    case 0: return "";
    case 1: return ".";
    case 2: return "..";
    case 3: return std::string(one_of(specials));
    case 4: return std::string(one_of(non_ascii)) + random_word(3);
    case 5: return random_word(4) + std::string(one_of(specials)) + random_word(2);
    default: return random_word(12);
  }
}

std::string random_path() {
  std::string path;
  const std::size_t n = pick(6);
  std::string last;
  for (std::size_t i = 0; i < n; ++i) {
    last = random_segment();
    path += '/';
    path += last;
  }
  // botocore drops the trailing slash that RFC 3986 keeps after a final "." or ".." (see
  // docs/sigv4.md); both agree when the path ends in "/", so such paths always do here.
  if (path.empty() || chance(25) || last == "." || last == "..") path += '/';
  return path;
}

// ---- query: decoded pairs (the truth) and the target's encoding of them, in random styles.
std::string random_query_text(bool allow_empty) {
  static constexpr std::array<std::string_view, 10> pieces = {" ", "+", "=", "&", "%", "/", "?", "#", "!*'();:@,$",
                                                               "a b"};
  if (allow_empty && chance(20)) return "";
  std::string s;
  const std::size_t parts = 1 + pick(3);
  for (std::size_t i = 0; i < parts; ++i) {
    switch (pick(4)) {
      case 0: s += one_of(pieces); break;
      case 1: s += one_of(non_ascii); break;
      default: s += random_word(6); break;
    }
  }
  return s;
}

void append_query_encoded(std::string& out, std::string_view text, bool is_key) {
  static constexpr std::string_view hex_upper = "0123456789ABCDEF";
  static constexpr std::string_view hex_lower = "0123456789abcdef";
  // Characters that may stay raw in a query component (RFC 3986 pchar / "?"), except the
  // ones that delimit pairs ('&'), keys ('=' in a key) or the fragment ('#').
  static constexpr std::string_view raw_ok = "!$'()*+,;:@/?";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = unreserved_chars.find(c) != std::string_view::npos;
    const bool may_be_raw = unreserved || raw_ok.find(c) != std::string_view::npos || (!is_key && c == '=');
    if (may_be_raw && (unreserved ? !chance(15) : chance(50))) {
      out += c;
    } else {
      const std::string_view hex = chance(30) ? hex_lower : hex_upper;
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    }
  }
}

// ---- headers: repeated names in different cases, whitespace runs, folded lines.
std::string random_header_value() {
  static constexpr std::array<std::string_view, 6> spaces = {" ", "  ", "\t", " \t ", "   ", "\r\n "};
  if (chance(8)) return "";
  if (chance(5)) return "  \t ";
  std::string v;
  if (chance(40)) v += one_of(spaces);
  const std::size_t words = 1 + pick(4);
  for (std::size_t i = 0; i < words; ++i) {
    if (i != 0) v += chance(20) ? std::string(one_of(spaces)) : " ";
    std::string w = random_word(8);
    if (chance(30)) w += one_of(std::array<std::string_view, 6>{"\"", ",", ";", "=", "/", ":"});
    v += w;
  }
  if (chance(40)) v += one_of(std::array<std::string_view, 3>{" ", "\t", "  \t"});
  return v;
}

std::string random_case(std::string_view name) {
  std::string s(name);
  for (char& c : s) {
    if (c >= 'a' && c <= 'z' && chance(40)) c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string hex_of(std::string_view bytes) {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += hex[static_cast<unsigned char>(c) >> 4];
    out += hex[static_cast<unsigned char>(c) & 0x0f];
  }
  return out;
}

// ---- signing times: boundaries of days, months, years (leap days too), and arbitrary times.
awsmp::time_point random_time() {
  static constexpr std::array<year_month_day, 8> boundaries = {
      2025y / December / 31, 2026y / January / 31, 2024y / February / 29, 2023y / February / 28,
      2026y / June / 30,     1999y / December / 31, 2026y / November / 25, 2030y / April / 30};
  if (chance(70)) {
    // Within three seconds of the midnight after a boundary day.
    const auto midnight = sys_days{one_of(boundaries)} + days{1};
    return midnight + seconds{static_cast<long>(pick(7)) - 3} + milliseconds{static_cast<long>(pick(1000))};
  }
  // Anything from 1971 to 2099.
  const auto from = sys_days{1971y / January / 1};
  const auto span = duration_cast<seconds>(sys_days{2099y / December / 31} - from).count();
  return from + seconds{static_cast<long>(pick(static_cast<std::size_t>(span)))};
}

std::string random_secret() {
  static constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (int i = 0; i < 40; ++i) s += b64[pick(b64.size())];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::stoul(argv[1]) : 300;
  rng.seed(argc > 2 ? std::stoull(argv[2]) : 20260115);

  static constexpr std::array<std::string_view, 7> methods = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"};
  static constexpr std::array<std::string_view, 4> hosts = {
      "example.amazonaws.com", "metering.marketplace.us-east-1.amazonaws.com", "localhost:8443", "127.0.0.1:9000"};
  static constexpr std::array<std::string_view, 5> regions = {"us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2",
                                                              "cn-north-1"};
  static constexpr std::array<std::string_view, 4> services = {"aws-marketplace", "dynamodb", "execute-api", "sts"};
  static constexpr std::array<std::string_view, 9> header_names = {
      "x-custom", "my-header1", "content-type", "x-amz-target", "accept", "x-amz-meta-data", "user-agent",
      "x-amzn-trace-id", "x-dup"};

  for (std::size_t n = 0; n < count; ++n) {
    awsmp::http_request req;
    req.method_string(one_of(methods));

    std::string target = random_path();
    json::array query_truth;
    const std::size_t pairs = pick(7);
    if (pairs > 0 || chance(5)) target += '?';
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < pairs; ++i) {
      std::string key = (!keys.empty() && chance(30)) ? keys[pick(keys.size())] : random_query_text(false);
      keys.push_back(key);
      std::string value = random_query_text(true);
      if (i != 0) target += '&';
      append_query_encoded(target, key, true);
      if (!value.empty() || chance(50)) {  // an empty value is written "k=" or just "k"
        target += '=';
        append_query_encoded(target, value, false);
      }
      query_truth.push_back(json::array{json::string(key), json::string(value)});
    }
    req.target(target);

    json::array headers;
    auto add_header = [&](std::string name, std::string value) {
      req.insert(name, value);
      headers.push_back(json::array{json::string(name), json::string(value)});
    };
    add_header(chance(50) ? "Host" : "host", std::string(one_of(hosts)));
    const std::size_t extra = pick(7);
    for (std::size_t i = 0; i < extra; ++i)
      add_header(random_case(one_of(header_names)), random_header_value());
    if (chance(5)) add_header("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");

    switch (pick(4)) {
      case 0: break;
      case 1: {
        std::string body;
        const std::size_t len = pick(4096);
        for (std::size_t i = 0; i < len; ++i) body += static_cast<char>(pick(256));
        req.body() = body;
        break;
      }
      default:
        req.body() = R"({"ProductCode":")" + random_word(20) + R"(","UsageRecords":[]})";
        break;
    }

    awsmp::credentials creds;
    creds.access_key_id = "AKIA" + random_word(16);
    creds.secret_access_key = random_secret();
    if (chance(50)) creds.session_token = random_secret() + random_secret() + "==";
    const std::string region(one_of(regions));
    const std::string service(one_of(services));
    const awsmp::time_point when = random_time();

    json::object rec;
    rec["index"] = n;
    rec["method"] = std::string(req.method_string());
    rec["target"] = target;
    rec["path"] = target.substr(0, target.find('?'));
    rec["query"] = std::move(query_truth);
    rec["headers"] = std::move(headers);
    rec["body_hex"] = hex_of(req.body());
    rec["access_key_id"] = creds.access_key_id;
    rec["secret_access_key"] = creds.secret_access_key;
    rec["session_token"] = creds.session_token;
    rec["region"] = region;
    rec["service"] = service;
    rec["epoch_seconds"] = duration_cast<seconds>(floor<seconds>(when).time_since_epoch()).count();

    const awsmp::sigv4::signing_steps steps = awsmp::sigv4::sign(req, creds, region, service, when, {});
    rec["canonical_request"] = steps.canonical_request;
    rec["amz_date"] = steps.amz_date;
    rec["authorization"] = steps.authorization;
    const auto token = req.find("X-Amz-Security-Token");
    rec["signed_token"] = token == req.end() ? std::string() : std::string(token->value());
    std::cout << json::serialize(rec) << '\n';
  }
  return 0;
}
