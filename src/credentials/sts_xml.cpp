#include "credentials/sts_xml.hpp"

#include <awsmp/error.hpp>
#include <cstdint>

#include "core/throw.hpp"
#include "credentials/credentials_json.hpp"

namespace awsmp::detail {
namespace {

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the five predefined entities and numeric references; an unknown entity is kept as
// written (STS never sends one, and guessing would corrupt a key).
std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    const auto name = s.substr(i + 1, semi - i - 1);
    if (name == "amp")
      out += '&';
    else if (name == "lt")
      out += '<';
    else if (name == "gt")
      out += '>';
    else if (name == "quot")
      out += '"';
    else if (name == "apos")
      out += '\'';
    else if (name.size() > 1 && name[0] == '#') {
      std::uint32_t cp = 0;
      bool ok = true;
      const bool hex = name[1] == 'x' || name[1] == 'X';
      for (char c : name.substr(hex ? 2 : 1)) {
        int d = -1;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        if (d < 0 || cp > 0x10FFFF) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      }
      if (!ok || name.size() == (hex ? 2u : 1u)) {
        out.append(s.substr(i, semi - i + 1));
      } else {
        append_utf8(out, cp);
      }
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string form_encode(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string assume_role_with_web_identity_body(std::string_view role_arn, std::string_view session_name,
                                               std::string_view web_identity_token) {
  std::string body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=";
  body += form_encode(role_arn);
  body += "&RoleSessionName=";
  body += form_encode(session_name);
  body += "&WebIdentityToken=";
  body += form_encode(web_identity_token);
  return body;
}

std::optional<std::string> xml_element_text(std::string_view xml, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    const auto after = pos + 1 + name.size();
    if (xml.substr(pos + 1, name.size()) == name && after < xml.size() &&
        (xml[after] == '>' || xml[after] == ' ' || xml[after] == '\t' || xml[after] == '\n' ||
         xml[after] == '\r' || xml[after] == '/')) {
      const auto gt = xml.find('>', after);
      if (gt == std::string_view::npos) return std::nullopt;
      if (xml[gt - 1] == '/') return std::string{};  // <Name/>
      const std::string close = "</" + std::string(name) + ">";
      const auto end = xml.find(close, gt + 1);
      if (end == std::string_view::npos) return std::nullopt;
      auto content = xml.substr(gt + 1, end - gt - 1);
      // CDATA is legal XML; STS does not use it, but a proxy or emulator might.
      if (content.starts_with("<![CDATA[") && content.ends_with("]]>"))
        return std::string(content.substr(9, content.size() - 12));
      return decode_entities(trim(content));
    }
    pos = pos + 1;
  }
  return std::nullopt;
}

credentials parse_assume_role_with_web_identity_response(std::string_view xml) {
  constexpr std::string_view source = "STS AssumeRoleWithWebIdentity: ";
  if (xml.find("AssumeRoleWithWebIdentityResponse") == std::string_view::npos)
    throw_error(errc::malformed_message,
                std::string(source) + "the answer is not an AssumeRoleWithWebIdentityResponse");
  const auto creds_start = xml.find("<Credentials");
  if (creds_start == std::string_view::npos)
    throw_error(errc::malformed_message, std::string(source) + "element Credentials is missing");
  const auto scope = xml.substr(creds_start);
  auto required = [&](std::string_view name) {
    auto v = xml_element_text(scope, name);
    if (!v || v->empty())
      throw_error(errc::malformed_message,
                  std::string(source) + "element " + std::string(name) + " is missing");
    return std::move(*v);
  };
  credentials out;
  out.access_key_id = required("AccessKeyId");
  out.secret_access_key = required("SecretAccessKey");
  out.session_token = required("SessionToken");
  const auto expiration = required("Expiration");
  out.expiration = parse_iso8601(expiration);
  if (!out.expiration)
    throw_error(errc::malformed_message, std::string(source) + "element Expiration is not an ISO 8601 time");
  return out;
}

sts_error parse_sts_error(std::string_view xml) {
  sts_error out;
  if (auto v = xml_element_text(xml, "Code")) out.code = std::move(*v);
  if (auto v = xml_element_text(xml, "Message")) out.message = std::move(*v);
  if (auto v = xml_element_text(xml, "RequestId")) out.request_id = std::move(*v);
  return out;
}

}  // namespace awsmp::detail
