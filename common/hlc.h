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

/* Plain wall clock in ms (CLOCK_REALTIME). */
uint64_t fs__now_ms(void);

#endif
