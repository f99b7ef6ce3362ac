// The shim's power-cut model must be right before it can judge the library: unsynced bytes are
// lost, synced ones kept, renames count only after the directory is synced.
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "support/durability.hpp"

namespace fs = std::filesystem;
using awsmp::test::durable_tree;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void append(int fd, const std::string& s) {
  BOOST_REQUIRE(::write(fd, s.data(), s.size()) == ssize_t(s.size()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(durability_shim)

BOOST_AUTO_TEST_CASE(unsynced_bytes_are_lost_synced_bytes_kept) {
  durable_tree tree;
  const auto file = tree.path() / "data";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  BOOST_REQUIRE(fd >= 0);
  append(fd, "first;");
  BOOST_TEST(!durable_tree::is_durable(file));
  BOOST_REQUIRE(::fdatasync(fd) == 0);
  BOOST_TEST(durable_tree::syncs(file) == 1u);
  BOOST_TEST(durable_tree::is_durable(file));
  append(fd, "second;");
  BOOST_TEST(!durable_tree::is_durable(file));
  ::close(fd);  // close does not sync
  durable_tree::power_loss();
  BOOST_TEST(read_all(file) == "first;");
}

BOOST_AUTO_TEST_CASE(a_file_never_synced_does_not_survive) {
  durable_tree tree;
  const auto file = tree.path() / "never-synced";
  std::ofstream(file) << "gone";
  BOOST_TEST(fs::exists(file));
  durable_tree::power_loss();
  BOOST_TEST(!fs::exists(file));
}

BOOST_AUTO_TEST_CASE(content_from_before_the_first_open_counts_as_durable) {
  awsmp::test::temp_dir root("awsmp-durable");
  awsmp::test::temp_dir images("awsmp-durable-images");
  const auto file = root.write("old", "was here;");  // before tracking: on disk already
  BOOST_REQUIRE(awsmp_durability_track != nullptr);
  awsmp_durability_track(root.path().c_str(), images.path().c_str());
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  append(fd, "appended;");
  ::close(fd);
  durable_tree::power_loss();
  BOOST_TEST(read_all(file) == "was here;");
  awsmp_durability_track("", images.path().c_str());
}

BOOST_AUTO_TEST_CASE(rename_counts_only_after_the_directory_sync) {
  durable_tree tree;
  const auto file = tree.path() / "journal";
  const auto temp = tree.path() / "journal.tmp";
  for (bool sync_dir : {false, true}) {
    BOOST_TEST_CONTEXT("directory synced: " << sync_dir) {
      int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      append(fd, "old");
      BOOST_REQUIRE(::fsync(fd) == 0);
      ::close(fd);
      int dir = ::open(tree.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      BOOST_REQUIRE(::fsync(dir) == 0);  // the creation of "journal" is durable
      fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      append(fd, "new");
      BOOST_REQUIRE(::fdatasync(fd) == 0);
      ::close(fd);
      BOOST_REQUIRE(::rename(temp.c_str(), file.c_str()) == 0);
      if (sync_dir) BOOST_REQUIRE(::fsync(dir) == 0);
      ::close(dir);
      durable_tree::power_loss();
      BOOST_TEST(read_all(file) == (sync_dir ? "new" : "old"));
      BOOST_TEST(fs::exists(temp) == !sync_dir);  // without the directory sync the old names stay
      fs::remove(temp);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
