#include "lake/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace rc::lake {
namespace {

tl::unexpected<Error> OsError(std::string_view op, const std::string& path, int err) {
  std::string msg = std::string(op) + " '" + path + "': " + std::strerror(err);
  if (err == ENOENT) return NotFound(msg);
  return IoError(msg);
}

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error (close can report delayed write errors).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string ParentDir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string BaseName(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return OsError("open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return OsError("fstat", path, errno);
    if (S_ISDIR(st.st_mode)) return IoError("read '" + path + "': is a directory");
    std::string out;
    out.reserve(static_cast<size_t>(st.st_size));
    char buf[1 << 16];
    while (true) {
      ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        return OsError("read", path, errno);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  Status WriteFile(const std::string& path, std::string_view data, bool sync) override {
    return Write(path, data, sync, O_TRUNC);
  }

  Status CreateNewFile(const std::string& path, std::string_view data, bool sync) override {
    return Write(path, data, sync, O_EXCL);
  }

  Status CreateNewFileFrom(const std::string& path, const std::function<Status(const PieceWriter&)>& produce,
                           bool sync) override {
    return WritePieces(path, produce, sync, O_EXCL);
  }

  Status Write(const std::string& path, std::string_view data, bool sync, int mode_flag) {
    return WritePieces(path, [&](const PieceWriter& write) { return write(data); }, sync, mode_flag);
  }

  // Opens `path` for writing (`mode_flag`: O_TRUNC or O_EXCL), lets `produce`
  // write its pieces, then syncs (when asked) and closes.
  static Status WritePieces(const std::string& path, const std::function<Status(const PieceWriter&)>& produce,
                            bool sync, int mode_flag) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | mode_flag | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      if (errno == EEXIST) return Conflict("'" + path + "' already exists");
      return OsError("open", path, errno);
    }
    RC_RETURN_IF_ERROR(produce([&](std::string_view piece) { return WriteAll(fd.get(), path, piece); }));
    return SyncAndClose(fd, path, sync);
  }

  static Status WriteAll(int fd, const std::string& path, std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return OsError("write", path, errno);
      }
      done += static_cast<size_t>(n);
    }
    return Ok();
  }

  static Status SyncAndClose(Fd& fd, const std::string& path, bool sync) {
    if (sync && ::fsync(fd.get()) != 0) return OsError("fsync", path, errno);
    if (fd.Close() != 0) return OsError("close", path, errno);
    return Ok();
  }

  Status LinkNoReplace(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) == 0) return Ok();
    int err = errno;
    if (err == EEXIST) return Conflict("'" + to + "' already exists");
    // Some file systems (e.g. FUSE mounts, some network shares) have no hard
    // links; renameat2 with RENAME_NOREPLACE gives the same exclusivity there.
    if (err == EPERM || err == EOPNOTSUPP || err == EXDEV || err == EMLINK) {
#if defined(SYS_renameat2)
      constexpr unsigned kRenameNoReplace = 1;  // RENAME_NOREPLACE
      if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), kRenameNoReplace) == 0) {
        return Ok();
      }
      err = errno;
      if (err == EEXIST) return Conflict("'" + to + "' already exists");
#endif
    }
    return OsError("link", from + "' -> '" + to, err);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return OsError("rename", from + "' -> '" + to, errno);
    return Ok();
  }

  Status SyncDir(const std::string& dir) override {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return OsError("open dir", dir, errno);
    if (::fsync(fd.get()) != 0) return OsError("fsync dir", dir, errno);
    return Ok();
  }

  Status CreateDirs(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("create directories '" + dir + "': " + ec.message());
    return Ok();
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return OsError("opendir", dir, errno);
    std::vector<DirEntry> out;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = false;
      if (e->d_type == DT_DIR) {
        is_dir = true;
      } else if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        if (::stat((dir + "/" + name).c_str(), &st) == 0) is_dir = S_ISDIR(st.st_mode);
      }
      out.push_back({std::move(name), is_dir});
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return OsError("readdir", dir, err);
    return out;
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return OsError("unlink", path, errno);
    return Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) {
      int err = errno;
      if (err == ENOTEMPTY || err == EEXIST) return Conflict("directory '" + path + "' is not empty");
      return OsError("rmdir", path, err);
    }
    return Ok();
  }

  Result<FileStat> Stat(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return OsError("stat", path, errno);
    FileStat out;
    out.is_dir = S_ISDIR(st.st_mode);
    out.size = out.is_dir ? 0 : static_cast<int64_t>(st.st_size);
    out.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    return out;
  }
};

}  // namespace

Result<bool> FileSystem::Exists(const std::string& path) {
  auto st = Stat(path);
  if (st) return true;
  if (st.error().code == ErrorCode::kNotFound) return false;
  return tl::unexpected(st.error());
}

FileSystem& LocalFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed: usable during exit
  return *fs;
}

namespace {
std::atomic<FileSystem*> installed_default{nullptr};  // null: LocalFileSystem()
}  // namespace

FileSystem& DefaultFileSystem() {
  FileSystem* fs = installed_default.load(std::memory_order_acquire);
  return fs != nullptr ? *fs : LocalFileSystem();
}

ScopedDefaultFileSystem::ScopedDefaultFileSystem(FileSystem& fs)
    : previous_(installed_default.exchange(&fs, std::memory_order_acq_rel)) {}

ScopedDefaultFileSystem::~ScopedDefaultFileSystem() { installed_default.store(previous_, std::memory_order_release); }

// ---------------------------------------------------------------------------

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem& base) : base_(base) {}

void FaultInjectionFileSystem::FailAtOp(int64_t n, bool sticky) {
  std::lock_guard lock(mu_);
  fail_at_ = n == 0 ? 0 : ops_ + n;
  sticky_ = sticky;
  failing_ = false;
}

int64_t FaultInjectionFileSystem::op_count() const {
  std::lock_guard lock(mu_);
  return ops_;
}

void FaultInjectionFileSystem::ResetCounter() {
  std::lock_guard lock(mu_);
  ops_ = 0;
  fail_at_ = 0;
  failing_ = false;
}

Status FaultInjectionFileSystem::Tick(std::string_view op, const std::string& path) {
  std::lock_guard lock(mu_);
  ++ops_;
  if (fail_at_ != 0 && ops_ == fail_at_) failing_ = true;
  bool fail = failing_;
  if (failing_ && !sticky_) failing_ = false;
  if (fail) return IoError("injected failure of " + std::string(op) + " '" + path + "' (op " + std::to_string(ops_) + ")");
  return Ok();
}

void FaultInjectionFileSystem::InjectWriteFault(WriteFault fault) {
  std::lock_guard lock(mu_);
  write_fault_ = std::move(fault);
}

void FaultInjectionFileSystem::ClearWriteFault() {
  std::lock_guard lock(mu_);
  write_fault_.reset();
}

int64_t FaultInjectionFileSystem::injected_write_failures() const {
  std::lock_guard lock(mu_);
  return injected_write_failures_;
}

Status FaultInjectionFileSystem::WriteFaultFor(std::string_view op, const std::string& path, bool needs_space) {
  std::lock_guard lock(mu_);
  if (!write_fault_) return Ok();
  if (!write_fault_->path_part.empty() && path.find(write_fault_->path_part) == std::string::npos) return Ok();
  // A full disk still lets a process remove files and sync what it wrote.
  if (write_fault_->os_errno == ENOSPC && !needs_space) return Ok();
  ++injected_write_failures_;
  return IoError(std::string(op) + " '" + path + "': " + std::strerror(write_fault_->os_errno) + " (injected)");
}

void FaultInjectionFileSystem::NoteNewEntry(const std::string& path) {
  std::lock_guard lock(mu_);
  unsynced_entries_[ParentDir(path)].insert(BaseName(path));
}

Status FaultInjectionFileSystem::SimulateCrash() {
  std::map<std::string, std::set<std::string>> entries;
  std::set<std::string> contents;
  {
    std::lock_guard lock(mu_);
    entries.swap(unsynced_entries_);
    contents.swap(unsynced_content_);
    fail_at_ = 0;
    failing_ = false;
  }
  for (const auto& [dir, names] : entries) {
    for (const auto& name : names) {
      std::string path = dir + "/" + name;
      contents.erase(path);
      auto st = base_.Stat(path);
      if (!st) continue;
      if (st->is_dir) {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
        if (ec) return IoError("crash simulation: remove '" + path + "': " + ec.message());
      } else {
        auto removed = base_.RemoveFile(path);
        if (!removed && removed.error().code != ErrorCode::kNotFound) return removed;
      }
    }
  }
  for (const auto& path : contents) {
    auto data = base_.ReadFile(path);
    if (!data) continue;
    RC_RETURN_IF_ERROR(base_.WriteFile(path, std::string_view(*data).substr(0, data->size() / 2), true));
  }
  return Ok();
}

Result<std::string> FaultInjectionFileSystem::ReadFile(const std::string& path) {
  RC_RETURN_IF_ERROR(Tick("read", path));
  return base_.ReadFile(path);
}

Status FaultInjectionFileSystem::WriteFile(const std::string& path, std::string_view data, bool sync) {
  return Write("write", path, data, sync, false);
}

Status FileSystem::CreateNewFileFrom(const std::string& path, const std::function<Status(const PieceWriter&)>& produce,
                                     bool sync) {
  std::string data;
  RC_RETURN_IF_ERROR(produce([&data](std::string_view piece) {
    data.append(piece);
    return Ok();
  }));
  return CreateNewFile(path, data, sync);
}

Status FaultInjectionFileSystem::CreateNewFile(const std::string& path, std::string_view data, bool sync) {
  return Write("create", path, data, sync, true);
}

Status FaultInjectionFileSystem::Write(std::string_view op, const std::string& path, std::string_view data, bool sync,
                                       bool exclusive) {
  RC_RETURN_IF_ERROR(Tick(op, path));
  RC_ASSIGN_OR_RETURN(bool existed, base_.Exists(path));
  if (exclusive && existed) return Conflict("'" + path + "' already exists");
  if (auto fault = WriteFaultFor(op, path, /*needs_space=*/true); !fault) {
    // A short write: the name exists with part of the data, as after a real
    // ENOSPC/EIO in the middle of write(2). Readers must never see it.
    if (!existed) NoteNewEntry(path);
    {
      std::lock_guard lock(mu_);
      unsynced_content_.insert(path);
    }
    (void)base_.WriteFile(path, data.substr(0, data.size() / 2), /*sync=*/false);
    return fault;
  }
  if (!existed) NoteNewEntry(path);
  {
    std::lock_guard lock(mu_);
    unsynced_content_.insert(path);  // open(O_TRUNC) happened even if the write fails below
  }
  RC_RETURN_IF_ERROR(exclusive ? base_.CreateNewFile(path, data, sync) : base_.WriteFile(path, data, sync));
  if (sync) {
    std::lock_guard lock(mu_);
    unsynced_content_.erase(path);
  }
  return Ok();
}

Status FaultInjectionFileSystem::LinkNoReplace(const std::string& from, const std::string& to) {
  RC_RETURN_IF_ERROR(Tick("link", to));
  RC_RETURN_IF_ERROR(WriteFaultFor("link", to, /*needs_space=*/true));
  RC_RETURN_IF_ERROR(base_.LinkNoReplace(from, to));
  NoteNewEntry(to);
  std::lock_guard lock(mu_);
  if (unsynced_content_.count(from) != 0) unsynced_content_.insert(to);
  return Ok();
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  RC_RETURN_IF_ERROR(Tick("rename", to));
  RC_RETURN_IF_ERROR(WriteFaultFor("rename", to, /*needs_space=*/true));
  RC_RETURN_IF_ERROR(base_.Rename(from, to));
  NoteNewEntry(to);
  std::lock_guard lock(mu_);
  if (unsynced_content_.erase(from) != 0) unsynced_content_.insert(to);
  return Ok();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  RC_RETURN_IF_ERROR(Tick("syncdir", dir));
  RC_RETURN_IF_ERROR(WriteFaultFor("fsync dir", dir, /*needs_space=*/false));
  RC_RETURN_IF_ERROR(base_.SyncDir(dir));
  std::lock_guard lock(mu_);
  unsynced_entries_.erase(dir);
  return Ok();
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& dir) {
  RC_RETURN_IF_ERROR(Tick("mkdir", dir));
  // Only a directory that does not exist yet needs space.
  RC_ASSIGN_OR_RETURN(bool dir_exists, base_.Exists(dir));
  if (!dir_exists) RC_RETURN_IF_ERROR(WriteFaultFor("mkdir", dir, /*needs_space=*/true));
  // Record the first missing ancestor: that is the new entry a crash would lose.
  std::string missing;
  for (std::string p = dir; !p.empty() && p != "/" && p != "."; p = ParentDir(p)) {
    RC_ASSIGN_OR_RETURN(bool exists, base_.Exists(p));
    if (exists) break;
    missing = p;
  }
  RC_RETURN_IF_ERROR(base_.CreateDirs(dir));
  if (!missing.empty()) NoteNewEntry(missing);
  return Ok();
}

Result<std::vector<DirEntry>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  RC_RETURN_IF_ERROR(Tick("list", dir));
  return base_.ListDir(dir);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  RC_RETURN_IF_ERROR(Tick("remove", path));
  RC_RETURN_IF_ERROR(WriteFaultFor("unlink", path, /*needs_space=*/false));
  RC_RETURN_IF_ERROR(base_.RemoveFile(path));
  std::lock_guard lock(mu_);
  unsynced_content_.erase(path);
  auto it = unsynced_entries_.find(ParentDir(path));
  if (it != unsynced_entries_.end()) it->second.erase(BaseName(path));
  return Ok();
}

Status FaultInjectionFileSystem::RemoveDir(const std::string& path) {
  RC_RETURN_IF_ERROR(Tick("rmdir", path));
  RC_RETURN_IF_ERROR(WriteFaultFor("rmdir", path, /*needs_space=*/false));
  return base_.RemoveDir(path);
}

Result<FileStat> FaultInjectionFileSystem::Stat(const std::string& path) {
  RC_RETURN_IF_ERROR(Tick("stat", path));
  return base_.Stat(path);
}

}  // namespace rc::lake
