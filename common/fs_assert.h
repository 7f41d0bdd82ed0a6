/* fs_assert.h - FS_ASSERT, for invariants only.
 *
 * FS_ASSERT(cond) states something the code itself guarantees: a bound a
 * loop keeps, a state a caller must be in, a page that always advances.
 * Never use it on input (bytes from the network, files, arguments from a
 * user or a public API caller, what a device claims): input gets a clear
 * error code (fs_errno.h) and the daemon keeps serving others.
 *
 * On: in every build without NDEBUG (Debug, RelWithDebInfo without
 * NDEBUG, the ASan/UBSan and fuzz builds, which are Debug), and wherever
 * FS_ASSERT_ON is defined to 1 (CMake sets it for FS_SANITIZE and FS_FUZZ
 * builds whatever their build type).  A failed assertion logs the
 * condition, file and line to stderr and aborts, so a fuzzer or a test
 * stops at the broken invariant.
 * Off (Release: -DNDEBUG): the condition is type-checked, never evaluated,
 * so it must have no side effects.
 */
#ifndef FS_ASSERT_H
#define FS_ASSERT_H

#ifndef FS_ASSERT_ON
#ifdef NDEBUG
#define FS_ASSERT_ON 0
#else
#define FS_ASSERT_ON 1
#endif
#endif

/* Logs "assertion failed: expr (file:line)" to stderr and aborts. */
_Noreturn void fs__assert_fail(const char *expr, const char *file, int line);

#if FS_ASSERT_ON
#define FS_ASSERT(cond) ((cond) ? (void)0 : fs__assert_fail(#cond, __FILE__, __LINE__))
#else
#define FS_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
