// The journal format: checksums, torn tails tolerated, damage in the middle refused.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <variant>

#include "billing/journal_codec.hpp"
#include "core/crc32c.hpp"

using namespace awsmp;
using namespace awsmp::detail;

namespace {

// Renders decoded entries as text, so that a test compares one string.
struct recorder {
  std::string log;
  void operator()(const journal::usage_entry& e) {
    log += "usage " + e.key + " " + std::to_string(e.input) + " " + std::to_string(e.output) + " h" +
           std::to_string(e.first_hour) + ";";
  }
  void operator()(const journal::seal_entry& e) {
    const auto& p = e.plan;
    log += "seal " + e.key + " " + std::to_string(p.consumed_input) + " " + std::to_string(p.carried_delta) +
           " " + e.dimension + " last=" + std::to_string(p.last_sealed) +
           " n=" + std::to_string(e.seqs.size());
    for (std::size_t i = 0; i < e.seqs.size(); ++i)
      log += " " + std::to_string(e.seqs[i]) + "@" + std::to_string(p.parts[i].hour) + "/" +
             std::to_string(
                 std::chrono::floor<std::chrono::seconds>(p.parts[i].stamp).time_since_epoch().count()) +
             "x" + std::to_string(p.parts[i].quantity);
    log += ";";
  }
  void operator()(const journal::ack_entry& e) { log += "ack " + std::to_string(e.seq) + ";"; }
  void operator()(const journal::dead_entry_value& e) {
    log += "dead " + std::to_string(e.seq) + " " + e.reason + (e.in_doubt ? " doubt" : "") + " s" +
           std::to_string(e.sends) + ";";
  }
  void operator()(const journal::pending_entry& e) {
    log += "pending " + std::to_string(e.seq) + " " + e.record.customer_identifier + e.record.license_arn +
           " " + std::to_string(e.record.quantity) + (e.maybe_delivered ? " maybe" : "") + ";";
  }
  void operator()(const journal::dead_record_entry& e) {
    log += "deadrec " + std::to_string(e.seq) + " " + e.record.customer_identifier + " " + e.reason +
           (e.in_doubt ? " doubt" : "") + ";";
  }
  void operator()(const journal::next_seq_entry& e) { log += "next " + std::to_string(e.seq) + ";"; }
  void operator()(const journal::refund_entry& e) {
    log += "refund " + e.key + " " + std::to_string(e.tokens) + ";";
  }
  void operator()(const journal::undead_entry& e) { log += "undead " + std::to_string(e.seq) + ";"; }
};

std::string sample_file() {
  std::string f = journal::file_header();
  std::string p1;
  journal::encode_usage(p1, "cust-1", 10, 20, 490000);
  journal::encode_usage(p1, "cust-2", 5, 0, no_hour);
  f += journal::frame(p1);
  std::string p2;
  seal_plan plan;
  plan.consumed_input = 10;
  plan.consumed_output = 20;
  plan.carried_delta = -3;
  plan.last_sealed = 77;
  plan.parts = {{77, 3, hour_start(77) + std::chrono::seconds(3599)}};
  journal::encode_seal(p2, "cust-1", plan, "tokens_1m", {9});
  journal::encode_ack(p2, 9);
  f += journal::frame(p2);
  return f;
}

std::string replay(std::string_view file) {
  recorder r;
  const auto scan = journal::scan(file);
  for (auto payload : scan.frames)
    for (const auto& e : journal::decode(payload, scan.version)) std::visit(r, e);
  return r.log;
}

bool is_corrupt(std::string_view file) {
  try {
    journal::scan(file);
  } catch (const boost::system::system_error& e) {
    return e.code() == make_error_code(errc::journal_corrupt);
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_journal_format)

BOOST_AUTO_TEST_CASE(crc32c_known_answers) {
  BOOST_TEST(crc32c("123456789") == 0xE3069283u);  // the standard check value
  BOOST_TEST(crc32c("") == 0u);
  std::string zeros(32, '\0');
  BOOST_TEST(crc32c(zeros) == 0x8A9136AAu);  // RFC 3720 B.4
  BOOST_TEST(crc32c("6789", crc32c("12345")) == 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(entries_round_trip) {
  const std::string f = sample_file();
  BOOST_TEST(replay(f) == "usage cust-1 10 20 h490000;usage cust-2 5 0 h" + std::to_string(no_hour) +
                              ";seal cust-1 10 -3 tokens_1m last=77 n=1 9@77/" +
                              std::to_string(77 * 3600 + 3599) + "x3;ack 9;");
  std::string p;
  usage_record r;
  r.customer_identifier = "c";
  r.dimension = "d";
  r.quantity = 4;
  r.timestamp = hour_start(5);
  journal::encode_pending(p, 3, r, 2, false);
  dead_letter d{r, "DuplicateRecord"};
  d.in_doubt = true;
  journal::encode_dead_record(p, 4, d);
  journal::encode_dead(p, 3, "CustomerNotSubscribed", false, 1);
  journal::encode_next_seq(p, 11);
  journal::encode_refund(p, account_key(billed_customer::account("123456789012", "arn:x")), 5000, 9);
  journal::encode_undead(p, 4);
  BOOST_TEST(replay(journal::file_header() + journal::frame(p)) ==
             "pending 3 c 4;deadrec 4 c DuplicateRecord doubt;dead 3 CustomerNotSubscribed s1;next 11;"
             "refund \x01"
             "123456789012\x01"
             "arn:x 5000;undead 4;");
}

BOOST_AUTO_TEST_CASE(version_1_files_are_still_read_with_minutes_mapped_to_hours) {
  // A version 1 frame, byte by byte: usage (8-bit id), then a seal at minute 125 (hour 2).
  std::string h(journal::magic);
  h += std::string("\x01\0\0\0", 4);
  const auto crc = crc32c(h);
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  auto i64 = [](std::int64_t v) {
    std::string o;
    for (int i = 0; i < 8; ++i)
      o.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF));
    return o;
  };
  std::string p;
  p += '\x01';
  p += '\x01';
  p += 'a';
  p += i64(7) + i64(3);
  p += '\x02';
  p += '\x01';
  p += 'a';
  p += i64(7) + i64(3) + i64(-10) + i64(125);
  p += '\x01';
  p += 'd';
  p += std::string("\x01\0", 2);
  p += i64(1) + i64(125) + i64(0);
  const auto scan = journal::scan(h + journal::frame(p));
  BOOST_TEST(scan.version == 1u);
  BOOST_TEST(replay(h + journal::frame(p)) == "usage a 7 3 h" + std::to_string(no_hour) +
                                                  ";seal a 7 -10 d last=2 n=1 1@2/" +
                                                  std::to_string(125 * 60) + "x0;");
}

BOOST_AUTO_TEST_CASE(empty_and_torn_header_start_fresh) {
  BOOST_TEST(journal::scan("").fresh);
  BOOST_TEST(journal::scan(journal::file_header().substr(0, 5)).fresh);
}

BOOST_AUTO_TEST_CASE(foreign_files_are_refused) {
  BOOST_TEST(is_corrupt("SQLite format 3\0 and more bytes than a header"));
  BOOST_TEST(is_corrupt("hello"));
  std::string wrong_version = journal::file_header();
  wrong_version[8] = 3;
  BOOST_TEST(is_corrupt(wrong_version));
}

BOOST_AUTO_TEST_CASE(every_torn_tail_is_cut_to_the_last_good_frame) {
  const std::string f = sample_file();
  const std::size_t first_end = journal::header_size + journal::frame_header_size + 2 * (1 + 2 + 6 + 24);
  BOOST_TEST(journal::scan(f).good_end == f.size());
  // Cut anywhere inside the last frame: the first frame survives, the second is a torn tail.
  for (std::size_t cut = first_end + 1; cut < f.size(); ++cut) {
    auto s = journal::scan(std::string_view(f).substr(0, cut));
    BOOST_TEST(s.frames.size() == 1u);
    BOOST_TEST(s.good_end == first_end);
  }
  // Zeros after the last frame (unwritten blocks after a crash).
  BOOST_TEST(journal::scan(f + std::string(100, '\0')).frames.size() == 2u);
  // The last frame's payload damaged: a partly persisted commit.
  std::string damaged = f;
  damaged.back() ^= 0x5A;
  BOOST_TEST(journal::scan(damaged).frames.size() == 1u);
}

BOOST_AUTO_TEST_CASE(damage_in_the_middle_is_an_error_never_an_empty_ledger) {
  const std::string f = sample_file();
  // Flip each byte of the first frame in turn: with a later frame present, every one is corrupt.
  for (std::size_t at = journal::header_size; at < journal::header_size + 30; ++at) {
    std::string d = f;
    d[at] = static_cast<char>(d[at] ^ 0xFF);
    BOOST_TEST(is_corrupt(d), "byte " << at);
  }
  // Random bytes after the good frames (not zeros, not a frame): refused.
  BOOST_TEST(is_corrupt(f + "garbage that is not a frame header"));
}

BOOST_AUTO_TEST_SUITE_END()
