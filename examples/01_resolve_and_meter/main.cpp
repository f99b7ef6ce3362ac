// Tutorial 1: resolve a customer and meter their usage.
//
// What a SaaS product does when a buyer arrives from AWS Marketplace: exchange the
// registration token for the customer's ids (ResolveCustomer), then meter usage for that
// customer (BatchMeterUsage). Credentials come from the default chain (environment, web
// identity, shared files, container, IMDS) exactly as in production; AWSMP_ENDPOINT and
// AWSMP_CA_FILE point the client at the local emulator instead of AWS.
//
//   awsmp-emulator --customers 3 --ca-file ca.pem &   # prints its endpoint
//   export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//   export AWS_REGION=us-east-1 AWSMP_ENDPOINT=https://127.0.0.1:PORT AWSMP_CA_FILE=ca.pem
//   ./01_resolve_and_meter token-0001 42
#include <awsmp/awsmp.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/region.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;

awsmp::awaitable<void> resolve_and_meter(std::string token, std::int32_t quantity) {
  auto ex = co_await asio::this_coro::executor;

  // 1. Credentials and region, resolved the way the AWS SDKs do.
  auto credentials = awsmp::default_credentials_provider(ex);
  const std::string region = awsmp::resolve_region();
  awsmp::sigv4_signer signer(*credentials, region);

  // 2. A client for the Metering Service (the regional AWS endpoint unless overridden).
  awsmp::client_options options;
  options.region = region;
  if (const char* endpoint = std::getenv("AWSMP_ENDPOINT")) options.endpoint = endpoint;
  if (const char* ca = std::getenv("AWSMP_CA_FILE")) options.ca_file = ca;
  awsmp::metering_client metering(ex, signer, options);

  // 3. The registration token becomes the customer's four ids.
  const awsmp::resolve_customer_output customer = co_await metering.resolve_customer(token);
  std::cout << "customer " << customer.customer_identifier << " (account " << customer.customer_aws_account_id
            << ") subscribed to " << customer.product_code << "\n";

  // 4. Meter usage for that customer. Resending this exact record is safe: AWS answers the
  //    same MeteringRecordId, which is how retries stay exactly-once.
  awsmp::batch_meter_usage_input batch;
  batch.product_code = customer.product_code;
  awsmp::usage_record record;
  record.customer_identifier = customer.customer_identifier;
  record.dimension = std::string(awsmp::dimension_tokens);
  record.quantity = quantity;
  // Stamped now: inside the hour it bills and not before the usage. AWS keeps one record per
  // customer, dimension and UTC hour: another quantity later in this hour is DuplicateRecord.
  record.timestamp = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  batch.usage_records.push_back(record);
  const auto result = co_await metering.batch_meter_usage(batch);
  for (const auto& r : result.results)
    std::cout << "metered " << r.record.quantity << " x " << r.record.dimension << ": "
              << awsmp::to_string(r.status) << " (record " << r.metering_record_id << ")\n";
  if (!result.unprocessed_records.empty())
    std::cout << result.unprocessed_records.size() << " record(s) unprocessed: send them again\n";
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: 01_resolve_and_meter <registration-token> <quantity>\n";
    return 2;
  }
  asio::io_context ioc;
  int rc = 0;
  asio::co_spawn(ioc, resolve_and_meter(argv[1], static_cast<std::int32_t>(std::atoi(argv[2]))),
                 [&](std::exception_ptr e) {
                   if (!e) return;
                   rc = 1;
                   try {
                     std::rethrow_exception(e);
                   } catch (const awsmp::aws_error& err) {  // AWS said no: type, status, request id
                     std::cerr << "AWS refused: " << err.what() << "\n";
                   } catch (const std::exception& err) {  // local: invalid input, network, credentials
                     std::cerr << "failed: " << err.what() << "\n";
                   }
                 });
  ioc.run();
  return rc;
}
