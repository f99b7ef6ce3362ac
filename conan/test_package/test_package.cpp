// Signs a fixed request with the packaged library: proves headers, library and dependencies.
#include <awsmp/awsmp.hpp>

#include <chrono>
#include <iostream>

int main() {
  awsmp::http_request request{boost::beast::http::verb::post, "/", 11};
  request.set(boost::beast::http::field::host, "metering.marketplace.us-east-1.amazonaws.com");
  request.body() = "{}";
  request.prepare_payload();
  awsmp::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  awsmp::sigv4::sign(request, creds, "us-east-1", "aws-marketplace",
                     awsmp::time_point{std::chrono::seconds{1440938160}});
  std::cout << request[boost::beast::http::field::authorization] << '\n';
  return request[boost::beast::http::field::authorization].empty() ? 1 : 0;
}
