#include "data/pipeline/silver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <variant>

#include "data/pipeline/lake_rows.h"
#include "features/targets.h"
#include "lake/layers/layers.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::data::pipeline {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Iso;
using ::rc::testing::Sym;

std::vector<BronzeBar> Bronze(size_t count, uint64_t seed) {
  const auto& nse = ExchangeCalendar::ForSymbol(Sym("TCS.NS"));
  std::vector<BronzeBar> out;
  for (const Bar& bar : ::rc::testing::RandomWalkBars(nse, Timeframe::k5m, Iso("2024-01-02T00:00:00Z"),
                                                       count, seed)) {
    out.push_back({bar, MarketSession::kRegular, false, "sim", "b"});
  }
  return out;
}

TEST(SilverTest, UsesOnlyRegularBarsAndNamesTargets) {
  auto bronze = Bronze(400, 1);
  bronze[10].session = MarketSession::kPre;
  bronze[20].session = MarketSession::kPost;
  auto silver = BuildSilver(Sym("TCS.NS"), Timeframe::k5m, bronze, features::FeatureSet::Default(), {30, 180});
  ASSERT_THAT(silver, IsOk());
  EXPECT_EQ(silver->bars.size(), 398u);
  EXPECT_EQ(silver->features.rows(), 398u);
  EXPECT_EQ(silver->feature_set_version, features::FeatureSet::Default().name());
  ASSERT_EQ(silver->targets.size(), 2u);
  EXPECT_EQ(silver->targets[1].first, "target_ret_180m");
  // 180 minutes of 5m bars = 36 bars ahead; the last 36 targets are unknown.
  const auto& y = silver->targets[1].second;
  EXPECT_TRUE(std::isnan(y.back()));
  EXPECT_TRUE(std::isnan(y[398 - 36]));
  EXPECT_FALSE(std::isnan(y[398 - 37]));
  EXPECT_NEAR(y[0], std::log(silver->bars[36].close / silver->bars[0].close), 1e-15);
}

TEST(SilverTest, BadHorizonIsRejected) {
  EXPECT_THAT(BuildSilver(Sym("TCS.NS"), Timeframe::k5m, Bronze(10, 2), features::FeatureSet::Default(), {7}),
              ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

TEST(SilverTest, FeaturesAtTDoNotChangeWhenLaterBarsChange) {
  auto bronze = Bronze(600, 3);
  auto base = BuildSilver(Sym("TCS.NS"), Timeframe::k5m, bronze, features::FeatureSet::Default(), {180});
  ASSERT_THAT(base, IsOk());
  const size_t t = 450;
  for (size_t later = t + 1; later < bronze.size(); ++later) {
    bronze[later].bar.close *= 1.5;
    bronze[later].bar.high *= 1.5;
    bronze[later].bar.volume *= 3;
  }
  auto perturbed = BuildSilver(Sym("TCS.NS"), Timeframe::k5m, bronze, features::FeatureSet::Default(), {180});
  ASSERT_THAT(perturbed, IsOk());
  for (size_t col = 0; col < base->features.columns.size(); ++col) {
    for (size_t row = 0; row <= t; ++row) {
      const double a = base->features.columns[col][row];
      const double b = perturbed->features.columns[col][row];
      ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b)
          << base->features.names[col] << " at row " << row;
    }
  }
}

// SilverChunks' chunks, one after the other, hold the data columns of
// SilverToBatch(BuildSilver(...)): the features continue across chunk
// boundaries through one state, and nulls (warm-up, unknown targets) are
// marked per chunk as SilverToBatch marks them per column.
void ExpectChunksEqualWholeBatch(size_t bars, size_t chunk_rows) {
  SCOPED_TRACE(std::to_string(bars) + " bars in chunks of " + std::to_string(chunk_rows));
  const features::FeatureSet& set = features::FeatureSet::Default();
  const std::vector<int> horizons = {30, 180};
  auto bronze = Bronze(bars, 9);
  if (bars > 5) bronze[5].session = MarketSession::kPost;  // not in silver
  lake::layers::SilverColumns columns{set.ColumnNames(), {"target_ret_30m", "target_ret_180m"}};
  auto schema = lake::layers::SilverFeaturesSchema(columns);
  ASSERT_THAT(schema, IsOk());
  auto silver = BuildSilver(Sym("TCS.NS"), Timeframe::k5m, bronze, set, horizons);
  ASSERT_THAT(silver, IsOk());
  auto whole = SilverToBatch(*schema, Sym("TCS.NS"), Timeframe::k5m, std::move(*silver));
  ASSERT_THAT(whole, IsOk());
  std::vector<std::string> data_names;
  for (const auto& field : schema->fields) {
    if (field.name != "symbol" && field.name != "timeframe") data_names.push_back(field.name);
  }
  auto expected = std::move(*whole).Project(data_names);
  ASSERT_THAT(expected, IsOk());

  auto chunks = SilverChunks::Start(Sym("TCS.NS"), Timeframe::k5m, RegularBars(bronze), set, horizons, chunk_rows);
  ASSERT_THAT(chunks, IsOk());
  EXPECT_EQ(chunks->rows(), expected->num_rows());
  lake::ColumnBatch chunk(expected->schema());
  lake::ColumnBatch all(expected->schema());
  size_t calls = 0;
  for (;;) {
    auto more = chunks->Next(chunk);
    ASSERT_THAT(more, IsOk());
    if (!*more) break;
    ++calls;
    ASSERT_LE(chunk.num_rows(), chunk_rows);
    ASSERT_THAT(chunk.Validate(), IsOk());
    ASSERT_THAT(all.Append(chunk), IsOk());
  }
  EXPECT_EQ(calls, (expected->num_rows() + chunk_rows - 1) / chunk_rows);
  ASSERT_EQ(all.num_rows(), expected->num_rows());
  for (size_t col = 0; col < all.num_columns(); ++col) {
    const auto& name = all.schema().fields[col].name;
    for (size_t row = 0; row < all.num_rows(); ++row) {
      ASSERT_EQ(all.column(col).IsNull(row), expected->column(col).IsNull(row)) << name << " row " << row;
      if (all.column(col).IsNull(row)) continue;
      std::visit(
          [&](const auto& values) {
            using V = std::decay_t<decltype(values)>;
            ASSERT_EQ(values[row], std::get<V>(expected->column(col).values)[row]) << name << " row " << row;
          },
          all.column(col).values);
    }
  }
  if (chunks->rows() > 0) {
    EXPECT_EQ(chunks->newest_open(), std::optional<TimestampUs>(bronze.back().bar.open_time));
  }
}

TEST(SilverTest, ChunksEqualTheWholeBatchAcrossChunkBoundaries) {
  constexpr size_t kChunk = 64;
  ExpectChunksEqualWholeBatch(41, kChunk);        // 40 silver rows: smaller than one chunk
  ExpectChunksEqualWholeBatch(65, kChunk);        // exactly one chunk
  ExpectChunksEqualWholeBatch(66, kChunk);        // one chunk and one row
  ExpectChunksEqualWholeBatch(400, kChunk);       // many chunks, warm-up spanning several
  ExpectChunksEqualWholeBatch(400, 1);            // one row per chunk
  ExpectChunksEqualWholeBatch(0, kChunk);         // no bars: no chunk
}

TEST(SilverTest, ChunksRejectZeroRowsAndBadHorizons) {
  EXPECT_THAT(SilverChunks::Start(Sym("TCS.NS"), Timeframe::k5m, RegularBars(Bronze(10, 2)), features::FeatureSet::Default(), {180}, 0),
              ErrorIs(ErrorCode::kInvalidArgument, "chunk_rows"));
  EXPECT_THAT(SilverChunks::Start(Sym("TCS.NS"), Timeframe::k5m, RegularBars(Bronze(10, 2)), features::FeatureSet::Default(), {7}, 64),
              ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

}  // namespace
}  // namespace rc::data::pipeline
