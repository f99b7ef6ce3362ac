// Internal, pure: DynamoDB AttributeValue <-> Boost.JSON ({"S": "..."}, {"N": "12"},
// {"B": "<base64>"}, {"BOOL": true}, {"NULL": true}, {"M": {...}}, {"L": [...]}, {"SS": [...]},
// {"NS": [...]}, {"BS": [...]}).
#pragma once

#include <awsmp/dynamodb_attribute_value.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace awsmp::detail {

/// DynamoDB nests documents at most 32 levels deep; deeper input is refused, never recursed into.
inline constexpr int dynamodb_max_depth = 32;

/// The wire form of one value; never throws beyond std::bad_alloc (limits are checked elsewhere).
boost::json::value attribute_to_json(const dynamodb::attribute_value& value);
/// The wire form of an item (attribute name -> wire value); never throws beyond std::bad_alloc.
boost::json::object item_to_json(const dynamodb::item& attributes);

/// Decodes one wire value; throws system_error(errc::malformed_message) naming `where` when it
/// is not exactly one known descriptor with a value of the right JSON type (bad base64, a
/// number that is not a JSON string, nesting beyond 32 levels, ...).
dynamodb::attribute_value attribute_from_json(const boost::json::value& json, std::string_view where,
                                              int depth = 0);
/// Decodes an item (a JSON object of wire values); throws as attribute_from_json.
dynamodb::item item_from_json(const boost::json::value& json, std::string_view where, int depth = 0);

}  // namespace awsmp::detail
