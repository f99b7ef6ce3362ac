// The STS Query API pieces awsmp needs: the AssumeRoleWithWebIdentity form body and the XML
// responses (success and ErrorResponse), pure.
#pragma once

#include <awsmp/credentials.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// application/x-www-form-urlencoded encoding of one value (RFC 3986 unreserved kept).
std::string form_encode(std::string_view value);

/// The request body: Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=..&
/// RoleSessionName=..&WebIdentityToken=.. ; never throws beyond bad_alloc.
std::string assume_role_with_web_identity_body(std::string_view role_arn,
                                               std::string_view session_name,
                                               std::string_view web_identity_token);

/// Text content of the first element named `name` inside `xml` (entities decoded), or nullopt.
/// Not a general XML parser: enough for the flat, well-known STS documents.
std::optional<std::string> xml_element_text(std::string_view xml, std::string_view name);

/// Parses an AssumeRoleWithWebIdentityResponse. Throws system_error(errc::malformed_message)
/// naming the missing element (never its value).
credentials parse_assume_role_with_web_identity_response(std::string_view xml);

/// An STS ErrorResponse: Code, Message and RequestId (empty when absent).
struct sts_error {
  std::string code;
  std::string message;
  std::string request_id;
};

/// Parses an ErrorResponse; absent pieces stay empty; never throws beyond bad_alloc.
sts_error parse_sts_error(std::string_view xml);

}  // namespace awsmp::detail
