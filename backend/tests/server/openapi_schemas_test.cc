#include "server/openapi_schemas.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace rc::server {
namespace {

constexpr std::string_view kComponentPrefix = "#/components/schemas/";

boost::json::value Parse(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return value;
}

// The names of every component a schema refers to, at any depth.
void CollectRefs(const boost::json::value& schema, std::set<std::string>& names) {
  if (schema.is_array()) {
    for (const auto& item : schema.as_array()) CollectRefs(item, names);
  } else if (schema.is_object()) {
    for (const auto& [key, value] : schema.as_object()) {
      if (key == "$ref") {
        std::string_view ref = value.as_string();
        ASSERT_TRUE(ref.starts_with(kComponentPrefix)) << ref;
        names.emplace(ref.substr(kComponentPrefix.size()));
      } else {
        CollectRefs(value, names);
      }
    }
  }
}

std::vector<std::string> ResponseSchemas() {
  return {BarsResponseSchema(), IndicatorsResponseSchema(), RegimeResponseSchema(), PredictionsResponseSchema(),
          WatchlistResponseSchema(), ModelsResponseSchema(), JobsResponseSchema(), ExperimentsResponseSchema(),
          ClearModelsResponseSchema()};
}

std::vector<std::string> ItemSchemas() {
  return {BarSchema(),   RegimeStateSchema(),      LoggedPredictionSchema(), PredictionSchema(),    ModelEntrySchema(),
          JobSchema(),   ExperimentRecordSchema(), CuratedResultSchema(),    BacktestSummarySchema()};
}

// Every schema is JSON an OpenAPI document can embed (a bad one would throw
// when /openapi.json is built), and an object schema's required fields are
// among its properties.
TEST(OpenApiSchemasTest, AllParseAndRequireOnlyFieldsTheyDescribe) {
  std::vector<std::string> texts = ResponseSchemas();
  for (const NamedSchema& named : ComponentSchemas()) texts.push_back(named.schema_json);
  for (const std::string& text : texts) {
    boost::json::value schema = Parse(text);
    ASSERT_TRUE(schema.is_object()) << text;
    if (const auto* all_of = schema.as_object().if_contains("allOf")) {
      EXPECT_FALSE(all_of->as_array().empty());
      continue;
    }
    const boost::json::array nullable_object{"object", "null"};
    EXPECT_TRUE(schema.at("type") == "object" || schema.at("type") == nullable_object) << text;
    if (const auto* required = schema.as_object().if_contains("required")) {
      for (const auto& name : required->as_array()) {
        EXPECT_TRUE(schema.at("properties").as_object().contains(name.as_string())) << name << " in " << text;
      }
    }
  }
}

// The named schemas and the references to them agree: each name once, every
// $ref names one of them, and none is listed that nothing refers to.
TEST(OpenApiSchemasTest, EveryReferenceNamesAComponentAndEveryComponentIsReferenced) {
  std::set<std::string> components;
  std::set<std::string> referenced;
  for (const NamedSchema& named : ComponentSchemas()) {
    EXPECT_TRUE(components.insert(named.name).second) << "listed twice: " << named.name;
    CollectRefs(Parse(named.schema_json), referenced);
  }
  for (const auto& texts : {ResponseSchemas(), ItemSchemas()}) {
    for (const std::string& text : texts) CollectRefs(Parse(text), referenced);
  }
  EXPECT_EQ(referenced, components);
}

TEST(OpenApiSchemasTest, ItemSchemasAreReferencesToTheirComponents) {
  EXPECT_EQ(Parse(JobSchema()), (boost::json::object{{"$ref", "#/components/schemas/Job"}}));
  const auto bars = Parse(BarsResponseSchema());
  EXPECT_EQ(bars.at("properties").at("bars").at("items"), Parse(BarSchema()));
}

}  // namespace
}  // namespace rc::server
