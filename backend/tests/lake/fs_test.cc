// LocalFileSystem and the fault-injecting wrapper the crash tests rely on.
#include "lake/fs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>

#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;

TEST(FsTest, WriteReadStatList) {
  TempDir dir;
  FileSystem& fs = LocalFileSystem();
  std::string p = dir.str() + "/a.txt";
  ASSERT_THAT(fs.WriteFile(p, "hello", true), IsOk());
  EXPECT_EQ(*fs.ReadFile(p), "hello");
  auto st = fs.Stat(p);
  ASSERT_THAT(st, IsOk());
  EXPECT_EQ(st->size, 5);
  EXPECT_FALSE(st->is_dir);
  EXPECT_GT(st->mtime_ms, 0);
  ASSERT_THAT(fs.CreateDirs(dir.str() + "/x/y"), IsOk());
  auto entries = fs.ListDir(dir.str());
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 2u);
  std::sort(entries->begin(), entries->end(), [](auto& a, auto& b) { return a.name < b.name; });
  EXPECT_EQ((*entries)[0].name, "a.txt");
  EXPECT_FALSE((*entries)[0].is_dir);
  EXPECT_TRUE((*entries)[1].is_dir);
  EXPECT_THAT(fs.SyncDir(dir.str()), IsOk());
  EXPECT_EQ(*fs.Exists(p), true);
  ASSERT_THAT(fs.RemoveFile(p), IsOk());
  EXPECT_EQ(*fs.Exists(p), false);
  EXPECT_THAT(fs.RemoveDir(dir.str() + "/x"), ErrorIs(ErrorCode::kConflict));
  EXPECT_THAT(fs.RemoveDir(dir.str() + "/x/y"), IsOk());
}

TEST(FsTest, MissingPathsAreNotFound) {
  TempDir dir;
  FileSystem& fs = LocalFileSystem();
  EXPECT_THAT(fs.ReadFile(dir.str() + "/nope"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(fs.Stat(dir.str() + "/nope"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(fs.ListDir(dir.str() + "/nope"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(fs.RemoveFile(dir.str() + "/nope"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(fs.LinkNoReplace(dir.str() + "/nope", dir.str() + "/b"), ErrorIs(ErrorCode::kNotFound));
}

TEST(FsTest, LinkNoReplaceIsExclusive) {
  TempDir dir;
  FileSystem& fs = LocalFileSystem();
  ASSERT_THAT(fs.WriteFile(dir.str() + "/t1", "one", true), IsOk());
  ASSERT_THAT(fs.WriteFile(dir.str() + "/t2", "two", true), IsOk());
  ASSERT_THAT(fs.LinkNoReplace(dir.str() + "/t1", dir.str() + "/final"), IsOk());
  EXPECT_THAT(fs.LinkNoReplace(dir.str() + "/t2", dir.str() + "/final"), ErrorIs(ErrorCode::kConflict));
  EXPECT_EQ(*fs.ReadFile(dir.str() + "/final"), "one");
}

TEST(FsTest, CreateNewFileNeverOverwrites) {
  TempDir dir;
  for (FileSystem* fs : {static_cast<FileSystem*>(&LocalFileSystem()),
                         static_cast<FileSystem*>(new FaultInjectionFileSystem(LocalFileSystem()))}) {
    std::string p = dir.str() + "/data" + std::to_string(fs == &LocalFileSystem());
    ASSERT_THAT(fs->CreateNewFile(p, "first", true), IsOk());
    EXPECT_THAT(fs->CreateNewFile(p, "second", true), ErrorIs(ErrorCode::kConflict));
    EXPECT_EQ(*fs->ReadFile(p), "first");
    if (fs != &LocalFileSystem()) delete fs;
  }
}

// CreateNewFileFrom: the pieces in order make the file, on the POSIX file
// system (written as they come) and through a wrapper (the collecting
// default); exclusive as CreateNewFile; a failing producer's error is returned.
TEST(FsTest, CreateNewFileFromWritesThePiecesInOrderAndNeverOverwrites) {
  TempDir dir;
  FaultInjectionFileSystem wrapped(LocalFileSystem());
  for (FileSystem* fs : {static_cast<FileSystem*>(&LocalFileSystem()), static_cast<FileSystem*>(&wrapped)}) {
    const std::string p = dir.str() + "/pieces" + std::to_string(fs == &LocalFileSystem());
    auto three_pieces = [](const FileSystem::PieceWriter& write) -> Status {
      for (std::string_view piece : {"ab", "", "cde", "f"}) RC_RETURN_IF_ERROR(write(piece));
      return Ok();
    };
    ASSERT_THAT(fs->CreateNewFileFrom(p, three_pieces, true), IsOk());
    EXPECT_EQ(*fs->ReadFile(p), "abcdef");
    EXPECT_THAT(fs->CreateNewFileFrom(p, three_pieces, true), ErrorIs(ErrorCode::kConflict));
    EXPECT_EQ(*fs->ReadFile(p), "abcdef");
    auto failing = [](const FileSystem::PieceWriter& write) -> Status {
      RC_RETURN_IF_ERROR(write("xy"));
      return InvalidArgument("batch", "bad column");
    };
    EXPECT_THAT(fs->CreateNewFileFrom(p + "-failed", failing, true), ErrorIs(ErrorCode::kInvalidArgument, "batch"));
  }
}

TEST(FsTest, FaultInjectionFailsTheNthOperation) {
  TempDir dir;
  FaultInjectionFileSystem fs(LocalFileSystem());
  fs.FailAtOp(2);
  EXPECT_THAT(fs.WriteFile(dir.str() + "/a", "x", true), IsOk());
  EXPECT_THAT(fs.WriteFile(dir.str() + "/b", "x", true), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.WriteFile(dir.str() + "/c", "x", true), IsOk());  // not sticky
  fs.FailAtOp(1, /*sticky=*/true);
  EXPECT_THAT(fs.ReadFile(dir.str() + "/a"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.ReadFile(dir.str() + "/a"), ErrorIs(ErrorCode::kIo));
  fs.FailAtOp(0);
  EXPECT_THAT(fs.ReadFile(dir.str() + "/a"), IsOk());
  EXPECT_GE(fs.op_count(), 6);
}

TEST(FsTest, ADiskFullFaultFailsWritesWithATornFileAndLetsRemovalsAndReadsThrough) {
  TempDir dir;
  FaultInjectionFileSystem fs(LocalFileSystem());
  const std::string d = dir.str();
  ASSERT_THAT(fs.WriteFile(d + "/kept", "0123456789", true), IsOk());
  fs.InjectWriteFault({ENOSPC, ""});
  auto created = fs.CreateNewFile(d + "/new", "abcdefgh", true);
  ASSERT_THAT(created, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(created.error().message, ::testing::HasSubstr("No space left on device"));
  EXPECT_EQ(*LocalFileSystem().ReadFile(d + "/new"), "abcd");  // a short write, as the kernel leaves it
  EXPECT_THAT(fs.LinkNoReplace(d + "/kept", d + "/linked"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.Rename(d + "/kept", d + "/renamed"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.CreateDirs(d + "/sub"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.CreateDirs(d), IsOk());  // exists already: needs no space
  EXPECT_EQ(*fs.ReadFile(d + "/kept"), "0123456789");
  EXPECT_THAT(fs.SyncDir(d), IsOk());
  EXPECT_THAT(fs.RemoveFile(d + "/new"), IsOk());  // a full disk still frees space
  EXPECT_EQ(fs.injected_write_failures(), 4);
  fs.ClearWriteFault();
  EXPECT_THAT(fs.CreateNewFile(d + "/new", "abcdefgh", true), IsOk());
  EXPECT_EQ(*LocalFileSystem().ReadFile(d + "/new"), "abcdefgh");
}

TEST(FsTest, AnIoErrorFaultFailsEveryChangeUnderItsPathOnly) {
  TempDir dir;
  FaultInjectionFileSystem fs(LocalFileSystem());
  const std::string d = dir.str();
  ASSERT_THAT(fs.CreateDirs(d + "/gold"), IsOk());
  ASSERT_THAT(fs.CreateDirs(d + "/raw"), IsOk());
  ASSERT_THAT(fs.WriteFile(d + "/gold/a", "x", true), IsOk());
  fs.InjectWriteFault({EIO, "/gold/"});
  auto written = fs.WriteFile(d + "/gold/b", "xy", true);
  ASSERT_THAT(written, ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(written.error().message, ::testing::HasSubstr("Input/output error"));
  EXPECT_THAT(fs.SyncDir(d + "/gold/"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.RemoveFile(d + "/gold/a"), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(fs.ReadFile(d + "/gold/a"), IsOk());
  EXPECT_THAT(fs.WriteFile(d + "/raw/a", "x", true), IsOk());  // another path: untouched
  EXPECT_THAT(fs.SyncDir(d + "/raw"), IsOk());
}

TEST(FsTest, TheDefaultFileSystemIsLocalUnlessATestInstallsAnother) {
  EXPECT_EQ(&DefaultFileSystem(), &LocalFileSystem());
  FaultInjectionFileSystem faults(LocalFileSystem());
  {
    ScopedDefaultFileSystem scoped(faults);
    EXPECT_EQ(&DefaultFileSystem(), &faults);
  }
  EXPECT_EQ(&DefaultFileSystem(), &LocalFileSystem());
}

TEST(FsTest, CrashDropsUnsyncedFilesAndEntries) {
  TempDir dir;
  FileSystem& base = LocalFileSystem();
  FaultInjectionFileSystem fs(base);
  std::string d = dir.str();
  ASSERT_THAT(fs.WriteFile(d + "/durable", "0123456789", true), IsOk());
  ASSERT_THAT(fs.SyncDir(d), IsOk());
  ASSERT_THAT(fs.WriteFile(d + "/durable", "abcdefghij", false), IsOk());  // content not synced
  ASSERT_THAT(fs.WriteFile(d + "/new_synced_content", "x", true), IsOk());  // entry not synced
  ASSERT_THAT(fs.CreateDirs(d + "/p/q"), IsOk());
  ASSERT_THAT(fs.WriteFile(d + "/p/q/f", "y", true), IsOk());
  ASSERT_THAT(fs.SyncDir(d + "/p/q"), IsOk());  // but "p" itself was never made durable in d
  ASSERT_THAT(fs.WriteFile(d + "/tmp", "c", true), IsOk());
  ASSERT_THAT(fs.LinkNoReplace(d + "/tmp", d + "/linked"), IsOk());
  ASSERT_THAT(fs.SimulateCrash(), IsOk());
  EXPECT_EQ(*base.ReadFile(d + "/durable"), "abcde");  // torn: half of the unsynced write
  EXPECT_EQ(*base.Exists(d + "/new_synced_content"), false);
  EXPECT_EQ(*base.Exists(d + "/p"), false);
  EXPECT_EQ(*base.Exists(d + "/linked"), false);
}

TEST(FsTest, SyncedDirectoryEntriesSurviveACrash) {
  TempDir dir;
  FaultInjectionFileSystem fs(LocalFileSystem());
  std::string d = dir.str();
  ASSERT_THAT(fs.WriteFile(d + "/tmp", "c", true), IsOk());
  ASSERT_THAT(fs.LinkNoReplace(d + "/tmp", d + "/linked"), IsOk());
  ASSERT_THAT(fs.SyncDir(d), IsOk());
  ASSERT_THAT(fs.SimulateCrash(), IsOk());
  EXPECT_EQ(*LocalFileSystem().ReadFile(d + "/linked"), "c");
}

}  // namespace
}  // namespace rc::lake
