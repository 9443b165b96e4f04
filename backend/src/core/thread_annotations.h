// File: core/thread_annotations.h
//
// Clang's thread-safety attributes, spelled as Abseil and LevelDB spell them, so
// shared state says which mutex guards it and Clang (-Wthread-safety, on in
// the clang builds: asan, tsan, fuzz) checks every access. With GCC they expand
// to nothing; the annotations still document the locking. The mutex must be an
// rc::Mutex (core/mutex.h): libstdc++'s std::mutex carries no annotations.
//
//   rc::Mutex mutex_;
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
#define RC_ACQUIRED_BEFORE(...) RC_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define RC_CAPABILITY(x) RC_THREAD_ANNOTATION(capability(x))
#define RC_SCOPED_CAPABILITY RC_THREAD_ANNOTATION(scoped_lockable)
#define RC_ACQUIRE(...) RC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RC_RELEASE(...) RC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RC_TRY_ACQUIRE(...) RC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define RC_ASSERT_CAPABILITY(x) RC_THREAD_ANNOTATION(assert_capability(x))
#define RC_RETURN_CAPABILITY(x) RC_THREAD_ANNOTATION(lock_returned(x))
// For the rare function the analysis cannot follow; say why next to it.
#define RC_NO_THREAD_SAFETY_ANALYSIS RC_THREAD_ANNOTATION(no_thread_safety_analysis)
