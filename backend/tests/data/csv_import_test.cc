#include "data/providers/csv_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "data/providers/csv_provider.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::data {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Iso;
using ::rc::testing::Sym;
using ::testing::HasSubstr;

Result<CsvImportResult> Import(const std::string& text, CsvImportOptions options = {}) {
  std::istringstream in(text);
  return ImportCsv(in, options, "test.csv");
}

TEST(CsvImportTest, GenericFileWithAutoDetectedColumns) {
  auto r = Import(
      "Datetime,Open,High,Low,Close,Volume\n"
      "2024-03-01 03:45:00,10,11,9,10.5,100\n"
      "2024-03-01 03:50:00,10.5,11.5,10,11,200\n");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 2u);
  EXPECT_EQ(r->bars[0].open_time, Iso("2024-03-01T03:45:00Z"));
  EXPECT_EQ(r->bars[1].close, 11.0);
  EXPECT_EQ(r->rows_read, 2);
  EXPECT_EQ(r->rows_skipped, 0);
}

TEST(CsvImportTest, NseOptionsReadIstWallClock) {
  auto r = Import(
      "date,open,high,low,close,volume\n"
      "2024-03-01 09:15:00,4045,4055.9,4040.05,4051.2,152340\n",
      NseCsvOptions());
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 1u);
  EXPECT_EQ(r->bars[0].open_time, Iso("2024-03-01T03:45:00Z"));
}

TEST(CsvImportTest, ExplicitOffsetsWinOverTheZoneAndEpochsWork) {
  CsvImportOptions opt;
  opt.time_zone = "America/New_York";
  auto r = Import(
      "timestamp;open;high;low;close\n"
      "2024-03-01T09:15:00+05:30;1;1;1;1\n"
      "1709265000;1;1;1;1\n"
      "1709265300000;1;1;1;1\n"
      "2024-03-01T04:00:00Z;1;1;1;1\n",
      opt);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 4u);
  EXPECT_EQ(r->bars[0].open_time, Iso("2024-03-01T03:45:00Z"));
  EXPECT_EQ(r->bars[1].open_time, Iso("2024-03-01T03:50:00Z"));
  EXPECT_EQ(r->bars[2].open_time, Iso("2024-03-01T03:55:00Z"));
  EXPECT_EQ(r->bars[3].open_time, Iso("2024-03-01T04:00:00Z"));
  EXPECT_FALSE(r->bars[0].volume.has_value());  // no volume column
}

TEST(CsvImportTest, SeparateDateAndTimeColumnsAndNamedColumns) {
  CsvImportOptions opt = NseCsvOptions();
  opt.columns.open = "o_px";
  auto r = Import(
      "Date,Time,o_px,High,Low,Close,Volume\n"
      "01-03-2024,09:20,4051.25,4053,4047.1,4049.55,61822\n",
      opt);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 1u);
  EXPECT_EQ(r->bars[0].open_time, Iso("2024-03-01T03:50:00Z"));
  EXPECT_EQ(r->bars[0].open, 4051.25);
}

TEST(CsvImportTest, BadRowsAreSkippedAndReportedWithLineNumbers) {
  auto r = Import(
      "datetime,open,high,low,close,volume\n"
      "2024-03-01 03:45:00,10,11,9,10.5,100\n"
      "not a time,10,11,9,10.5,100\n"
      "\n"
      "2024-03-01 03:55:00,10,11x,9,10.5,100\n"
      "2024-03-01 04:00:00,10,11,9\n"
      "2024-03-01 04:05:00,10,11,9,10.5,\n");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->rows_read, 5);
  EXPECT_EQ(r->rows_skipped, 3);
  ASSERT_EQ(r->errors.size(), 3u);
  EXPECT_EQ(r->errors[0].line, 3);
  EXPECT_THAT(r->errors[0].message, HasSubstr("not a recognised date-time"));
  EXPECT_EQ(r->errors[1].line, 5);
  EXPECT_THAT(r->errors[1].message, HasSubstr("high '11x'"));
  EXPECT_EQ(r->errors[2].line, 6);
  EXPECT_THAT(r->errors[2].message, HasSubstr("4 cells"));
  ASSERT_EQ(r->bars.size(), 2u);
  EXPECT_FALSE(r->bars[1].volume.has_value());  // empty cell = null, kept
  EXPECT_THAT(r->Summary(), HasSubstr("3 skipped (line 3:"));
}

TEST(CsvImportTest, RejectPolicyFailsTheWholeImportNamingLines) {
  CsvImportOptions opt;
  opt.on_error = CsvErrorPolicy::kReject;
  auto r = Import(
      "datetime,open,high,low,close\n"
      "2024-03-01 03:45:00,10,11,9,10.5\n"
      "2024-03-01 03:50:00,abc,11,9,10.5\n",
      opt);
  ASSERT_THAT(r, ErrorIs(ErrorCode::kDataCorrupt, "test.csv"));
  EXPECT_THAT(r.error().message, HasSubstr("line 3: open 'abc' is not a number"));
}

TEST(CsvImportTest, DuplicatesLastRowWinsAndIsCounted) {
  auto r = Import(
      "datetime,open,high,low,close\n"
      "2024-03-01 03:50:00,1,1,1,1\n"
      "2024-03-01 03:45:00,2,2,2,2\n"
      "2024-03-01 03:50:00,3,3,3,3\n");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 2u);
  EXPECT_EQ(r->duplicates, 1);
  EXPECT_EQ(r->bars[1].close, 3.0);
  EXPECT_LT(r->bars[0].open_time, r->bars[1].open_time);
}

TEST(CsvImportTest, QuotedCellsAmongPlainRows) {
  // Plain rows are cut in place and quoted ones copied: a file mixing them
  // must read the same cells either way, and a broken quote stays a bad row.
  auto r = Import(
      "datetime,symbol,open,high,low,close\n"
      "2024-03-01 03:45:00,TCS,1,2,0.5,1.5\n"
      "\"2024-03-01 03:50:00\",\"TCS, \"\"NSE\"\"\",2,3,1.5,2.5\n"
      "2024-03-01 03:55:00, TCS ,3,4,2.5,3.5\n"
      "2024-03-01 04:00:00,\"TCS,4,5,3.5,4.5\n");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 3u);
  EXPECT_EQ(r->bars[1].open_time, Iso("2024-03-01T03:50:00Z"));
  EXPECT_EQ(r->bars[1].close, 2.5);
  EXPECT_EQ(r->bars[2].open, 3.0);
  EXPECT_THAT(r->symbols, ::testing::ElementsAre("TCS", "TCS, \"NSE\""));
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].line, 5);
  EXPECT_THAT(r->errors[0].message, HasSubstr("unterminated quote"));
}

TEST(CsvImportTest, AscendingFileKeepsEveryRowInOrder) {
  std::string text = "datetime,open,high,low,close\n";
  for (int i = 0; i < 500; ++i) {
    text += FormatIsoUtc(Iso("2024-03-01T00:00:00Z") + i * 5 * kMicrosPerMinute) + "," + std::to_string(i) +
            ",1,1,1\n";
  }
  auto r = Import(text);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 500u);
  EXPECT_EQ(r->duplicates, 0);
  for (size_t i = 0; i < r->bars.size(); ++i) EXPECT_EQ(r->bars[i].open, static_cast<double>(i)) << i;
}

TEST(CsvImportTest, OptionAndHeaderErrors) {
  CsvImportOptions bad_zone;
  bad_zone.time_zone = "Mars/Olympus";
  EXPECT_THAT(Import("datetime,open,high,low,close\n", bad_zone), ErrorIs(ErrorCode::kInvalidArgument, "time_zone"));
  EXPECT_THAT(Import("datetime,open,high,low\n"), ErrorIs(ErrorCode::kInvalidArgument, "columns.close"));
  CsvImportOptions named;
  named.columns.time = "when";
  EXPECT_THAT(Import("datetime,open,high,low,close\n", named), ErrorIs(ErrorCode::kInvalidArgument, "columns.time"));
  EXPECT_THAT(Import(""), ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(CsvImportTest, BomAndCrlfAreHandled) {
  auto r = Import("\xEF\xBB\xBF" "datetime,open,high,low,close\r\n2024-03-01 03:45:00,1,2,0.5,1.5\r\n");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 1u);
  EXPECT_EQ(r->bars[0].close, 1.5);
}

TEST(CsvProviderTest, ReadsSymbolTimeframeFileInExchangeTime) {
  rc::testing::TempDir dir;
  rc::testing::WriteFile(dir / "TCS.NS_5m.csv",
                         "datetime,open,high,low,close,volume\n"
                         "2024-03-01 09:15:00,10,11,9,10.5,100\n"
                         "2024-03-01 09:20:00,10,11,9,10.5,100\n"
                         "2024-03-01 09:25:00,10,11,9,10.5,100\n");
  CsvProvider provider(dir.path());
  const Symbol s = Sym("TCS.NS");
  auto r = provider.Fetch({s, Timeframe::k5m, Iso("2024-03-01T03:50:00Z"), Iso("2024-03-02")});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "csv");
  ASSERT_EQ(r->bars.size(), 2u);
  EXPECT_EQ(r->bars[0].open_time, Iso("2024-03-01T03:50:00Z"));
  EXPECT_THAT(provider.Fetch({s, Timeframe::k1h, 0, Iso("2024-03-02")}), ErrorIs(ErrorCode::kNotFound));
}

TEST(CsvProviderTest, DirectoryDefaultsToDataDirImport) {
  Settings s;
  s.data_dir = "/srv/rc";
  EXPECT_EQ(CsvDirectory(s), std::filesystem::path("/srv/rc/import"));
  s.csv_dir = "/elsewhere";
  EXPECT_EQ(CsvDirectory(s), std::filesystem::path("/elsewhere"));
}

TEST(CsvImportTest, SharedNseFilesImportWithoutBadRows) {
  const auto dir = rc::testing::SharedDataDir("nse-5m");
  if (dir.empty()) GTEST_SKIP() << "../shared/data/nse-5m is not present on this machine";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    ++files;
    auto r = ImportCsvFile(entry.path(), NseCsvOptions());
    ASSERT_THAT(r, IsOk()) << entry.path();
    EXPECT_GT(r->bars.size(), 0u) << entry.path();
    EXPECT_EQ(r->rows_skipped, 0) << entry.path() << ": " << r->Summary();
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace rc::data
