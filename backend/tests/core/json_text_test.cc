#include "core/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "core/strings.h"

namespace rc {
namespace {

TEST(FormatShortestDoubleTest, PlainShortestText) {
  EXPECT_EQ(FormatShortestDouble(1.0), "1");
  EXPECT_EQ(FormatShortestDouble(0.0), "0");
  EXPECT_EQ(FormatShortestDouble(-2.0), "-2");
  EXPECT_EQ(FormatShortestDouble(3456.05), "3456.05");
  EXPECT_EQ(FormatShortestDouble(0.00025), "0.00025");
  EXPECT_EQ(FormatShortestDouble(0.1), "0.1");
  EXPECT_EQ(FormatShortestDouble(-97308.5), "-97308.5");
  EXPECT_EQ(FormatShortestDouble(1e20), "100000000000000000000");
  EXPECT_EQ(FormatShortestDouble(1.5e-7), "0.00000015");
  // Outside [1e-7, 1e21) plain text would be long: exponent form, as JavaScript.
  EXPECT_EQ(FormatShortestDouble(1e21), "1e+21");
  EXPECT_EQ(FormatShortestDouble(-2.5e-8), "-2.5e-08");
  EXPECT_EQ(FormatShortestDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FormatShortestDouble(std::numeric_limits<double>::denorm_min()), "5e-324");
}

TEST(FormatShortestDoubleTest, EveryDoubleReadsBackIdentical) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> bits;
  for (int sample_idx = 0; sample_idx < 200000; ++sample_idx) {
    uint64_t raw = bits(rng);
    double value;
    std::memcpy(&value, &raw, sizeof value);
    if (!std::isfinite(value)) continue;
    const std::string text = FormatShortestDouble(value);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    if (std::fabs(value) >= 1e-7 && std::fabs(value) < 1e21) {
      ASSERT_EQ(text.find('e'), std::string::npos) << text;
    }
  }
}

TEST(JsonTextTest, NumbersArePlainAndEverythingElseAsBoost) {
  boost::json::value v = boost::json::parse(
      R"({"regime_confidence":1.0,"last_close":3456.05,"q":0.00025,"n":-7,"u":18446744073709551615,
          "big":1e300,"s":"a\"b\\c\n\u0001é","list":[1.5,true,null,{}],"empty":[]})");
  EXPECT_EQ(JsonText(v),
            R"({"regime_confidence":1,"last_close":3456.05,"q":0.00025,"n":-7,"u":18446744073709551615,)"
            R"("big":1e+300,"s":"a\"b\\c\n\u0001é","list":[1.5,true,null,{}],"empty":[]})");
}

TEST(JsonTextTest, NonFiniteBecomesNullAndOutputParsesBackToTheSameValue) {
  boost::json::object o{{"nan", std::nan("")}, {"inf", std::numeric_limits<double>::infinity()},
                        {"ninf", -std::numeric_limits<double>::infinity()}, {"x", 0.30000000000000004}};
  const std::string text = JsonText(o);
  EXPECT_EQ(text, R"({"nan":null,"inf":null,"ninf":null,"x":0.30000000000000004})");
  const boost::json::value back = boost::json::parse(text);
  EXPECT_EQ(back.at("x").as_double(), 0.30000000000000004);
  EXPECT_TRUE(back.at("nan").is_null());
}

TEST(JsonTextTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  // A client's bytes echoed in a message (an Origin header, a truncated field name).
  const std::string text = JsonText(boost::json::object{
      {"m", boost::json::string(std::string("dash.\x91xample \xe2\x82 \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98\x80"))}});
  EXPECT_EQ(text, "{\"m\":\"dash.\\ufffdxample \\ufffd\\ufffd \xc3\xa9 \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"}");
  boost::system::error_code ec;
  boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
}

}  // namespace
}  // namespace rc
