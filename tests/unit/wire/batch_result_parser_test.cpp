// The DOM-free BatchMeterUsage response decoder must never accept what the strict decoder
// rejects, nor decode anything differently: checked on the samples, on random responses and on
// random corruptions of them.
#include "wire/batch_result_parser.hpp"

#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <optional>
#include <random>

#include "wire_samples.hpp"

using namespace awsmp;
namespace json = boost::json;

namespace {

// The strict tree decoder, bypassing the fast path; nullopt when it rejects the body.
std::optional<batch_meter_usage_output> strict(std::string_view body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  try {
    return json::value_to<batch_meter_usage_output>(v);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::malformed_message));
    return std::nullopt;
  }
}

std::optional<batch_meter_usage_output> fast(std::string_view body) {
  batch_meter_usage_output out;
  if (!detail::fast_decode_batch_meter_usage_output(body, out)) return std::nullopt;
  return out;
}

// The property: fast accepts => strict accepts the same value; and wire::decode == strict.
void check_agreement(std::string_view body) {
  const auto f = fast(body);
  const auto s = strict(body);
  if (f) {
    BOOST_TEST_REQUIRE(s.has_value(), "fast path accepted what the strict decoder rejects: " << body);
    BOOST_TEST((*f == *s), "fast and strict decoders differ on: " << body);
  }
  try {
    const auto d = wire::decode<batch_meter_usage_output>(body);
    BOOST_TEST_REQUIRE(s.has_value(), "wire::decode accepted a body the strict decoder rejects: " << body);
    BOOST_TEST((d == *s));
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::malformed_message));
    BOOST_TEST(!s.has_value(), "wire::decode rejected a body the strict decoder accepts: " << body);
  }
}

std::string random_string(std::mt19937& rng) {
  static const std::string pieces[] = {"a",
                                       "Z",
                                       "9",
                                       "-",
                                       "_",
                                       " ",
                                       "\"",
                                       "\\",
                                       "/",
                                       "\n",
                                       "\t",
                                       "\x01",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "cust-",
                                       "tokens_1m"};
  std::string s;
  const auto n = std::uniform_int_distribution<int>(1, 12)(rng);
  for (int i = 0; i < n; ++i)
    s += pieces[std::uniform_int_distribution<std::size_t>(0, std::size(pieces) - 1)(rng)];
  return s;
}

usage_record random_record(std::mt19937& rng) {
  usage_record r;
  auto coin = [&] { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; };
  if (coin())
    r.customer_identifier = random_string(rng);
  else
    r.customer_aws_account_id = "123456789012";
  if (coin()) r.license_arn = test::license_arn;
  r.dimension = random_string(rng);
  r.quantity = std::uniform_int_distribution<std::int32_t>(0, std::numeric_limits<std::int32_t>::max())(rng);
  r.timestamp = test::at(std::uniform_int_distribution<std::int64_t>(1, 4'000'000'000)(rng),
                         coin() ? 0 : std::uniform_int_distribution<std::int64_t>(0, 999)(rng));
  const auto allocations = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int a = 0; a < allocations; ++a) {
    usage_allocation alloc;
    alloc.allocated_usage_quantity = std::uniform_int_distribution<std::int32_t>(0, 1000)(rng);
    const auto tags = std::uniform_int_distribution<int>(0, 5)(rng);
    for (int t = 0; t < tags; ++t) alloc.tags.push_back({random_string(rng), random_string(rng)});
    r.usage_allocations.push_back(alloc);
  }
  return r;
}

batch_meter_usage_output random_output(std::mt19937& rng) {
  batch_meter_usage_output out;
  const auto results = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int i = 0; i < results; ++i) {
    usage_record_result r;
    r.record = random_record(rng);
    r.status = static_cast<usage_record_status>(std::uniform_int_distribution<int>(0, 2)(rng));
    if (r.status != usage_record_status::customer_not_subscribed) r.metering_record_id = random_string(rng);
    out.results.push_back(r);
  }
  const auto unprocessed = std::uniform_int_distribution<int>(0, 2)(rng);
  for (int i = 0; i < unprocessed; ++i) out.unprocessed_records.push_back(random_record(rng));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_result_parser)

BOOST_AUTO_TEST_CASE(samples_and_malformed_files) {
  const auto sample = test::read_data_file("BatchMeterUsage/response.json");
  BOOST_TEST(fast(sample).has_value());  // the common shape takes the fast path
  check_agreement(sample);
  check_agreement(test::read_data_file("BatchMeterUsage/response_empty.json"));
  int malformed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(AWSMP_TEST_DATA_DIR) +
                                                               "/wire/BatchMeterUsage/malformed")) {
    const auto body = test::read_data_file("BatchMeterUsage/malformed/" + entry.path().filename().string());
    BOOST_TEST(!fast(body).has_value(), entry.path().filename());
    check_agreement(body);
    ++malformed;
  }
  BOOST_TEST(malformed >= 15);
}

// A Status AWS adds later must not discard the whole answer (issue 11): it decodes to
// usage_record_status::unknown in both decoders, and the other results stay as they are.
BOOST_AUTO_TEST_CASE(an_unknown_status_affects_only_its_record) {
  const auto body = test::read_data_file("BatchMeterUsage/response_status_unknown.json");
  const auto f = fast(body);
  const auto s = strict(body);
  BOOST_TEST_REQUIRE(f.has_value());
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST((*f == *s));
  BOOST_TEST_REQUIRE(f->results.size() == 2u);
  BOOST_TEST((f->results[0].status == usage_record_status::success));
  BOOST_TEST((f->results[1].status == usage_record_status::unknown));
  BOOST_TEST(f->results[1].record.customer_identifier == "c");
  check_agreement(body);
  // Still never accepted as input: "Unknown" is no status a caller may name.
  BOOST_CHECK_THROW(from_string<usage_record_status>("Unknown"), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(unusual_but_valid_shapes_fall_back_to_the_strict_decoder) {
  const char* bodies[] = {
      R"({"Results":null})",
      R"({"Results":[{"Status":"Success","UsageRecord":{"Dimension":"d","Timestamp":1,"Quantity":5.0}}]})",
      R"({"Results":[{"Status":"Success","UsageRecord":{"Dimension":"d","Timestamp":1,"CustomerIdentifier":null}}]})",
      R"({"Results":[],"Results":[{"Status":"Success","UsageRecord":{"Dimension":"d","Timestamp":1}}]})",
  };
  for (const char* body : bodies) {
    BOOST_TEST(!fast(body).has_value(), body);
    BOOST_TEST(strict(body).has_value(), body);
    check_agreement(body);
  }
  // Unknown members of any shape are skipped by both.
  const char* unknown = R"({"X":{"a":[1,{"b":null}]},"Results":[{"Y":[[]],"Status":"Success","Z":1.5,)"
                        R"("UsageRecord":{"Dimension":"d","Timestamp":1,"W":true}}],"V":"s"})";
  BOOST_TEST(fast(unknown).has_value());
  check_agreement(unknown);
}

BOOST_AUTO_TEST_CASE(random_responses_decode_identically) {
  std::mt19937 rng(20240601);
  for (int i = 0; i < 300; ++i) {
    const auto out = random_output(rng);
    const auto spaced = wire::encode(out);                        // botocore-style separators
    const auto compact = json::serialize(json::value_from(out));  // AWS-style, no spaces
    for (const auto& body : {spaced, compact}) {
      const auto f = fast(body);
      BOOST_TEST_REQUIRE(f.has_value(), body);
      BOOST_TEST((*f == out), body);
      check_agreement(body);
    }
  }
}

BOOST_AUTO_TEST_CASE(random_corruptions_never_diverge) {
  std::mt19937 rng(7);
  const char replacements[] = {'"', '{', '}', '[', ']', ',',  ':', '0',
                               '-', '.', 'e', 'n', ' ', '\\', 'x', '\xff'};
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string body = wire::encode(random_output(rng));
    if (body.empty()) continue;
    const auto pos = std::uniform_int_distribution<std::size_t>(0, body.size() - 1)(rng);
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0:
        body[pos] = replacements[std::uniform_int_distribution<std::size_t>(0, sizeof replacements - 1)(rng)];
        break;
      case 1:
        body.erase(pos, 1);
        break;
      default:
        body.resize(pos);
        break;
    }
    if (fast(body)) ++accepted;
    check_agreement(body);
  }
  BOOST_TEST(accepted > 0);  // some corruptions stay valid (e.g. inside strings) and must still agree
}

BOOST_AUTO_TEST_SUITE_END()
