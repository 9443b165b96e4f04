// File: testing/temp_dir.h
// A fresh directory under $TMPDIR, removed with everything in it on destruction.
#pragma once

#include <filesystem>
#include <string>

namespace rc::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path` (creating parent directories).
void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

// Path of ../shared/data/<sub> next to the checkout, or empty when absent
// (tests that need it call GTEST_SKIP() with a reason).
std::filesystem::path SharedDataDir(const std::string& sub);

}  // namespace rc::testing
