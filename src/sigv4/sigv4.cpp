// SigV4 canonicalisation and signing. Everything here is pure: the date is a parameter and no
// I/O happens. The hot path reuses per-thread buffers so that a signature with a cached key
// allocates only the header values it adds to the request.
#include <algorithm>
#include <array>
#include <awsmp/error.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/crypto.hpp"
#include "core/throw.hpp"

namespace awsmp::sigv4 {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view scope_terminator = "aws4_request";
constexpr std::string_view amz_date_header = "X-Amz-Date";
constexpr std::string_view security_token_header = "X-Amz-Security-Token";
constexpr std::string_view content_sha256_header = "X-Amz-Content-SHA256";
constexpr std::size_t amz_date_size = 16;  // YYYYMMDDTHHMMSSZ

constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : {'-', '.', '_', '~'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> unreserved = make_unreserved();
constexpr char upper_hex[] = "0123456789ABCDEF";

// Headers that intermediaries may add, drop or rewrite on the way (hop-by-hop headers, and
// the ones proxies and tracing rewrite), so signing them would make valid requests fail. The
// same list as botocore, so that both sign the same set; authorization is the signature itself.
constexpr std::array<std::string_view, 12> unsigned_headers = {"authorization",
                                                               "connection",
                                                               "expect",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "x-amzn-trace-id"};

bool is_unsigned_header(std::string_view lower_name) noexcept {
  return std::find(unsigned_headers.begin(), unsigned_headers.end(), lower_name) != unsigned_headers.end();
}

// HTTP's optional whitespace plus the line-break characters of obsolete folded values.
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_encoded_byte(std::string& out, unsigned char c) {
  if (unreserved[c]) {
    out.push_back(static_cast<char>(c));
  } else {
    const char buf[3] = {'%', upper_hex[c >> 4], upper_hex[c & 0x0f]};
    out.append(buf, 3);
  }
}

void append_encoded(std::string& out, std::string_view raw) {
  for (char c : raw) append_encoded_byte(out, static_cast<unsigned char>(c));
}

// Decodes %XX escapes only: '+' stays a plus (SigV4 encodes spaces as %20, never '+'), and a
// '%' that does not start a valid escape is kept literally (and so signed as %25).
void append_decoded_then_encoded(std::string& out, std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (c == '%' && i + 2 < raw.size()) {
      const int hi = hex_value(raw[i + 1]);
      const int lo = hex_value(raw[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<unsigned char>(hi * 16 + lo);
        i += 2;
      }
    }
    append_encoded_byte(out, c);
  }
}

// Trimall: leading and trailing whitespace removed, each inner run folded to one space.
void append_trimmed(std::string& out, std::string_view v) {
  std::size_t i = 0;
  std::size_t n = v.size();
  while (i < n && is_space(v[i])) ++i;
  while (n > i && is_space(v[n - 1])) --n;
  while (i < n) {
    std::size_t run = i;
    while (run < n && !is_space(v[run])) ++run;
    out.append(v.data() + i, run - i);
    if (run == n) break;
    out.push_back(' ');
    i = run;
    while (i < n && is_space(v[i])) ++i;
  }
}

std::string_view trimmed_view(std::string_view v) noexcept {
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  return v;
}

struct header_entry {
  std::uint32_t name_offset;
  std::uint32_t name_size;
  std::string_view value;
};

struct query_pair {
  std::uint32_t key_offset;
  std::uint32_t key_size;
  std::uint32_t value_offset;
  std::uint32_t value_size;
};

// Per-thread buffers: their capacity survives between signatures, so steady-state signing
// does not allocate for canonicalisation.
struct scratch {
  std::string names;
  std::vector<header_entry> headers;
  std::string query;
  std::vector<query_pair> pairs;
  std::vector<std::string_view> segments;
  std::string canonical;
  std::string signed_headers;
  std::string string_to_sign;
  std::string payload_hash;
  std::string authorization;
};

scratch& local_scratch() {
  thread_local scratch s;
  return s;
}

void append_canonical_uri(std::string& out, std::vector<std::string_view>& segments, std::string_view path,
                          bool normalize, bool encode) {
  if (!normalize) {
    if (path.empty()) {
      out.push_back('/');
    } else if (!encode) {
      out.append(path);
    } else {
      for (char c : path) {
        if (c == '/')
          out.push_back('/');
        else
          append_encoded_byte(out, static_cast<unsigned char>(c));
      }
    }
    return;
  }
  segments.clear();
  bool trailing_slash = false;
  std::size_t pos = 0;
  for (;;) {
    std::size_t end = path.find('/', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = path.size();
    const std::string_view segment = path.substr(pos, end - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (last) {
      // RFC 3986 5.2.4: a path ending in "/", "/." or "/.." names a directory.
      trailing_slash = segment.empty() || segment == "." || segment == "..";
      break;
    }
    pos = end + 1;
  }
  out.push_back('/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i != 0) out.push_back('/');
    if (encode)
      append_encoded(out, segments[i]);
    else
      out.append(segments[i]);
  }
  if (trailing_slash && !segments.empty()) out.push_back('/');
}

void append_canonical_query(std::string& out, scratch& s, std::string_view query) {
  s.query.clear();
  s.pairs.clear();
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;  // "a=1&&b=2": an empty pair carries no parameter
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    query_pair p{};
    p.key_offset = static_cast<std::uint32_t>(s.query.size());
    append_decoded_then_encoded(s.query, key);
    p.key_size = static_cast<std::uint32_t>(s.query.size() - p.key_offset);
    p.value_offset = static_cast<std::uint32_t>(s.query.size());
    append_decoded_then_encoded(s.query, value);
    p.value_size = static_cast<std::uint32_t>(s.query.size() - p.value_offset);
    s.pairs.push_back(p);
  }
  const std::string_view buf = s.query;
  // Sorted by the encoded bytes, as the specification says, not by the decoded text.
  std::sort(s.pairs.begin(), s.pairs.end(), [buf](const query_pair& a, const query_pair& b) {
    const std::string_view ka = buf.substr(a.key_offset, a.key_size);
    const std::string_view kb = buf.substr(b.key_offset, b.key_size);
    if (ka != kb) return ka < kb;
    return buf.substr(a.value_offset, a.value_size) < buf.substr(b.value_offset, b.value_size);
  });
  for (std::size_t i = 0; i < s.pairs.size(); ++i) {
    if (i != 0) out.push_back('&');
    const query_pair& p = s.pairs[i];
    out.append(buf.substr(p.key_offset, p.key_size));
    out.push_back('=');
    out.append(buf.substr(p.value_offset, p.value_size));
  }
}

bool in_signed_list(std::string_view list, std::string_view name) noexcept {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t end = list.find(';', pos);
    if (end == std::string_view::npos) end = list.size();
    if (trimmed_view(list.substr(pos, end - pos)) == name) return true;
    pos = end + 1;
  }
  return false;
}

// Appends the canonical headers block (each "name:value\n") to `out` and the signed header
// list to `s.signed_headers`. With `only` set, exactly the names in that ';' list are used.
void append_canonical_headers(std::string& out, scratch& s, const http_request& request,
                              const std::string_view* only) {
  s.names.clear();
  s.headers.clear();
  for (const auto& field : request) {
    const std::string_view name = field.name_string();
    const auto offset = static_cast<std::uint32_t>(s.names.size());
    for (char c : name) s.names.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c);
    const std::string_view lower = std::string_view(s.names).substr(offset);
    const bool wanted = only != nullptr ? in_signed_list(*only, lower) : !is_unsigned_header(lower);
    if (!wanted) {
      s.names.resize(offset);
      continue;
    }
    s.headers.push_back({offset, static_cast<std::uint32_t>(name.size()), field.value()});
  }
  const std::string_view names = s.names;
  auto name_of = [names](const header_entry& e) { return names.substr(e.name_offset, e.name_size); };
  // Insertion sort: stable (repeated headers keep their order, which is signed) and, for the
  // handful of headers a request has, faster than std::stable_sort's buffer allocation.
  for (std::size_t i = 1; i < s.headers.size(); ++i) {
    header_entry e = s.headers[i];
    std::size_t j = i;
    while (j > 0 && name_of(e) < name_of(s.headers[j - 1])) {
      s.headers[j] = s.headers[j - 1];
      --j;
    }
    s.headers[j] = e;
  }
  s.signed_headers.clear();
  for (std::size_t i = 0; i < s.headers.size();) {
    const std::string_view name = name_of(s.headers[i]);
    if (!s.signed_headers.empty()) s.signed_headers.push_back(';');
    s.signed_headers.append(name);
    out.append(name);
    out.push_back(':');
    append_trimmed(out, s.headers[i].value);
    std::size_t j = i + 1;
    for (; j < s.headers.size() && name_of(s.headers[j]) == name; ++j) {
      out.push_back(',');
      append_trimmed(out, s.headers[j].value);
    }
    out.push_back('\n');
    i = j;
  }
}

void compute_payload_hash(std::string& out, const http_request& request) {
  out.clear();
  if (const auto it = request.find(content_sha256_header); it != request.end()) {
    out.append(trimmed_view(it->value()));
    return;
  }
  detail::append_hex(out, detail::sha256(request.body()));
}

// Builds the canonical request into s.canonical (and s.signed_headers).
void build_canonical_request(scratch& s, const http_request& request, std::string_view payload_hash,
                             bool normalize_path, bool encode_path, const std::string_view* only) {
  std::string& out = s.canonical;
  out.clear();
  out.append(request.method_string());
  out.push_back('\n');
  const std::string_view target = request.target();
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  append_canonical_uri(out, s.segments, path, normalize_path, encode_path);
  out.push_back('\n');
  if (q != std::string_view::npos) append_canonical_query(out, s, target.substr(q + 1));
  out.push_back('\n');
  append_canonical_headers(out, s, request, only);
  out.push_back('\n');
  out.append(s.signed_headers);
  out.push_back('\n');
  out.append(payload_hash);
}

void format_amz_date(char (&buf)[amz_date_size], time_point now) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(now);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const int y = static_cast<int>(ymd.year());
  if (y < 1 || y > 9999)
    detail::throw_invalid_argument("now", "the signing time must be within the years 1 to 9999");
  const hh_mm_ss<seconds> tod{secs - day};
  auto put = [&buf](std::size_t at, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, y, 4);
  put(4, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  put(6, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  buf[8] = 'T';
  put(9, static_cast<int>(tod.hours().count()), 2);
  put(11, static_cast<int>(tod.minutes().count()), 2);
  put(13, static_cast<int>(tod.seconds().count()), 2);
  buf[15] = 'Z';
}

// Region and service become part of the Authorization header and the key derivation: only
// the characters AWS uses in them, so that nothing can inject into the header.
void check_scope_part(std::string_view field, std::string_view value) {
  if (value.empty()) detail::throw_invalid_argument(field, "must not be empty");
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) detail::throw_invalid_argument(field, "may contain only letters, digits, '-', '_' and '.'");
  }
}

// Messages name the field and the rule, never the value: these are secrets or near-secrets.
void check_inputs(const credentials& creds, std::string_view region, std::string_view service) {
  if (creds.access_key_id.empty())
    detail::throw_invalid_argument("credentials.access_key_id", "must not be empty");
  for (char c : creds.access_key_id) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == ',' || c == ';' || c == '=')
      detail::throw_invalid_argument("credentials.access_key_id",
                                     "must be printable ASCII without spaces, '/', ',', ';' or '='");
  }
  if (creds.secret_access_key.empty())
    detail::throw_invalid_argument("credentials.secret_access_key", "must not be empty");
  for (char c : creds.session_token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      detail::throw_invalid_argument("credentials.session_token", "must be printable ASCII without spaces");
  }
  check_scope_part("region", region);
  check_scope_part("service", service);
}

void append_scope(std::string& out, std::string_view yyyymmdd, std::string_view region,
                  std::string_view service) {
  out.append(yyyymmdd);
  out.push_back('/');
  out.append(region);
  out.push_back('/');
  out.append(service);
  out.push_back('/');
  out.append(scope_terminator);
}

// RFC 9110 token: 1*tchar.
bool is_http_token(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const unsigned char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// The one signing routine behind every public sign(): `cache` may be null, `steps` may be null.
void sign_impl(http_request& request, const credentials& creds, std::string_view region,
               std::string_view service, time_point now, const signing_options& options,
               signing_key_cache* cache, signing_steps* steps) {
  check_inputs(creds, region, service);
  char date_buf[amz_date_size];
  format_amz_date(date_buf, now);
  const std::string_view date(date_buf, amz_date_size);
  const std::string_view day = date.substr(0, 8);
  if (request.find(http::field::host) == request.end())
    detail::throw_invalid_argument("request.Host",
                                   "required: SigV4 signs the Host header, so set it before signing");
  // Requests that cannot be canonicalised the same way by a verifier are refused rather than
  // signed: a target not in origin form, or a header name that is not an HTTP token (its
  // SignedHeaders entry could not be parsed back). Found by fuzzing; awsmp builds neither.
  const auto target = request.target();
  if (target.empty() || target.front() != '/')
    detail::throw_invalid_argument("request target", "must start with '/' (origin form)");
  for (const auto& field : request)
    if (!is_http_token(field.name_string()))
      detail::throw_invalid_argument("request header name", "must be an HTTP token (RFC 9110 tchar)");

  // A retry re-signs the same request: drop what an earlier signature added.
  request.erase(http::field::authorization);
  request.erase(amz_date_header);
  request.erase(security_token_header);
  request.set(amz_date_header, date);
  const bool has_token = !creds.session_token.empty();
  if (has_token && options.sign_session_token) request.set(security_token_header, creds.session_token);

  scratch& s = local_scratch();
  compute_payload_hash(s.payload_hash, request);
  if (options.add_content_sha256 && request.find(content_sha256_header) == request.end())
    request.set(content_sha256_header, s.payload_hash);

  build_canonical_request(s, request, s.payload_hash, options.normalize_path, options.encode_path, nullptr);

  s.string_to_sign.clear();
  s.string_to_sign.append(algorithm);
  s.string_to_sign.push_back('\n');
  s.string_to_sign.append(date);
  s.string_to_sign.push_back('\n');
  append_scope(s.string_to_sign, day, region, service);
  s.string_to_sign.push_back('\n');
  detail::append_hex(s.string_to_sign, detail::sha256(s.canonical));

  std::array<std::uint8_t, 32> key = cache != nullptr
                                         ? cache->get(creds.secret_access_key, day, region, service)
                                         : derive_signing_key(creds.secret_access_key, day, region, service);
  const detail::sha256_digest signature = detail::hmac_sha256(key, s.string_to_sign);
  detail::secure_wipe(key.data(), key.size());

  s.authorization.clear();
  s.authorization.append(algorithm);
  s.authorization.append(" Credential=");
  s.authorization.append(creds.access_key_id);
  s.authorization.push_back('/');
  append_scope(s.authorization, day, region, service);
  s.authorization.append(", SignedHeaders=");
  s.authorization.append(s.signed_headers);
  s.authorization.append(", Signature=");
  const std::size_t signature_offset = s.authorization.size();
  detail::append_hex(s.authorization, signature);

  if (has_token && !options.sign_session_token) request.set(security_token_header, creds.session_token);
  request.set(http::field::authorization, s.authorization);

  if (steps != nullptr) {
    steps->canonical_request = s.canonical;
    steps->string_to_sign = s.string_to_sign;
    steps->signature = s.authorization.substr(signature_offset);
    steps->authorization = s.authorization;
    steps->amz_date = std::string(date);
  }
}

}  // namespace

std::string canonical_uri(std::string_view path, bool normalize) {
  std::string out;
  std::vector<std::string_view> segments;
  append_canonical_uri(out, segments, path, normalize, true);
  return out;
}

std::string canonical_query_string(std::string_view query) {
  std::string out;
  scratch s;
  append_canonical_query(out, s, query);
  return out;
}

std::string amz_date(time_point now) {
  char buf[amz_date_size];
  format_amz_date(buf, now);
  return std::string(buf, amz_date_size);
}

std::string canonical_request(const http_request& request) {
  scratch s;
  compute_payload_hash(s.payload_hash, request);
  std::string_view signed_list;
  bool have_list = false;
  if (const auto it = request.find(http::field::authorization); it != request.end()) {
    const std::string_view auth = it->value();
    constexpr std::string_view marker = "SignedHeaders=";
    if (const std::size_t at = auth.find(marker); at != std::string_view::npos) {
      signed_list = auth.substr(at + marker.size());
      signed_list = signed_list.substr(0, signed_list.find(','));
      have_list = true;
    }
  }
  build_canonical_request(s, request, s.payload_hash, true, true, have_list ? &signed_list : nullptr);
  return std::move(s.canonical);
}

std::array<std::uint8_t, 32> derive_signing_key(std::string_view secret_access_key, std::string_view yyyymmdd,
                                                std::string_view region, std::string_view service) {
  std::string k_secret;
  k_secret.reserve(4 + secret_access_key.size());
  k_secret.append("AWS4");
  k_secret.append(secret_access_key);
  detail::sha256_digest k = detail::hmac_sha256(std::string_view(k_secret), yyyymmdd);
  detail::secure_wipe(k_secret);
  k = detail::hmac_sha256(k, region);
  k = detail::hmac_sha256(k, service);
  detail::sha256_digest signing_key = detail::hmac_sha256(k, scope_terminator);
  detail::secure_wipe(k.data(), k.size());
  return signing_key;
}

void sign(http_request& request, const credentials& creds, std::string_view region, std::string_view service,
          time_point now) {
  sign_impl(request, creds, region, service, now, signing_options{}, nullptr, nullptr);
}

signing_steps sign(http_request& request, const credentials& creds, std::string_view region,
                   std::string_view service, time_point now, const signing_options& options) {
  signing_steps steps;
  sign_impl(request, creds, region, service, now, options, nullptr, &steps);
  return steps;
}

signing_steps sign(http_request& request, const credentials& creds, std::string_view region,
                   std::string_view service, time_point now, const signing_options& options,
                   signing_key_cache& cache) {
  signing_steps steps;
  sign_impl(request, creds, region, service, now, options, &cache, &steps);
  return steps;
}

void sign(http_request& request, const credentials& creds, std::string_view region, std::string_view service,
          time_point now, signing_key_cache& cache) {
  sign_impl(request, creds, region, service, now, signing_options{}, &cache, nullptr);
}

// ---- signing_key_cache

struct signing_key_cache::impl {
  struct entry {
    std::string secret;
    std::string day;
    std::string region;
    std::string service;
    std::array<std::uint8_t, 32> key{};
    std::uint64_t last_used = 0;

    void wipe() noexcept {
      detail::secure_wipe(secret);
      detail::secure_wipe(key.data(), key.size());
    }
  };

  explicit impl(std::size_t cap) : capacity(cap == 0 ? 1 : cap) {}
  ~impl() {
    for (entry& e : entries) e.wipe();
  }

  // Derivation happens under the lock: it costs four HMACs once per key and day, and holding
  // the lock guarantees one derivation per distinct tuple even under concurrent misses.
  std::mutex mutex;
  std::vector<entry> entries;
  std::size_t capacity;
  std::uint64_t tick = 0;
  std::uint64_t derivations = 0;
};

signing_key_cache::signing_key_cache() : signing_key_cache(16) {}

signing_key_cache::signing_key_cache(std::size_t capacity) : impl_(std::make_unique<impl>(capacity)) {}

signing_key_cache::~signing_key_cache() = default;

std::array<std::uint8_t, 32> signing_key_cache::get(std::string_view secret_access_key,
                                                    std::string_view yyyymmdd, std::string_view region,
                                                    std::string_view service) {
  std::lock_guard lock(impl_->mutex);
  for (impl::entry& e : impl_->entries) {
    if (e.day == yyyymmdd && e.region == region && e.service == service &&
        detail::constant_time_equal(e.secret, secret_access_key)) {
      e.last_used = ++impl_->tick;
      return e.key;
    }
  }
  const std::array<std::uint8_t, 32> key = derive_signing_key(secret_access_key, yyyymmdd, region, service);
  impl::entry* slot = nullptr;
  if (impl_->entries.size() < impl_->capacity) {
    slot = &impl_->entries.emplace_back();
  } else {
    slot = &*std::min_element(
        impl_->entries.begin(), impl_->entries.end(),
        [](const impl::entry& a, const impl::entry& b) { return a.last_used < b.last_used; });
    slot->wipe();
  }
  slot->key = key;
  slot->secret.assign(secret_access_key);
  slot->day.assign(yyyymmdd);
  slot->region.assign(region);
  slot->service.assign(service);
  slot->last_used = ++impl_->tick;
  ++impl_->derivations;
  return slot->key;
}

std::uint64_t signing_key_cache::derivations() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->derivations;
}

}  // namespace awsmp::sigv4
