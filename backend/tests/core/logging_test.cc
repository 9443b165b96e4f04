#include "core/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace rc {
namespace {

// Logs one line inside a request scope and one outside; returns what reached stderr.
std::string LogAroundARequest(LogFormat format) {
  spdlog::drop("regimecast");
  EXPECT_TRUE(InitLogging("info", format).has_value());
  ::testing::internal::CaptureStderr();
  {
    ScopedRequestId outer("req-1");
    spdlog::info("inside");
    {
      ScopedRequestId nested("req-2");
      spdlog::info("nested");
    }
    spdlog::info("inside again");
  }
  spdlog::info("outside");
  spdlog::default_logger()->flush();
  return ::testing::internal::GetCapturedStderr();
}

TEST(LoggingTest, JsonLinesOfARequestCarryItsId) {
  const std::string out = LogAroundARequest(LogFormat::kJson);
  EXPECT_NE(out.find(R"("msg":"inside","request_id":"req-1"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("msg":"nested","request_id":"req-2"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("msg":"inside again","request_id":"req-1"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("msg":"outside"})"), std::string::npos) << out;
  EXPECT_EQ(CurrentRequestId(), "");
}

TEST(LoggingTest, TextLinesOfARequestCarryItsId) {
  const std::string out = LogAroundARequest(LogFormat::kText);
  EXPECT_NE(out.find("[req req-1] inside\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[req req-2] nested\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" outside\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("] outside"), std::string::npos) << out;
}

}  // namespace
}  // namespace rc
