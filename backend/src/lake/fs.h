// File: lake/fs.h
//
// Every byte the Delta layer reads or writes goes through a FileSystem, so
// tests can inject failures and simulate crashes (after LevelDB's Env and
// fault_injection_test.cc). LocalFileSystem() is the POSIX implementation.
//
//   rc::lake::FileSystem& fs = rc::lake::LocalFileSystem();
//   RC_RETURN_IF_ERROR(fs.WriteFile(tmp, json, /*sync=*/true));
//   auto linked = fs.LinkNoReplace(tmp, final_name);  // kConflict when final_name exists
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace rc::lake {

struct FileStat {
  int64_t size = 0;      // bytes (0 for directories)
  int64_t mtime_ms = 0;  // modification time, ms since the epoch
  bool is_dir = false;
};

struct DirEntry {
  std::string name;  // file name only, no directory part
  bool is_dir = false;
};

// The operations the lake needs. Paths are plain POSIX paths (the caller builds
// them with lake/paths.h). All methods are thread-safe. Errors: kNotFound when
// the path does not exist (where stated), kConflict for LinkNoReplace onto an
// existing name, kIo for any other OS failure (message carries strerror).
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Whole content of `path`. Errors: kNotFound, kIo.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;

  // Creates or truncates `path` and writes `data`; with `sync`, fsyncs the file
  // before returning (its directory entry is made durable by SyncDir). The
  // parent directory must exist. Errors: kIo.
  virtual Status WriteFile(const std::string& path, std::string_view data, bool sync) = 0;

  // Like WriteFile, but the file must not exist yet (O_CREAT|O_EXCL): data
  // files are never overwritten. Errors: kConflict when `path` exists, kIo.
  virtual Status CreateNewFile(const std::string& path, std::string_view data, bool sync) = 0;
  // Like CreateNewFile, with the data produced in pieces: `produce` is called
  // once with a function that appends one piece (and returns its error). A
  // large file (a Parquet data file: silver is ~230 MB per 1M rows) then goes
  // to disk as it is encoded, from one reused buffer, instead of from a string
  // holding all of it. This default collects the pieces and calls
  // CreateNewFile, so a wrapping file system (fault injection) sees one
  // create; the POSIX one writes each piece as it comes. Errors: the first
  // error of `produce`, or as CreateNewFile. A failure may leave part of the
  // file behind (as a short write does): the caller removes it.
  using PieceWriter = std::function<Status(std::string_view piece)>;
  virtual Status CreateNewFileFrom(const std::string& path, const std::function<Status(const PieceWriter&)>& produce,
                                   bool sync);

  // Atomically makes `to` a second name of the existing file `from`, failing
  // if `to` exists (link(2), falling back to renameat2(RENAME_NOREPLACE) on file
  // systems without hard links). This is the commit point of a Delta commit.
  // Errors: kConflict when `to` exists, kNotFound when `from` does not, kIo.
  virtual Status LinkNoReplace(const std::string& from, const std::string& to) = 0;

  // Renames, replacing `to` if present. Errors: kNotFound, kIo.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // fsyncs the directory so that entries created/removed in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Creates `dir` and missing parents (like mkdir -p). Errors: kIo.
  virtual Status CreateDirs(const std::string& dir) = 0;

  // Entries of `dir` ("." and ".." excluded), in no particular order.
  // Errors: kNotFound when `dir` does not exist, kIo.
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& dir) = 0;

  // Removes a file (not a directory). Errors: kNotFound, kIo.
  virtual Status RemoveFile(const std::string& path) = 0;

  // Removes an empty directory. Errors: kNotFound, kConflict when not empty, kIo.
  virtual Status RemoveDir(const std::string& path) = 0;

  // Size, mtime and kind of `path`. Errors: kNotFound, kIo.
  virtual Result<FileStat> Stat(const std::string& path) = 0;

  // True when `path` exists (any kind). Errors: kIo only for unexpected failures.
  Result<bool> Exists(const std::string& path);
};

// The process-wide POSIX file system. Never null; lives for the whole process.
FileSystem& LocalFileSystem();

// The file system of every table opened without TableOptions::fs:
// LocalFileSystem(), unless a test installed another (below). The server's
// write paths (raw, pipeline, gold, checkpoints, compaction) all reach the
// disk through it, so a test can run the whole live loop on a faulty disk.
FileSystem& DefaultFileSystem();

// Test-only: makes `fs` the DefaultFileSystem() for its lifetime (restoring
// the previous one after). Not for production code: the server never
// installs one. Tables keep the file system they were opened with, so open
// them inside the scope.
class ScopedDefaultFileSystem {
 public:
  explicit ScopedDefaultFileSystem(FileSystem& fs);
  ~ScopedDefaultFileSystem();
  ScopedDefaultFileSystem(const ScopedDefaultFileSystem&) = delete;
  ScopedDefaultFileSystem& operator=(const ScopedDefaultFileSystem&) = delete;

 private:
  FileSystem* previous_;
};

// A disk-level fault for FaultInjectionFileSystem::InjectWriteFault.
struct WriteFault {
  // ENOSPC (disk full): operations that need space fail - write, create,
  // link, rename, mkdir - while removals and syncs still work, as on a full
  // disk. EIO (I/O error): every operation that changes the disk fails,
  // removals and syncs included. Any other errno behaves like EIO.
  int os_errno = 0;
  // Only paths containing this fail ("" = every path), e.g. "/gold/" or
  // "_delta_log/" to hit one table or the commit step alone.
  std::string path_part;
};

// A FileSystem for tests, wrapping another one:
//  * fails the Nth operation (counting every call, 1-based) with kIo, or every
//    operation after it;
//  * or, until cleared, fails the writes a full disk (ENOSPC) or a failing
//    one (EIO) would fail (InjectWriteFault). A failed write leaves a torn
//    file behind (the first half of its data), as a real short write does;
//    reads keep working;
//  * remembers what is not durable yet (file contents written without sync,
//    directory entries created since their directory's last SyncDir), and
//    SimulateCrash() undoes exactly that on the underlying file system, as a
//    power loss would: unsynced new names disappear, unsynced contents are
//    truncated to half their length (a torn write). Removals are treated as
//    durable at once (pessimism there would only resurrect garbage).
// Thread-safe.
class FaultInjectionFileSystem : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem& base);

  // Operation `n` (1-based, counted from now) and, with `sticky`, every later
  // one fails with kIo. 0 disables.
  void FailAtOp(int64_t n, bool sticky = false);
  // Number of operations since construction or the last ResetCounter().
  int64_t op_count() const;
  void ResetCounter();

  // Fails writes as described at WriteFault until ClearWriteFault(). Errors
  // are kIo with the OS message, e.g. "create '<path>': No space left on
  // device (injected)".
  void InjectWriteFault(WriteFault fault);
  void ClearWriteFault();
  // Operations failed by InjectWriteFault since construction.
  int64_t injected_write_failures() const;

  // Drops everything not made durable (see above) and clears the failure plan.
  // Errors: kIo from the underlying file system.
  Status SimulateCrash();

  Result<std::string> ReadFile(const std::string& path) override;
  Status WriteFile(const std::string& path, std::string_view data, bool sync) override;
  Status CreateNewFile(const std::string& path, std::string_view data, bool sync) override;
  Status LinkNoReplace(const std::string& from, const std::string& to) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;
  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Result<FileStat> Stat(const std::string& path) override;

 private:
  // Counts the operation; returns an error when it is planned to fail.
  Status Tick(std::string_view op, const std::string& path);
  // The injected disk fault for a mutating operation on `path`, if any.
  // `needs_space`: the operation allocates (fails under ENOSPC too).
  Status WriteFaultFor(std::string_view op, const std::string& path, bool needs_space);
  void NoteNewEntry(const std::string& path);
  Status Write(std::string_view op, const std::string& path, std::string_view data, bool sync, bool exclusive);

  FileSystem& base_;
  mutable std::mutex mu_;
  int64_t ops_ = 0;
  int64_t fail_at_ = 0;
  bool sticky_ = false;
  bool failing_ = false;
  std::optional<WriteFault> write_fault_;
  int64_t injected_write_failures_ = 0;
  // Files whose content is not synced yet.
  std::set<std::string> unsynced_content_;
  // Entries created since their directory's last SyncDir (dir -> names).
  std::map<std::string, std::set<std::string>> unsynced_entries_;
};

}  // namespace rc::lake
