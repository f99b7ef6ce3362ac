// Signs one fixed BatchMeterUsage request with an installed awsmp and prints, as one JSON line,
// the request as built and the Authorization header awsmp computed; check_signature.py signs
// the same request with botocore and compares.
#include <awsmp/awsmp.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main() {
  using namespace std::chrono;
  const awsmp::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                 "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwA==",
                                 std::nullopt};
  const std::string region = "us-east-1";
  const std::string service = "aws-marketplace";
  const awsmp::time_point when = sys_days{2026y / January / 15} + 10h + 15min;

  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "metering.marketplace.us-east-1.amazonaws.com"},
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage"},
  };
  const std::string body =
      R"({"ProductCode":"prod-consumer1","UsageRecords":[{"CustomerIdentifier":"cust-1",)"
      R"("Dimension":"tokens_1m","Quantity":3,"Timestamp":1768471200}]})";

  awsmp::http_request request;
  request.method(boost::beast::http::verb::post);
  request.target("/");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;

  awsmp::sigv4::signing_key_cache cache;
  awsmp::sigv4::sign(request, creds, region, service, when, cache);

  std::cout << "{\"method\":\"POST\",\"target\":\"/\",\"headers\":[";
  for (std::size_t i = 0; i < headers.size(); ++i)
    std::cout << (i ? "," : "") << '[' << quoted(headers[i].first) << ',' << quoted(headers[i].second) << ']';
  std::cout << "],\"body\":" << quoted(body) << ",\"access_key_id\":" << quoted(creds.access_key_id)
            << ",\"secret_access_key\":" << quoted(creds.secret_access_key)
            << ",\"session_token\":" << quoted(creds.session_token) << ",\"region\":" << quoted(region)
            << ",\"service\":" << quoted(service)
            << ",\"epoch_seconds\":" << duration_cast<seconds>(when.time_since_epoch()).count()
            << ",\"authorization\":" << quoted(std::string(request["Authorization"])) << "}\n";
  return 0;
}
