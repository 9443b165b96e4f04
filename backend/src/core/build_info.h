// File: core/build_info.h
// The version and commit this binary was built from (generated at build time
// from the newest vMAJOR.MINOR.PATCH git tag; see cmake/WriteBuildVersion.cmake).
#pragma once

namespace rc {
const char* BuildVersion();  // "0.1.0"
const char* BuildCommit();   // "1a2b3c4d5e6f", or a note when built outside git
}  // namespace rc
