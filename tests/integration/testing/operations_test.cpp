// Every operation of the emulator through awsmp's own clients over TLS, and every validation
// rule's AWS error type through raw signed requests (the clients refuse to send invalid input).
#include <set>

#include "emulator_fixture.hpp"

using namespace emu_test;

BOOST_AUTO_TEST_SUITE(emulator_operations)

BOOST_AUTO_TEST_CASE(resolve_customer_answers_all_four_ids_and_refuses_bad_tokens) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const auto out = f.run(client.resolve_customer("token-2"));
  BOOST_TEST(out.customer_identifier == "cust-2");
  BOOST_TEST(out.product_code == product);
  BOOST_TEST(out.customer_aws_account_id == "111111111112");
  BOOST_TEST(out.license_arn == "arn:aws:license-manager::123456789012:license/l-2");

  auto invalid = expect_aws_error([&] { f.run(client.resolve_customer("token-unknown")); });
  BOOST_TEST(invalid.type() == "InvalidTokenException");
  BOOST_TEST(invalid.http_status() == 400u);
  BOOST_TEST(!invalid.request_id().empty());
  BOOST_TEST(std::string(invalid.what()).find("token-unknown") == std::string::npos);  // tokens are secrets

  auto expired = expect_aws_error([&] { f.run(client.resolve_customer("token-5")); });
  BOOST_TEST(expired.type() == "ExpiredTokenException");

  const auto missing = f.call(wire::target_resolve_customer, "{}");
  BOOST_TEST(missing.status == 400u);
  BOOST_TEST(missing.type() == "ValidationException");
}

BOOST_AUTO_TEST_CASE(batch_meter_usage_records_once_and_answers_resends_with_the_same_id) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now() - 10min;
  batch_meter_usage_input in{
      product, {record("cust-1", 5, t), record("cust-2", 7, t), record("cust-1", 3, t, "requests")}};
  const auto first = f.run(client.batch_meter_usage(in));
  BOOST_REQUIRE_EQUAL(first.results.size(), 3u);
  BOOST_TEST(first.unprocessed_records.empty());
  std::set<std::string> ids;
  for (const auto& r : first.results) {
    BOOST_TEST((r.status == usage_record_status::success));
    BOOST_TEST(!r.metering_record_id.empty());
    ids.insert(r.metering_record_id);
  }
  BOOST_TEST(ids.size() == 3u);
  BOOST_TEST((first.results[1].record == in.usage_records[1]));

  // The same records again, one stamped 20 s later in the same hour: idempotent.
  in.usage_records[0].timestamp += 20s;
  const auto again = f.run(client.batch_meter_usage(in));
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST((again.results[i].status == usage_record_status::success));
    BOOST_TEST(again.results[i].metering_record_id == first.results[i].metering_record_id);
  }
  BOOST_TEST(f.emulator->total("cust-1", "tokens_1m") == 5);
  BOOST_TEST(f.emulator->total("cust-2", "tokens_1m") == 7);
  BOOST_TEST(f.emulator->total("cust-1", "requests") == 3);
  BOOST_TEST(f.emulator->accepted_records().size() == 3u);
  const auto stats = f.emulator->stats();
  BOOST_TEST(stats.records_accepted == 3u);
  BOOST_TEST(stats.records_idempotent == 3u);

  // Another quantity later in the same UTC hour is a duplicate: AWS keeps one record per
  // customer, dimension and hour; the hour before is a new record.
  batch_meter_usage_input dup{product, {record("cust-1", 6, t + 25s), record("cust-1", 6, t - 1h)}};
  const auto d = f.run(client.batch_meter_usage(dup));
  BOOST_TEST((d.results[0].status == usage_record_status::duplicate_record));
  BOOST_TEST((d.results[1].status == usage_record_status::success));
  BOOST_TEST(f.emulator->total("cust-1", "tokens_1m") == 11);
}

BOOST_AUTO_TEST_CASE(unknown_and_unsubscribed_customers_are_not_subscribed) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now();
  usage_record by_account;
  by_account.customer_aws_account_id = "111111111113";
  by_account.license_arn = "arn:aws:license-manager::123456789012:license/l-3";
  by_account.dimension = "tokens_1m";
  by_account.quantity = 2;
  by_account.timestamp = t;
  // One identity form per request; a license record names its product through the license.
  batch_meter_usage_input in{product, {record("cust-nobody", 1, t), record("cust-4", 1, t)}};
  const auto out = f.run(client.batch_meter_usage(in));
  BOOST_REQUIRE_EQUAL(out.results.size(), 2u);
  BOOST_TEST((out.results[0].status == usage_record_status::customer_not_subscribed));
  BOOST_TEST(out.results[0].metering_record_id.empty());
  BOOST_TEST((out.results[1].status == usage_record_status::customer_not_subscribed));
  batch_meter_usage_input licensed{"", {by_account}};
  const auto licensed_out = f.run(client.batch_meter_usage(licensed));
  BOOST_REQUIRE_EQUAL(licensed_out.results.size(), 1u);
  BOOST_TEST((licensed_out.results[0].status == usage_record_status::success));
  BOOST_TEST(f.emulator->total("111111111113", "tokens_1m") == 2);
  BOOST_TEST(f.emulator->stats().records_not_subscribed == 2u);

  // A customer of another product is not subscribed to this one.
  const auto other = f.run(client.batch_meter_usage({"prod-other", {record("cust-1", 1, t, "anything")}}));
  BOOST_TEST((other.results[0].status == usage_record_status::customer_not_subscribed));
}

BOOST_AUTO_TEST_CASE(batch_validation_answers_the_model_error_types) {
  emulator_fixture f;
  const std::string ts = epoch(f.clock.now());
  auto rec = [&ts](std::string extra = {}, std::string customer = "\"CustomerIdentifier\":\"cust-1\"") {
    return "{" + customer + ",\"Dimension\":\"tokens_1m\",\"Quantity\":4,\"Timestamp\":" + ts + extra + "}";
  };
  auto batch = [](std::string records, std::string product_code = product) {
    return "{\"ProductCode\":\"" + product_code + "\",\"UsageRecords\":[" + records + "]}";
  };
  // License records carry no ProductCode (AWS refuses LicenseArn together with ProductCode).
  auto license_batch = [](std::string records) { return "{\"UsageRecords\":[" + records + "]}"; };
  struct expectation {
    std::string name, body, type;
    unsigned status = 400;
  };
  std::string many;
  for (int i = 0; i < 26; ++i) many += (i ? "," : "") + rec();
  const std::string six_tags =
      R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"1"},{"Key":"c","Value":"1"},{"Key":"d","Value":"1"},{"Key":"e","Value":"1"},{"Key":"f","Value":"1"}]}])";
  const std::vector<expectation> cases = {
      {"not json", "{", "SerializationException"},
      {"not an object", "[1]", "SerializationException"},
      {"UsageRecords missing", R"({"ProductCode":"prod-abc"})", "ValidationException"},
      {"UsageRecords not a list", R"({"ProductCode":"prod-abc","UsageRecords":{}})",
       "SerializationException"},
      {"26 records", batch(many), "ValidationException"},
      {"unknown product", batch(rec(), "prod-unknown"), "InvalidProductCodeException"},
      {"product pattern", batch(rec(), "prod abc"), "ValidationException"},
      {"unknown dimension",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"gpu\",\"Quantity\":1,\"Timestamp\":" + ts +
             "}"),
       "InvalidUsageDimensionException"},
      {"empty dimension",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"\",\"Quantity\":1,\"Timestamp\":" + ts +
             "}"),
       "ValidationException"},
      {"Dimension missing",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Quantity\":1,\"Timestamp\":" + ts + "}"),
       "ValidationException"},
      {"Timestamp missing", batch(R"({"CustomerIdentifier":"cust-1","Dimension":"tokens_1m","Quantity":1})"),
       "ValidationException"},
      {"negative quantity",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"tokens_1m\",\"Quantity\":-1,\"Timestamp\":" +
             ts + "}"),
       "ValidationException"},
      {"quantity above 2^31-1",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"tokens_1m\",\"Quantity\":2147483648,"
             "\"Timestamp\":" +
             ts + "}"),
       "ValidationException"},
      {"quantity not an integer",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"tokens_1m\",\"Quantity\":\"4\","
             "\"Timestamp\":" +
             ts + "}"),
       "SerializationException"},
      {"both customer ids",
       batch(rec({}, R"("CustomerIdentifier":"cust-1","CustomerAWSAccountId":"111111111111")")),
       "InvalidCustomerIdentifierException"},
      {"no customer id",
       license_batch(rec({}, R"("LicenseArn":"arn:aws:license-manager::123456789012:license/l-1")")),
       "InvalidCustomerIdentifierException"},
      {"account id not digits", batch(rec({}, R"("CustomerAWSAccountId":"12ab")")), "ValidationException"},
      {"license arn pattern",
       batch(rec({}, R"("CustomerAWSAccountId":"111111111111","LicenseArn":"not-an-arn")")),
       "ValidationException"},
      {"license of another customer",
       license_batch(rec(
           {},
           R"("CustomerAWSAccountId":"111111111111","LicenseArn":"arn:aws:license-manager::123456789012:license/l-2")")),
       "InvalidLicenseException"},
      {"license with ProductCode",
       batch(rec(
           {},
           R"("CustomerAWSAccountId":"111111111111","LicenseArn":"arn:aws:license-manager::123456789012:license/l-1")")),
       "ValidationException"},
      {"mixed identity forms", batch(rec() + "," + rec({}, R"("CustomerAWSAccountId":"111111111111")")),
       "ValidationException"},
      {"no ProductCode for a legacy record", license_batch(rec()), "ValidationException"},
      {"allocations sum", batch(rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":3}])")),
       "InvalidUsageAllocationsException"},
      {"allocations empty", batch(rec(R"(,"UsageAllocations":[])")), "ValidationException"},
      {"allocation quantity missing",
       batch(rec(R"(,"UsageAllocations":[{"Tags":[{"Key":"a","Value":"b"}]}])")), "ValidationException"},
      {"allocation tag sets repeat",
       batch(rec(
           R"(,"UsageAllocations":[{"AllocatedUsageQuantity":2,"Tags":[{"Key":"a","Value":"b"}]},{"AllocatedUsageQuantity":2,"Tags":[{"Key":"a","Value":"b"}]}])")),
       "InvalidUsageAllocationsException"},
      {"six tags", batch(rec(six_tags)), "InvalidTagException"},
      {"empty tag list", batch(rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[]}])")),
       "InvalidTagException"},
      {"tag key pattern",
       batch(rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":"a|b","Value":"1"}]}])")),
       "InvalidTagException"},
      {"tag key backslash (the model's \\/ is '/')",
       batch(
           rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":"a\\b","Value":"1"}]}])")),
       "InvalidTagException"},
      {"tag key too long",
       batch(rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":")" +
                 std::string(101, 'k') + R"(","Value":"1"}]}])")),
       "InvalidTagException"},
      {"tag value too long",
       batch(rec(R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":"a","Value":")" +
                 std::string(257, 'v') + R"("}]}])")),
       "InvalidTagException"},
      {"tag keys repeat",
       batch(rec(
           R"(,"UsageAllocations":[{"AllocatedUsageQuantity":4,"Tags":[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]}])")),
       "InvalidTagException"},
      {"six hours old",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"tokens_1m\",\"Quantity\":1,\"Timestamp\":" +
             epoch(f.clock.now() - 6h) + "}"),
       "TimestampOutOfBoundsException"},
      {"in the future",
       batch("{\"CustomerIdentifier\":\"cust-1\",\"Dimension\":\"tokens_1m\",\"Quantity\":1,\"Timestamp\":" +
             epoch(f.clock.now() + 10min) + "}"),
       "TimestampOutOfBoundsException"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      const auto a = f.call(wire::target_batch_meter_usage, c.body);
      BOOST_TEST(a.status == c.status);
      BOOST_TEST(a.type() == c.type);
      BOOST_TEST(a.error_type == c.type);
      BOOST_TEST(!a.request_id.empty());
    }
  }
  // Nothing of the refused requests was recorded, and valid edge cases pass.
  BOOST_TEST(f.emulator->accepted_records().empty());
  const auto ok = f.call(
      wire::target_batch_meter_usage,
      batch(rec(
          R"(,"UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"team = a","Value":"x/y@z:1"}]},{"AllocatedUsageQuantity":3}])")));
  BOOST_TEST(ok.status == 200u);
  const auto edge = f.call(
      wire::target_batch_meter_usage,
      batch("{\"CustomerIdentifier\":\"cust-2\",\"Dimension\":\"tokens_1m\",\"Quantity\":1,\"Timestamp\":" +
            epoch(f.clock.now() - 6h + 1s) + "}"));
  BOOST_TEST(edge.status == 200u);
  BOOST_TEST(f.emulator->accepted_records().size() == 2u);
}

BOOST_AUTO_TEST_CASE(one_record_out_of_window_rejects_the_whole_batch) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  f.clock.advance(7h);  // the records below are from 7 hours ago by the emulator's clock
  batch_meter_usage_input in{
      product, {record("cust-1", 1, f.clock.now() - 1min), record("cust-2", 1, f.clock.now() - 7h)}};
  const auto e = expect_aws_error([&] { f.run(client.batch_meter_usage(in)); });
  BOOST_TEST(e.type() == "TimestampOutOfBoundsException");
  BOOST_TEST(f.emulator->accepted_records().empty());
}

BOOST_AUTO_TEST_CASE(meter_usage_dry_run_client_token_and_hourly_identity) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  meter_usage_input in;
  in.product_code = product;
  in.dimension = "requests";
  in.quantity = 9;
  in.timestamp = f.clock.now() - 30min;  // 11:30:30, so that the same hour holds 11:40:30 too

  in.dry_run = true;
  const auto dry = expect_aws_error([&] { f.run(client.meter_usage(in)); });
  BOOST_TEST(dry.type() == "DryRunOperation");
  BOOST_TEST(dry.http_status() == 412u);
  BOOST_TEST(f.emulator->accepted_records().empty());
  in.dry_run = false;

  in.client_token = "token-a";
  const auto first = f.run(client.meter_usage(in));
  BOOST_TEST(!first.metering_record_id.empty());
  BOOST_TEST(f.run(client.meter_usage(in)).metering_record_id == first.metering_record_id);

  meter_usage_input conflict = in;
  conflict.quantity = 10;
  const auto c = expect_aws_error([&] { f.run(client.meter_usage(conflict)); });
  BOOST_TEST(c.type() == "IdempotencyConflictException");

  // Without the token: the same hour and dimension with another quantity is a duplicate request,
  // with the same quantity it is the same record.
  meter_usage_input other = in;
  other.client_token.clear();
  other.timestamp += 10min;
  BOOST_TEST(f.run(client.meter_usage(other)).metering_record_id == first.metering_record_id);
  other.quantity = 1;
  const auto d = expect_aws_error([&] { f.run(client.meter_usage(other)); });
  BOOST_TEST(d.type() == "DuplicateRequestException");
  other.timestamp -= 1h;
  const auto other_hour = f.run(client.meter_usage(other));
  BOOST_TEST(other_hour.metering_record_id != first.metering_record_id);

  const auto records = f.emulator->accepted_records();
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  BOOST_TEST(records[0].operation == "MeterUsage");
  BOOST_TEST(records[0].product_code == product);
  BOOST_TEST(f.emulator->total("", "requests") == 10);

  const auto bad_dimension = f.call(
      wire::target_meter_usage,
      "{\"ProductCode\":\"prod-abc\",\"UsageDimension\":\"gpu\",\"Timestamp\":" + epoch(f.clock.now()) + "}");
  BOOST_TEST(bad_dimension.type() == "InvalidUsageDimensionException");
  const auto missing =
      f.call(wire::target_meter_usage, R"({"ProductCode":"prod-abc","UsageDimension":"requests"})");
  BOOST_TEST(missing.type() == "ValidationException");
  const auto long_token =
      f.call(wire::target_meter_usage,
             "{\"ProductCode\":\"prod-abc\",\"UsageDimension\":\"requests\",\"ClientToken\":\"" +
                 std::string(65, 'x') + "\",\"Timestamp\":" + epoch(f.clock.now()) + "}");
  BOOST_TEST(long_token.type() == "ValidationException");
}

BOOST_AUTO_TEST_CASE(get_entitlements_filters_and_pages_with_opaque_tokens) {
  emulator_fixture f;
  entitlement_service_client client(f.ioc.get_executor(), *f.signer, f.client());
  get_entitlements_input in;
  in.product_code = product;
  in.max_results = 2;
  std::vector<marketplace_entitlement> all;
  std::set<std::string> tokens;
  for (int page = 0; page < 10; ++page) {
    const auto out = f.run(client.get_entitlements(in));
    BOOST_TEST(out.entitlements.size() <= 2u);
    all.insert(all.end(), out.entitlements.begin(), out.entitlements.end());
    if (out.next_token.empty()) break;
    BOOST_TEST(tokens.insert(out.next_token).second);
    in.next_token = out.next_token;
  }
  // Five tokens_1m rows and one requests row of prod-abc, in table order, none of prod-other.
  BOOST_REQUIRE_EQUAL(all.size(), 6u);
  BOOST_TEST(all[0].customer_identifier == "cust-1");
  BOOST_TEST((all[2].value == entitlement_value{std::int64_t{30}}));
  BOOST_TEST((all[5].value == entitlement_value{true}));
  for (const auto& e : all) BOOST_TEST(e.product_code == product);

  get_entitlements_input filtered;
  filtered.product_code = product;
  filtered.filter[entitlement_filter::customer_identifier] = {"cust-1", "cust-3"};
  filtered.filter[entitlement_filter::dimension] = {"tokens_1m"};
  const auto f1 = f.run(client.get_entitlements(filtered));
  BOOST_REQUIRE_EQUAL(f1.entitlements.size(), 2u);
  BOOST_TEST(f1.entitlements[1].customer_identifier == "cust-3");
  BOOST_TEST(f1.next_token.empty());

  // A token only fits the query that produced it.
  get_entitlements_input wrong = filtered;
  wrong.next_token = *tokens.begin();
  const auto e = expect_aws_error([&] { f.run(client.get_entitlements(wrong)); });
  BOOST_TEST(e.type() == "InvalidParameterException");
  const auto forged =
      f.call(wire::target_get_entitlements, R"({"ProductCode":"prod-abc","NextToken":"abc"})");
  BOOST_TEST(forged.type() == "InvalidParameterException");
  const auto too_many =
      f.call(wire::target_get_entitlements, R"({"ProductCode":"prod-abc","MaxResults":26})");
  BOOST_TEST(too_many.type() == "InvalidParameterException");
  const auto bad_filter =
      f.call(wire::target_get_entitlements, R"({"ProductCode":"prod-abc","Filter":{"COLOUR":["x"]}})");
  BOOST_TEST(bad_filter.type() == "InvalidParameterException");
  const auto no_product = f.call(wire::target_get_entitlements, R"({})");
  BOOST_TEST(no_product.type() == "InvalidParameterException");
}

BOOST_AUTO_TEST_CASE(protocol_errors_have_the_aws_shape) {
  emulator_fixture f;
  const auto unknown = f.call("AWSMPMeteringService.RegisterUsage", "{}");
  BOOST_TEST(unknown.status == 400u);
  BOOST_TEST(unknown.type() == "UnknownOperationException");
  auto wrong_type = f.make_request(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})",
                                   [](http_request& r) { r.set(http::field::content_type, "text/plain"); });
  BOOST_TEST(f.send(std::move(wrong_type)).type() == "UnknownOperationException");
  const auto ok = f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})");
  BOOST_TEST(ok.status == 200u);
  BOOST_TEST(ok.error_type.empty());
  BOOST_TEST(!ok.request_id.empty());
  BOOST_TEST(ok.request_id !=
             f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").request_id);
}

BOOST_AUTO_TEST_SUITE_END()
