// The journal format: checksums, torn tails tolerated, damage in the middle refused.
#include "billing/billing_journal.hpp"
#include "core/crc32c.hpp"

#include <awsmp/error.hpp>

#include <boost/test/unit_test.hpp>

using namespace awsmp;
using namespace awsmp::detail;

namespace {

struct recorder final : journal::visitor {
  std::string log;
  void on_usage(std::string_view id, std::int64_t in, std::int64_t out) override {
    log += "usage " + std::string(id) + " " + std::to_string(in) + " " + std::to_string(out) + ";";
  }
  void on_seal(std::string_view id, const seal_plan& p, std::string_view dim, const std::vector<std::uint64_t>& seqs) override {
    log += "seal " + std::string(id) + " " + std::to_string(p.consumed_input) + " " + std::to_string(p.carried_delta) +
           " " + std::string(dim) + " n=" + std::to_string(seqs.size());
    for (std::size_t i = 0; i < seqs.size(); ++i)
      log += " " + std::to_string(seqs[i]) + "@" + std::to_string(p.parts[i].minute) + "x" + std::to_string(p.parts[i].quantity);
    log += ";";
  }
  void on_ack(std::uint64_t seq) override { log += "ack " + std::to_string(seq) + ";"; }
  void on_dead(std::uint64_t seq, std::string_view reason) override {
    log += "dead " + std::to_string(seq) + " " + std::string(reason) + ";";
  }
  void on_pending(std::uint64_t seq, usage_record r) override {
    log += "pending " + std::to_string(seq) + " " + r.customer_identifier + " " + std::to_string(r.quantity) + ";";
  }
  void on_dead_record(usage_record r, std::string_view reason) override {
    log += "deadrec " + r.customer_identifier + " " + std::string(reason) + ";";
  }
  void on_next_seq(std::uint64_t seq) override { log += "next " + std::to_string(seq) + ";"; }
};

std::string sample_file() {
  std::string f = journal::file_header();
  std::string p1;
  journal::encode_usage(p1, "cust-1", 10, 20);
  journal::encode_usage(p1, "cust-2", 5, 0);
  f += journal::frame(p1);
  std::string p2;
  seal_plan plan;
  plan.consumed_input = 10;
  plan.consumed_output = 20;
  plan.carried_delta = -3;
  plan.last_sealed = 77;
  plan.parts = {{77, 3}};
  journal::encode_seal(p2, "cust-1", plan, "tokens_1m", {9});
  journal::encode_ack(p2, 9);
  f += journal::frame(p2);
  return f;
}

std::string replay(std::string_view file) {
  recorder r;
  for (auto payload : journal::scan(file).frames) journal::decode(payload, r);
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
  BOOST_TEST(crc32c(zeros) == 0x8A9136AAu);        // RFC 3720 B.4
  BOOST_TEST(crc32c("6789", crc32c("12345")) == 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(entries_round_trip) {
  const std::string f = sample_file();
  BOOST_TEST(replay(f) == "usage cust-1 10 20;usage cust-2 5 0;seal cust-1 10 -3 tokens_1m n=1 9@77x3;ack 9;");
  std::string p;
  usage_record r;
  r.customer_identifier = "c";
  r.dimension = "d";
  r.quantity = 4;
  r.timestamp = minute_start(5);
  journal::encode_pending(p, 3, r);
  journal::encode_dead_record(p, r, "DuplicateRecord");
  journal::encode_dead(p, 3, "CustomerNotSubscribed");
  journal::encode_next_seq(p, 11);
  BOOST_TEST(replay(journal::file_header() + journal::frame(p)) ==
             "pending 3 c 4;deadrec c DuplicateRecord;dead 3 CustomerNotSubscribed;next 11;");
}

BOOST_AUTO_TEST_CASE(empty_and_torn_header_start_fresh) {
  BOOST_TEST(journal::scan("").fresh);
  BOOST_TEST(journal::scan(journal::file_header().substr(0, 5)).fresh);
}

BOOST_AUTO_TEST_CASE(foreign_files_are_refused) {
  BOOST_TEST(is_corrupt("SQLite format 3\0 and more bytes than a header"));
  BOOST_TEST(is_corrupt("hello"));
  std::string wrong_version = journal::file_header();
  wrong_version[8] = 2;
  BOOST_TEST(is_corrupt(wrong_version));
}

BOOST_AUTO_TEST_CASE(every_torn_tail_is_cut_to_the_last_good_frame) {
  const std::string f = sample_file();
  const std::size_t first_end = journal::header_size + journal::frame_header_size + 2 * (1 + 1 + 6 + 16);
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
