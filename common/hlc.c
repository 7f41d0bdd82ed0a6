/* hlc.c - hybrid logical clock (see hlc.h).
 *
 * Not thread-safe: each fs_hlc has one owner (the replica or the daemon's
 * store), which serialises calls.  Stamps are plain uint64s, so "strictly
 * greater" is the only invariant to keep:
 *
 *   now():   stamp = max(make(wall, 0), last + 1)
 *   recv(r): refuse if ms(r) > wall + max_ahead, else
 *            stamp = max(make(wall, 0), max(last, r) + 1)
 *
 * "+ 1" on a stamp whose counter is 0xffff carries into the millisecond
 * part, which is exactly the documented overflow rule (bump ms, counter 0).
 */
#include "hlc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "fs_assert.h"
#include "fs_errno.h"
#include "log.h"

/* The physical part has 48 bits; clamp the wall clock into it so a broken
 * clock or offset cannot shift bits out of the stamp. */
#define MS_MAX ((UINT64_C(1) << 48) - 1)

/* The test skew of fs__now_ms (hlc.h).  skew_state: 0 the environment is
 * not read yet, 1 a thread is reading it, 2 skew_ms holds the skew. */
static _Atomic int64_t skew_ms;
static atomic_int skew_state;

static int64_t skew_clamp(int64_t ms) {
  return ms > FS_CLOCK_SKEW_MAX_MS    ? FS_CLOCK_SKEW_MAX_MS
         : ms < -FS_CLOCK_SKEW_MAX_MS ? -FS_CLOCK_SKEW_MAX_MS
                                      : ms;
}

/* FS_TEST_CLOCK_SKEW_MS of the environment, 0 if unset or not valid. */
static int64_t skew_from_env(int say) {
  const char *v = getenv(FS_TEST_CLOCK_ENV);
  char *end = NULL;
  long long ms;

  if (v == NULL || *v == '\0')
    return 0;
  errno = 0;
  ms = strtoll(v, &end, 10);
  if (errno || end == v || *end != '\0' || ms > FS_CLOCK_SKEW_MAX_MS ||
      ms < -FS_CLOCK_SKEW_MAX_MS) {
    if (say)
      FS_WARN("%s=%s is not a number of ms within +-%lld: ignored (unset it)",
              FS_TEST_CLOCK_ENV, v, (long long)FS_CLOCK_SKEW_MAX_MS);
    return 0;
  }
  if (say && ms)
    FS_WARN("%s=%lld: this process's clock runs %lld ms off the system clock (a test "
            "hook: unset it outside tests)",
            FS_TEST_CLOCK_ENV, ms, ms);
  return (int64_t)ms;
}

int64_t fs__clock_skew(void) {
  int st = atomic_load_explicit(&skew_state, memory_order_acquire);

  if (st == 2)
    return atomic_load_explicit(&skew_ms, memory_order_relaxed);
  /* The first reader publishes the environment's value; a thread that
   * comes while it reads computes the same value itself. */
  if (st == 0 && atomic_compare_exchange_strong(&skew_state, &st, 1)) {
    atomic_store_explicit(&skew_ms, skew_from_env(1), memory_order_relaxed);
    atomic_store_explicit(&skew_state, 2, memory_order_release);
    return atomic_load_explicit(&skew_ms, memory_order_relaxed);
  }
  return skew_from_env(0);
}

void fs__clock_set_skew(int64_t ms) {
  atomic_store_explicit(&skew_ms, skew_clamp(ms), memory_order_relaxed);
  atomic_store_explicit(&skew_state, 2, memory_order_release);
}

void fs__clock_add_skew(int64_t ms) {
  fs__clock_set_skew(skew_clamp(fs__clock_skew() + skew_clamp(ms)));
}

uint64_t fs__now_ms(void) {
  struct timespec ts;
  uint64_t now;
  int64_t skew = fs__clock_skew();

  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return 0; /* cannot happen for CLOCK_REALTIME; the counter still works */
  now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  if (skew < 0)
    return (uint64_t)-skew > now ? 0 : now - (uint64_t)-skew;
  return now + (uint64_t)skew;
}

void fs__hlc_init(fs_hlc *h, uint64_t persisted_last) {
  if (h == NULL)
    return;
  h->last = persisted_last;
  h->offset_ms = 0;
  h->max_ahead_ms = FS_HLC_DEFAULT_MAX_AHEAD_MS;
  h->wall = NULL;
  h->wall_arg = NULL;
}

void fs__hlc_set_wallclock(fs_hlc *h, fs_wallclock_fn fn, void *arg) {
  if (h == NULL)
    return;
  h->wall = fn;
  h->wall_arg = arg;
}

void fs__hlc_set_offset(fs_hlc *h, int64_t offset_ms) {
  if (h == NULL)
    return;
  h->offset_ms = offset_ms;
}

uint64_t fs__hlc_wall(const fs_hlc *h) {
  uint64_t raw = h->wall ? h->wall(h->wall_arg) : fs__now_ms();
  uint64_t ms;

  if (raw > MS_MAX)
    raw = MS_MAX;
  /* Apply the offset with saturation at 0 and MS_MAX. */
  if (h->offset_ms < 0) {
    uint64_t back = (uint64_t)(-(h->offset_ms + 1)) + 1; /* no INT64_MIN UB */
    ms = raw > back ? raw - back : 0;
  } else {
    uint64_t fwd = (uint64_t)h->offset_ms;
    ms = fwd > MS_MAX - raw ? MS_MAX : raw + fwd;
  }
  return ms;
}

/* The next stamp strictly above floor, not below the wall clock. */
static uint64_t advance(fs_hlc *h, uint64_t floor) {
  uint64_t phys = fs__hlc_make(fs__hlc_wall(h), 0);
  uint64_t next;

  if (phys > floor)
    next = phys;
  else if (floor == UINT64_MAX)
    next = UINT64_MAX; /* year 10889 or a corrupt persisted value: saturate */
  else
    next = floor + 1; /* counter, carrying into ms on overflow */
  /* Monotonic: a stamp is above every one issued or received before. */
  FS_ASSERT(next > floor || floor == UINT64_MAX);
  h->last = next;
  return next;
}

uint64_t fs__hlc_now(fs_hlc *h) {
  return advance(h, h->last);
}

int fs__hlc_recv(fs_hlc *h, uint64_t remote, uint64_t *out) {
  uint64_t wall;
  uint64_t stamp;

  if (h == NULL)
    return FS_EINVAL;
  wall = fs__hlc_wall(h);
  /* A peer whose clock runs far ahead would drag every later stamp of ours
   * into its future; refuse instead and leave our clock alone. */
  if (h->max_ahead_ms < UINT64_MAX - wall && fs__hlc_ms(remote) > wall + h->max_ahead_ms)
    return FS_ECLOCK;
  stamp = advance(h, remote > h->last ? remote : h->last);
  if (out)
    *out = stamp;
  return 0;
}

uint64_t fs__hlc_last(const fs_hlc *h) {
  return h->last;
}
