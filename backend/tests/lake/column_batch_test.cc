// ColumnBatch contract (lake/column_batch.h): validation failures name the
// column, Append merges validity, Slice/Take/Project keep values and nulls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "lake/column_batch.h"
#include "testing/matchers.h"

namespace rc::lake {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

Schema TwoColumns() { return Schema{{{"ts", ColumnType::kTimestampMicros, false}, {"close", ColumnType::kDouble, true}}}; }

ColumnBatch Sample() {
  ColumnBatch batch(TwoColumns());
  batch.Int64s(0) = {10, 20, 30, 40};
  batch.Doubles(1) = {1.5, 0.0, 3.5, 4.5};
  batch.SetNull(1, 1);
  return batch;
}

TEST(ColumnBatchTest, ConstructorCreatesStorageMatchingEachType) {
  Schema schema{{{"b", ColumnType::kBool}, {"i", ColumnType::kInt32}, {"l", ColumnType::kInt64},
                 {"f", ColumnType::kFloat}, {"d", ColumnType::kDouble}, {"s", ColumnType::kString},
                 {"t", ColumnType::kTimestampMicros}, {"day", ColumnType::kDate}}};
  ColumnBatch batch(schema);
  EXPECT_NO_THROW(batch.Bools(0));
  EXPECT_NO_THROW(batch.Int32s(1));
  EXPECT_NO_THROW(batch.Int64s(2));
  EXPECT_NO_THROW(batch.Floats(3));
  EXPECT_NO_THROW(batch.Doubles(4));
  EXPECT_NO_THROW(batch.Strings(5));
  EXPECT_NO_THROW(batch.Int64s(6));
  EXPECT_NO_THROW(batch.Int32s(7));
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_THAT(batch.Validate(), IsOk());
}

TEST(ColumnBatchTest, TypeNamesAreStable) {
  EXPECT_EQ(ColumnTypeName(ColumnType::kBool), "bool");
  EXPECT_EQ(ColumnTypeName(ColumnType::kInt32), "int32");
  EXPECT_EQ(ColumnTypeName(ColumnType::kInt64), "int64");
  EXPECT_EQ(ColumnTypeName(ColumnType::kFloat), "float");
  EXPECT_EQ(ColumnTypeName(ColumnType::kDouble), "double");
  EXPECT_EQ(ColumnTypeName(ColumnType::kString), "string");
  EXPECT_EQ(ColumnTypeName(ColumnType::kTimestampMicros), "timestamp");
  EXPECT_EQ(ColumnTypeName(ColumnType::kDate), "date");
}

TEST(ColumnBatchTest, FieldIndexFindsByNameOrMinusOne) {
  const Schema schema = TwoColumns();
  EXPECT_EQ(schema.FieldIndex("close"), 1);
  EXPECT_EQ(schema.FieldIndex("open"), -1);
}

TEST(ColumnBatchTest, KnownColumnFindsByNameAndRefusesAMissingOneByName) {
  ColumnBatch batch(TwoColumns());
  EXPECT_EQ(batch.KnownColumn("close"), 1u);
  try {
    batch.KnownColumn("nope");
    FAIL() << "a missing column must throw";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("'nope'"), std::string::npos) << error.what();
  }
}

TEST(ColumnBatchTest, SetNullAllocatesValidityOnFirstUse) {
  ColumnBatch batch = Sample();
  EXPECT_THAT(batch.column(1).validity, ::testing::ElementsAre(1, 0, 1, 1));
  EXPECT_TRUE(batch.column(1).IsNull(1));
  EXPECT_FALSE(batch.column(0).IsNull(1));
  EXPECT_TRUE(batch.column(0).validity.empty());
  EXPECT_THAT(batch.Validate(), IsOk());
}

TEST(ColumnBatchTest, UnequalLengthsNameTheColumn) {
  ColumnBatch batch = Sample();
  batch.Doubles(1).push_back(9.0);
  EXPECT_THAT(batch.Validate(), ErrorIs(ErrorCode::kInvalidArgument, "close"));
}

TEST(ColumnBatchTest, NullInRequiredColumnIsRejected) {
  ColumnBatch batch = Sample();
  batch.SetNull(0, 2);
  EXPECT_THAT(batch.Validate(), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
}

TEST(ColumnBatchTest, WrongStorageIsRejected) {
  ColumnBatch batch = Sample();
  batch.column(0).values = std::vector<double>{1, 2, 3, 4};
  EXPECT_THAT(batch.Validate(), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
}

TEST(ColumnBatchTest, ValidityOfWrongLengthIsRejected) {
  ColumnBatch batch = Sample();
  batch.column(1).validity.pop_back();
  EXPECT_THAT(batch.Validate(), ErrorIs(ErrorCode::kInvalidArgument, "close"));
}

TEST(ColumnBatchTest, DuplicateNamesAreRejected) {
  ColumnBatch batch(Schema{{{"a", ColumnType::kInt32}, {"a", ColumnType::kInt64}}});
  EXPECT_THAT(batch.Validate(), ErrorIs(ErrorCode::kInvalidArgument, "a"));
}

TEST(ColumnBatchTest, AppendConcatenatesAndMergesValidity) {
  ColumnBatch batch = Sample();
  ColumnBatch more(TwoColumns());
  more.Int64s(0) = {50, 60};
  more.Doubles(1) = {5.5, 6.5};
  ASSERT_THAT(batch.Append(more), IsOk());
  EXPECT_EQ(batch.num_rows(), 6u);
  EXPECT_THAT(batch.Int64s(0), ::testing::ElementsAre(10, 20, 30, 40, 50, 60));
  EXPECT_THAT(batch.column(1).validity, ::testing::ElementsAre(1, 0, 1, 1, 1, 1));

  ColumnBatch clean(TwoColumns());
  clean.Int64s(0) = {1};
  clean.Doubles(1) = {1.0};
  ColumnBatch with_null = Sample();
  ASSERT_THAT(clean.Append(with_null), IsOk());
  EXPECT_THAT(clean.column(1).validity, ::testing::ElementsAre(1, 1, 0, 1, 1));
  EXPECT_THAT(batch.Validate(), IsOk());
}

TEST(ColumnBatchTest, AppendWithDifferentSchemaFails) {
  ColumnBatch batch = Sample();
  ColumnBatch other(Schema{{{"ts", ColumnType::kTimestampMicros, false}}});
  EXPECT_THAT(batch.Append(other), ErrorIs(ErrorCode::kInvalidArgument, "schema"));
  EXPECT_EQ(batch.num_rows(), 4u);
}

TEST(ColumnBatchTest, SliceClampsAndKeepsNulls) {
  const ColumnBatch batch = Sample();
  const ColumnBatch mid = batch.Slice(1, 2);
  EXPECT_THAT(mid.Int64s(0), ::testing::ElementsAre(20, 30));
  EXPECT_THAT(mid.column(1).validity, ::testing::ElementsAre(0, 1));
  EXPECT_EQ(batch.Slice(3, 100).num_rows(), 1u);
  EXPECT_EQ(batch.Slice(10, 2).num_rows(), 0u);
  EXPECT_THAT(batch.Slice(10, 2).Validate(), IsOk());
}

TEST(ColumnBatchTest, TakeReordersRows) {
  const ColumnBatch batch = Sample();
  const ColumnBatch taken = batch.Take({3, 1, 1});
  EXPECT_THAT(taken.Int64s(0), ::testing::ElementsAre(40, 20, 20));
  EXPECT_THAT(taken.column(1).validity, ::testing::ElementsAre(1, 0, 0));
  EXPECT_THAT(taken.Validate(), IsOk());
}

TEST(ColumnBatchTest, ProjectKeepsRequestedOrderOrFailsNotFound) {
  const ColumnBatch batch = Sample();
  auto projected = batch.Project({"close", "ts"});
  ASSERT_THAT(projected, IsOk());
  EXPECT_EQ(projected->schema().fields[0].name, "close");
  EXPECT_THAT(projected->Int64s(1), ::testing::ElementsAre(10, 20, 30, 40));
  EXPECT_TRUE(projected->column(0).IsNull(1));
  EXPECT_THAT(batch.Project({"open"}), ErrorIs(ErrorCode::kNotFound));
}

// From a batch about to go away the columns move; one named twice is still
// there both times, and the result equals the copying projection's.
TEST(ColumnBatchTest, ProjectFromAnExpiringBatchEqualsTheCopyingOne) {
  const ColumnBatch batch = Sample();
  auto copied = batch.Project({"ts", "close", "ts"});
  ASSERT_THAT(copied, IsOk());
  ColumnBatch expiring = Sample();
  auto moved = std::move(expiring).Project({"ts", "close", "ts"});
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->schema(), copied->schema());
  for (size_t col = 0; col < copied->num_columns(); ++col) {
    EXPECT_TRUE(moved->column(col).values == copied->column(col).values) << col;
    EXPECT_EQ(moved->column(col).validity, copied->column(col).validity) << col;
  }
  EXPECT_THAT(moved->Int64s(0), ::testing::ElementsAre(10, 20, 30, 40));  // not emptied by the later use
  EXPECT_THAT(moved->Int64s(2), ::testing::ElementsAre(10, 20, 30, 40));
  EXPECT_TRUE(moved->column(1).IsNull(1));
  EXPECT_THAT(Sample().Project({"open"}), ErrorIs(ErrorCode::kNotFound));
}

}  // namespace
}  // namespace rc::lake
