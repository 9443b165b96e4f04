#include "core/json_fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "testing/matchers.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;

boost::json::object Object(std::string_view text) { return boost::json::parse(text).as_object(); }

TEST(JsonFieldsTest, RequestFieldsAreClientErrorsNamingTheField) {
  const boost::json::object body = Object(R"({"who": "ana", "n": 3.0, "big": 70, "flag": "yes", "gone": null})");
  const JsonFields fields = JsonFields::Request(body);
  EXPECT_EQ(*fields.RequiredString("who"), "ana");
  EXPECT_EQ(**fields.OptionalInt("n", 1, 10), 3);  // 3.0 is an integer
  EXPECT_FALSE(fields.OptionalString("gone")->has_value());  // null counts as absent

  auto missing = fields.RequiredString("why");
  ASSERT_THAT(missing, ErrorIs(ErrorCode::kInvalidArgument, "why"));
  EXPECT_EQ(missing.error().message, "is required");
  auto range = fields.OptionalInt("big", 1, 50);
  ASSERT_THAT(range, ErrorIs(ErrorCode::kInvalidArgument, "big"));
  EXPECT_EQ(range.error().message, "must be in 1..50, got 70");
  auto mistyped = fields.OptionalBool("flag");
  ASSERT_THAT(mistyped, ErrorIs(ErrorCode::kInvalidArgument, "flag"));
  EXPECT_EQ(mistyped.error().message, "must be a boolean");
  EXPECT_THAT(fields.RequiredString("n"), ErrorIs(ErrorCode::kInvalidArgument, "n"));

  auto unknown = fields.RejectUnknown({"who", "n", "big", "flag"});
  ASSERT_THAT(unknown, ErrorIs(ErrorCode::kInvalidArgument, "gone"));
  EXPECT_EQ(unknown.error().message, "unknown field (expected: who, n, big, flag)");
  EXPECT_TRUE(fields.RejectUnknown({"who", "n", "big", "flag", "gone"}).has_value());
}

TEST(JsonFieldsTest, RequestBodyMustBeAJsonObject) {
  EXPECT_TRUE(ParseRequestObject(R"({"a": 1})").has_value());
  for (const char* text : {"", "[1]", "{\"a\":", "42"}) {
    EXPECT_THAT(ParseRequestObject(text), ErrorIs(ErrorCode::kMalformed, "body")) << text;
  }
}

TEST(JsonFieldsTest, StoredFieldsAreCorruptionNamingPathAndPosition) {
  const boost::json::object add = Object(R"({"path": 7, "size": 12.5, "dataChange": true})");
  const JsonFields log = JsonFields::Stored(add, "add", "00000000000000000003.json:2");
  EXPECT_TRUE(*log.RequiredBool("dataChange"));
  auto mistyped = log.RequiredString("path");
  ASSERT_THAT(mistyped, ErrorIs(ErrorCode::kDataCorrupt, "00000000000000000003.json:2"));
  EXPECT_EQ(mistyped.error().message, "add.path must be a string");
  EXPECT_EQ(log.RequiredInt("size").error().message, "add.size must be an integer");
  EXPECT_EQ(log.RequiredInt("modificationTime").error().message, "add.modificationTime is missing (must be an integer)");

  // Without a position, the field is the path inside the document.
  const boost::json::object params = Object(R"({"lambda": "0.10000000000000001", "nan": null, "flag": true})");
  const JsonFields model = JsonFields::Stored(params, "params");
  EXPECT_EQ(*model.RequiredNumber("lambda"), 0.1);  // the exact string form
  EXPECT_TRUE(std::isnan(*model.RequiredNumber("nan")));  // NaN is stored as null
  EXPECT_THAT(model.RequiredNumber("flag"), ErrorIs(ErrorCode::kDataCorrupt, "params.flag"));
  EXPECT_THAT(model.RequiredObject("absent"), ErrorIs(ErrorCode::kDataCorrupt, "params.absent"));
  EXPECT_THAT(model.RequiredArray("lambda"), ErrorIs(ErrorCode::kDataCorrupt, "params.lambda"));
}

TEST(JsonFieldsTest, TimesAreIsoStringsNamedByTheirPathWhenBad) {
  const boost::json::object body =
      Object(R"({"from": "2024-01-02T03:45:00Z", "to": "2024-13-01", "until": 17, "as_of": null})");
  const JsonFields fields = JsonFields::Request(body, "window");
  EXPECT_EQ(**fields.OptionalTime("from"), int64_t{1704167100} * 1'000'000);
  EXPECT_FALSE(fields.OptionalTime("as_of")->has_value());  // null counts as absent
  EXPECT_FALSE(fields.OptionalTime("absent")->has_value());
  auto bad = fields.OptionalTime("to");
  ASSERT_THAT(bad, ErrorIs(ErrorCode::kInvalidArgument, "window.to"));
  EXPECT_NE(bad.error().message.find("'2024-13-01' is not a valid time"), std::string::npos) << bad.error().message;
  EXPECT_THAT(fields.OptionalTime("until"), ErrorIs(ErrorCode::kInvalidArgument, "window.until"));  // not a string

  const JsonFields stored = JsonFields::Stored(body, "record");
  auto corrupt = stored.OptionalTime("to");
  ASSERT_THAT(corrupt, ErrorIs(ErrorCode::kDataCorrupt, "record.to"));
  EXPECT_EQ(corrupt.error().message.rfind("record.to '2024-13-01' is not a valid time", 0), 0u) << corrupt.error().message;
}

TEST(JsonFieldsTest, IntegersAreExactOrRefused) {
  EXPECT_EQ(JsonInt64(boost::json::value(int64_t{-5})), -5);
  EXPECT_EQ(JsonInt64(boost::json::value(uint64_t{1} << 62)), int64_t{1} << 62);
  EXPECT_EQ(JsonInt64(boost::json::value(uint64_t{1} << 63)), std::nullopt);
  EXPECT_EQ(JsonInt64(boost::json::value(2.5)), std::nullopt);
  EXPECT_EQ(JsonInt64(boost::json::value(1e300)), std::nullopt);
  EXPECT_EQ(JsonInt64(boost::json::value("3")), std::nullopt);
}

TEST(JsonFieldsTest, StoredDocumentsHaveBoundedDepth) {
  EXPECT_TRUE(ParseJsonDocument(R"({"a": [1, 2]})", "x.json").has_value());
  EXPECT_THAT(ParseJsonDocument("{\"a\":", "x.json"), ErrorIs(ErrorCode::kDataCorrupt, "x.json"));
  EXPECT_THAT(ParseJsonDocument(std::string(100, '[') + std::string(100, ']'), "deep.json"),
              ErrorIs(ErrorCode::kDataCorrupt, "deep.json"));
}

}  // namespace
}  // namespace rc
