// A strict parser of the Prometheus text exposition format 0.0.4, written from the format's
// spec ("Exposition formats", Text format details: https://prometheus.io/docs/instrumenting/
// exposition_formats/) to check prometheus_text's output; prometheus_client (Python) is not
// installed on the build machines, so this parser is the test's oracle. It throws
// std::runtime_error("line N: why") at the first rule broken. One liberty, on the strict side:
// tokens must be separated by exactly one space (the spec also allows runs of blanks and tabs),
// which is the only form awsmp writes.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::test::prom {

/// One sample line.
struct sample {
  std::string name;
  std::map<std::string, std::string> labels;  ///< unescaped values
  std::string raw_value;                      ///< the value token as written
  double value = 0;
};

/// A metric family: what its HELP and TYPE lines said.
struct family {
  std::string help;  ///< unescaped
  std::string type;  ///< counter, gauge, histogram, summary or untyped (the default)
  bool has_help = false;
  bool has_type = false;
};

/// A parsed exposition.
struct exposition {
  std::map<std::string, family> families;
  std::vector<sample> samples;

  /// The value of the one sample with this name and labels; throws std::runtime_error when
  /// there is none.
  const sample& find(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s;
    throw std::runtime_error("no sample " + name);
  }
};

namespace parser_detail {

inline bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// metric_name: [a-zA-Z_:][a-zA-Z0-9_:]*
inline bool is_metric_name(std::string_view s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  for (char c : s)
    if (!is_name_start(c) && !is_digit(c)) return false;
  return true;
}

/// label_name: [a-zA-Z_][a-zA-Z0-9_]*, and names starting with __ are reserved.
inline bool is_label_name(std::string_view s) {
  if (s.empty() || s[0] == ':' || !is_name_start(s[0])) return false;
  for (char c : s)
    if (c == ':' || (!is_name_start(c) && !is_digit(c))) return false;
  return s.substr(0, 2) != "__";
}

/// A float as Go's strconv.ParseFloat reads it in decimal: [+-]digits[.digits][e[+-]digits],
/// NaN, [+-]Inf. Hexadecimal and C's nan(...) forms are refused.
inline bool parse_float(const std::string& s, double& out) {
  if (s == "NaN") {
    out = std::nan("");
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    out = HUGE_VAL;
    return true;
  }
  if (s == "-Inf") {
    out = -HUGE_VAL;
    return true;
  }
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != s.size()) return false;
  out = std::strtod(s.c_str(), nullptr);
  return true;
}

/// An optional timestamp: an int64 (milliseconds since 1970).
inline bool is_timestamp(std::string_view s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size() || s.size() - i > 19) return false;
  for (; i < s.size(); ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

}  // namespace parser_detail

/// Parses `text` strictly: every line is `# HELP name docstring`, `# TYPE name type`, another
/// comment, or `name[{label="value",...}] value [timestamp]`; the text ends in a line feed;
/// names and label names match their patterns; HELP and TYPE at most once per name and before
/// the family's first sample; each family's lines form one uninterrupted group; escapes are only
/// \\ \n (HELP) and \\ \" \n (label values); no label twice in a sample; no series twice; values
/// parse as floats; counter samples end in _total (awsmp's naming rule, checked here too).
inline exposition parse_strict(std::string_view text) {
  using namespace parser_detail;
  exposition out;
  if (!text.empty() && text.back() != '\n')
    throw std::runtime_error("the last line does not end in a line feed");
  std::set<std::string> closed;        // families whose group has ended
  std::string current;                 // the family whose lines come now
  std::set<std::string> series;        // name + labels seen
  std::set<std::string> with_samples;  // families that have had a sample
  std::size_t line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](const std::string& why) -> void {
    throw std::runtime_error("line " + std::to_string(line_no) + ": " + why);
  };
  // Moves to family `name`; a family whose group has ended may not come back.
  auto enter = [&](const std::string& name) {
    if (name == current) return;
    if (closed.count(name)) fail(name + ": its lines are not one uninterrupted group");
    if (!current.empty()) closed.insert(current);
    current = name;
  };
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;  // the spec ignores empty lines
    if (line.find('\r') != std::string_view::npos) fail("carriage return");
    if (line[0] == '#') {
      const bool help = line.substr(0, 7) == "# HELP ";
      const bool type = line.substr(0, 7) == "# TYPE ";
      if (!help && !type) {
        if (line.substr(0, 6) == "# HELP" || line.substr(0, 6) == "# TYPE")
          fail("HELP/TYPE without its tokens");
        continue;  // any other comment is ignored
      }
      std::string_view rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      const std::string name(rest.substr(0, space));
      if (!is_metric_name(name)) fail("bad metric name '" + name + "'");
      enter(name);
      auto& f = out.families[name];
      if (with_samples.count(name)) fail(name + ": " + (help ? "HELP" : "TYPE") + " after its samples");
      if (help) {
        if (f.has_help) fail(name + ": second HELP");
        f.has_help = true;
        const std::string_view doc =
            space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        for (std::size_t i = 0; i < doc.size(); ++i) {
          if (doc[i] != '\\') {
            f.help += doc[i];
            continue;
          }
          if (++i == doc.size()) fail(name + ": HELP ends in a lone backslash");
          if (doc[i] == '\\')
            f.help += '\\';
          else if (doc[i] == 'n')
            f.help += '\n';
          else
            fail(name + ": HELP has the invalid escape \\" + std::string(1, doc[i]));
        }
      } else {
        if (f.has_type) fail(name + ": second TYPE");
        if (space == std::string_view::npos) fail(name + ": TYPE without a type");
        const std::string t(rest.substr(space + 1));
        if (t != "counter" && t != "gauge" && t != "histogram" && t != "summary" && t != "untyped")
          fail(name + ": unknown type '" + t + "'");
        f.has_type = true;
        f.type = t;
      }
      continue;
    }
    // A sample.
    sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (!is_metric_name(s.name)) fail("bad metric name '" + s.name + "'");
    std::string series_key = s.name;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t eq = line.find('=', i);
        if (eq == std::string_view::npos) fail("label without '='");
        const std::string label(line.substr(i, eq - i));
        if (!is_label_name(label)) fail("bad label name '" + label + "'");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') fail("label value not quoted");
        ++i;
        std::string value;
        bool closed_quote = false;
        while (i < line.size()) {
          const char c = line[i++];
          if (c == '"') {
            closed_quote = true;
            break;
          }
          if (c != '\\') {
            value += c;
            continue;
          }
          if (i == line.size()) fail("label value ends in a lone backslash");
          const char e = line[i++];
          if (e == '\\')
            value += '\\';
          else if (e == '"')
            value += '"';
          else if (e == 'n')
            value += '\n';
          else
            fail("label value has the invalid escape \\" + std::string(1, e));
        }
        if (!closed_quote) fail("unterminated label value");
        if (!s.labels.emplace(label, value).second) fail("label '" + label + "' twice");
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        fail("expected ',' or '}' after a label");
      }
      for (const auto& [k, v] : s.labels) series_key += "\x1f" + k + "\x1e" + v;
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    std::string_view rest = line.substr(i + 1);
    const std::size_t space = rest.find(' ');
    s.raw_value = std::string(rest.substr(0, space));
    if (!parse_float(s.raw_value, s.value)) fail("value '" + s.raw_value + "' is not a float");
    if (space != std::string_view::npos && !is_timestamp(rest.substr(space + 1)))
      fail("bad timestamp '" + std::string(rest.substr(space + 1)) + "'");
    // Histogram and summary samples belong to the family without their suffix.
    std::string fam = s.name;
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (fam.size() > suffix.size() && fam.compare(fam.size() - suffix.size(), suffix.size(), suffix) == 0) {
        const std::string base = fam.substr(0, fam.size() - suffix.size());
        auto it = out.families.find(base);
        if (it != out.families.end() && (it->second.type == "histogram" || it->second.type == "summary"))
          fam = base;
      }
    }
    enter(fam);
    auto& f = out.families[fam];
    if (!f.has_type) f.type = "untyped";
    if (f.type == "counter" && (s.name.size() < 6 || s.name.compare(s.name.size() - 6, 6, "_total") != 0))
      fail("counter " + s.name + " does not end in _total");
    if (!series.insert(series_key).second) fail("series " + s.name + " twice");
    with_samples.insert(fam);
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace awsmp::test::prom
