/* hlc.h - hybrid logical clock.
 *
 * An HLC is a uint64: the top 48 bits are milliseconds since the Unix epoch,
 * the low 16 bits a logical counter.  Comparing two HLCs as integers orders
 * events causally; ties between devices are broken elsewhere by device id.
 *
 *   - fs__hlc_now() never returns a value <= any value it returned before or
 *     was fed by fs__hlc_recv(), even if the wall clock jumps backwards
 *     (the logical counter carries it; on counter overflow the physical part
 *     is bumped by 1 ms).
 *   - Restarts: the owner persists fs__hlc_last() (in the same transaction as
 *     the write that used it) and passes it to fs__hlc_init().
 *   - A device clock that runs ahead: the daemon tells the client its time at
 *     the handshake, and fs__hlc_set_offset() corrects the device's wall clock
 *     by the difference, so later stamps are close to the daemon's time.
 *   - fs__hlc_recv() pulls the clock forward to a remote stamp only if that
 *     stamp is at most max_ahead_ms ahead of our own wall clock; otherwise it
 *     returns FS_ECLOCK and leaves the clock untouched.
 */
#ifndef FS_HLC_H
#define FS_HLC_H

#include <stdint.h>

#define FS_HLC_DEFAULT_MAX_AHEAD_MS (5 * 60 * 1000) /* 5 minutes */

typedef uint64_t (*fs_wallclock_fn)(void *arg); /* ms since epoch */

typedef struct fs_hlc {
  uint64_t last;         /* last stamp issued or received */
  int64_t offset_ms;     /* added to the wall clock */
  uint64_t max_ahead_ms; /* bound for fs__hlc_recv */
  fs_wallclock_fn wall;  /* NULL: CLOCK_REALTIME */
  void *wall_arg;
} fs_hlc;

void fs__hlc_init(fs_hlc *h, uint64_t persisted_last);
/* For tests: replace the wall clock. */
void fs__hlc_set_wallclock(fs_hlc *h, fs_wallclock_fn fn, void *arg);
void fs__hlc_set_offset(fs_hlc *h, int64_t offset_ms);
uint64_t fs__hlc_now(fs_hlc *h);
/* 0 and *out = new local stamp (> remote and > last), or FS_ECLOCK (clock
 * untouched).  out may be NULL.  h must not be NULL (FS_EINVAL).
 * Not thread-safe: one owner per fs_hlc serialises all calls. */
int fs__hlc_recv(fs_hlc *h, uint64_t remote, uint64_t *out);
uint64_t fs__hlc_last(const fs_hlc *h);
/* Wall time (with offset) in ms, as the HLC sees it. */
uint64_t fs__hlc_wall(const fs_hlc *h);

static inline uint64_t fs__hlc_ms(uint64_t hlc) {
  return hlc >> 16;
}
static inline uint64_t fs__hlc_make(uint64_t ms, uint16_t c) {
  return (ms << 16) | c;
}

/* ---- the wall clock, and its test hook ----------------------------------
 * fs__now_ms() is CLOCK_REALTIME in ms plus a skew, and every clock of the
 * system reads it: HLC stamps (unless fs__hlc_set_wallclock), ids, "today",
 * the daemon's deadlines, sweeps, GC and the skew bound of incoming stamps.
 * The skew is 0 unless a test sets it, so tests order clocks without
 * sleeping ("this write is later") and run a daemon whose clock is ahead:
 *
 *   - in-process: fs__clock_set_skew() / fs__clock_add_skew() (tests of the
 *     library and replicas).  Overrides the environment.
 *   - another process (fieldsyncd, the fieldsync CLI): the environment
 *     variable FS_TEST_CLOCK_SKEW_MS, a signed integer of ms, read at the
 *     first fs__now_ms() of the process.  A value that is not an integer
 *     within +-FS_CLOCK_SKEW_MAX_MS is ignored (with a warning).
 *
 * The variable is honoured in every build, on purpose: the tests run the
 * binaries that ship.  It is safe there: only whoever starts the process
 * sets its environment (the operator of fieldsyncd, the owner of a phone's
 * app), who can move the system clock just as well; a device reaches the
 * daemon only through the wire protocol and cannot set it.  A process whose
 * clock is skewed says so once in its log (warn). */
#define FS_TEST_CLOCK_ENV "FS_TEST_CLOCK_SKEW_MS"
#define FS_CLOCK_SKEW_MAX_MS (INT64_C(10) * 366 * 86400000) /* ten years */

/* The wall clock in ms since the epoch: CLOCK_REALTIME + the skew (clamped
 * at 0).  Thread-safe. */
uint64_t fs__now_ms(void);
/* TEST HOOK: sets / adds to the skew of fs__now_ms in this process (ms,
 * clamped to +-FS_CLOCK_SKEW_MAX_MS).  Thread-safe, but set it before the
 * code under test reads the clock: a reader races the change. */
void fs__clock_set_skew(int64_t ms);
void fs__clock_add_skew(int64_t ms);
/* The skew in force (0 unless a test set one). */
int64_t fs__clock_skew(void);

#endif
