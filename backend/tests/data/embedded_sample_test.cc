// The demo sample compiled into the binary (rc_embed_text_files in
// cmake/RcModule.cmake) must be the file in backend/data/sample byte for byte:
// the generator splits it into several raw literals at line ends, and a lost
// or doubled line there would change the demo's bars without failing anywhere else.
#include "data/internal/embedded_sample.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace rc::data::internal {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EmbeddedSampleTest, EveryFileEqualsItsSourceByteForByte) {
  const std::filesystem::path sample_dir = std::filesystem::path(RC_TEST_SOURCE_DIR) / "backend/data/sample";
  size_t csv_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(sample_dir)) {
    if (entry.path().extension() == ".csv") ++csv_files;
  }
  ASSERT_GT(csv_files, 0u);
  ASSERT_EQ(EmbeddedSampleFiles().size(), csv_files);
  for (const auto& [name, text] : EmbeddedSampleFiles()) {
    const std::string source = ReadFile(sample_dir / name);
    // Larger than one literal may be (65,536), so the generator's splitting is exercised.
    EXPECT_GT(source.size(), 65536u) << name;
    EXPECT_EQ(text.size(), source.size()) << name;
    EXPECT_TRUE(text == source) << name << " differs from its source file";
  }
}

}  // namespace
}  // namespace rc::data::internal
