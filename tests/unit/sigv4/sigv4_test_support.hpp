// Helpers shared by the SigV4 unit tests: reading the AWS suite's raw HTTP files into requests.
#pragma once

#include <awsmp/sigv4.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace awsmp::test_sigv4 {

/// A request as written in a .req/.sreq file: headers kept in order, duplicates kept.
struct raw_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return std::string(v);
}

/// Parses "METHOD TARGET HTTP/1.1", "Name:value" lines (a line starting with whitespace
/// continues the previous value, kept with its line break), a blank line, then the body.
inline raw_request parse_raw_request(std::string_view text) {
  raw_request r;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos > text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) throw std::runtime_error("empty request file");
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || last == first) throw std::runtime_error("bad request line");
  r.method = std::string(line.substr(0, first));
  r.target = std::string(line.substr(first + 1, last - first - 1));  // a target may contain spaces
  while (next_line(line)) {
    if (line.empty()) {
      if (pos <= text.size()) r.body = std::string(text.substr(pos));
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !r.headers.empty()) {
      r.headers.back().second += '\n';
      r.headers.back().second += std::string(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("bad header line");
    r.headers.emplace_back(std::string(line.substr(0, colon)), trim_ows(line.substr(colon + 1)));
  }
  return r;
}

inline http_request to_http_request(const raw_request& raw) {
  http_request req;
  req.method_string(raw.method);
  req.target(raw.target);
  for (const auto& [name, value] : raw.headers) req.insert(name, value);
  req.body() = raw.body;
  return req;
}

/// The request's headers as "name: value" lines sorted by lower-case name (repeated headers
/// keep their order), for order-free comparison with readable failures.
inline std::string header_set(const http_request& req) {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    all.emplace_back(std::move(name), std::string(f.value()));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [name, value] : all) out += name + ": " + value + "\n";
  return out;
}

/// Parses "YYYYMMDDTHHMMSSZ" into a time_point; throws std::runtime_error when malformed.
inline time_point parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') throw std::runtime_error("bad amz date");
  auto num = [&](std::size_t at, std::size_t n) { return std::stoi(std::string(s.substr(at, n))); };
  using namespace std::chrono;
  const year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(4, 2))},
                           day{static_cast<unsigned>(num(6, 2))}};
  if (!ymd.ok()) throw std::runtime_error("bad amz date");
  return sys_days{ymd} + hours{num(9, 2)} + minutes{num(11, 2)} + seconds{num(13, 2)};
}

}  // namespace awsmp::test_sigv4
