// File: core/thread_annotations.h
//
// Clang's thread-safety attributes, spelled as Abseil and LevelDB spell them, so
// shared state says which mutex guards it and Clang (-Wthread-safety) checks
// every access. With GCC they expand to nothing; the annotations still document
// the locking.
//
//   std::mutex mutex_;
//   int64_t count_ RC_GUARDED_BY(mutex_) = 0;
//   void Bump() RC_REQUIRES(mutex_);
#pragma once

#if defined(__clang__)
#define RC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RC_THREAD_ANNOTATION(x)
#endif

#define RC_GUARDED_BY(x) RC_THREAD_ANNOTATION(guarded_by(x))
#define RC_PT_GUARDED_BY(x) RC_THREAD_ANNOTATION(pt_guarded_by(x))
#define RC_REQUIRES(...) RC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define RC_EXCLUDES(...) RC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define RC_ACQUIRED_AFTER(...) RC_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
