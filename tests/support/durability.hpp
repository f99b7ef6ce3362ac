// The test side of the durability shim (tests/support/durability_shim.cpp, LD_PRELOADed by
// ctest): a scope that tracks one fresh directory, and the power cut.
#pragma once

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

extern "C" {
// Weak: a test binary started without the shim sees null pointers and fails loudly.
__attribute__((weak)) int awsmp_durability_track(const char* root, const char* images);
__attribute__((weak)) int awsmp_durability_active(void);
__attribute__((weak)) unsigned long awsmp_durability_syncs(const char* path);
__attribute__((weak)) int awsmp_durability_is_durable(const char* path);
__attribute__((weak)) int awsmp_durability_power_loss(void);
}

namespace awsmp::test {

/// Tracks a fresh directory (`path()`) with the durability shim for the scope's lifetime.
/// Fails the test (BOOST_REQUIRE) when the shim is not loaded: a durability test that cannot
/// observe syncs must not pass.
class durable_tree {
 public:
  durable_tree() : root_("awsmp-durable"), images_("awsmp-durable-images") {
    BOOST_REQUIRE_MESSAGE(
        awsmp_durability_track != nullptr,
        "the durability shim is not loaded: run through ctest (LD_PRELOAD=libawsmp_durability_shim.so)");
    awsmp_durability_track(root_.path().c_str(), images_.path().c_str());
    BOOST_REQUIRE(awsmp_durability_active() == 1);
  }
  ~durable_tree() { awsmp_durability_track("", images_.path().c_str()); }
  durable_tree(const durable_tree&) = delete;
  durable_tree& operator=(const durable_tree&) = delete;

  /// The tracked directory.
  const std::filesystem::path& path() const { return root_.path(); }
  /// fsync/fdatasync calls on `file` in this process.
  static unsigned long syncs(const std::filesystem::path& file) {
    return awsmp_durability_syncs(file.c_str());
  }
  /// True when a power cut now would leave `file` as it is.
  static bool is_durable(const std::filesystem::path& file) {
    return awsmp_durability_is_durable(file.c_str()) == 1;
  }
  /// Every tracked file goes back to what was synced (call after the writers are gone).
  static void power_loss() { BOOST_REQUIRE(awsmp_durability_power_loss() >= 0); }

 private:
  temp_dir root_;
  temp_dir images_;
};

}  // namespace awsmp::test
