// A minimal tar.gz writer (POSIX ustar inside gzip) for registry backups.
#pragma once

#include <filesystem>

#include "core/error.h"

namespace rc::ml::internal {

// Archives directory `base / top` (recursively, sorted, regular files and
// directories) with member names starting at `top/`, gzip-compressed into
// `out` (written to a temp file, fsynced, renamed). `tar -xzf out -C base`
// restores it. Errors: kIo; kUnsupported for a path ustar cannot hold (> 255 chars).
Status WriteTarGz(const std::filesystem::path& base, const std::string& top, const std::filesystem::path& out);

}  // namespace rc::ml::internal
