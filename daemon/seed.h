/* seed.h - realistic sample data written straight into the central store
 * (`fieldsyncd seed`), for demos, report tests and benchmarks.
 *
 * What it makes (domain.md), deterministically for a given seed and end
 * day (a private splitmix64 PRNG, not libsodium; ids and clocks derive
 * from it and from the record dates):
 *   - staff: manager M01 and reps A01..A<N> of its team (kept if they
 *     exist already);
 *   - customers spread over the reps, opened during the K months before
 *     the end day, with Chinese or English company names, addresses,
 *     phones, principals, industries; about a third came in as showroom
 *     walk-ins; revenue, margin and score fields; key accounts and tiers
 *     for the largest;
 *   - a grade history per customer that evolves (C -> B -> A -> O ->
 *     delivered, with losses on the way), one grade_change per step, the
 *     card's grade, grade_date and delivery_date matching the last step;
 *   - visits at each grade's cadence (mostly kept, sometimes late), with
 *     method, stage, attitude, next step and next contact; key-account
 *     visits for key accounts; the walk-ins' 24-hour call-backs;
 *   - 1-4 buying-centre contacts per customer; an opportunity with the
 *     four-step qualification for warm customers (won for delivered, lost
 *     for lost); a lost_review with reason and competitor for each lost
 *     customer (most already confirmed by M01);
 *   - showroom traffic: the walk-ins above plus anonymous visitors, peaking
 *     late morning on weekdays and in the afternoon at weekends.
 * Every record goes through fs__store_apply with a seq from
 * fs__central_next_seq and gets a journal entry for its owner, so devices
 * pull it like pushed data.  Rows are committed in batches.
 *
 * Archive numbers use device slot 64 (serials 6301.. in the first block of
 * a year), so they never collide with those of enrolled devices, which
 * get the low slots first.
 */
#ifndef FS_DAEMON_SEED_H
#define FS_DAEMON_SEED_H

#include <stdint.h>

#include "store/central.h"

#define FS_SEED_MAX_REPS 99
#define FS_SEED_MAX_CUSTOMERS 10000000
#define FS_SEED_MAX_MONTHS 120
#define FS_SEED_DEFAULT_BATCH 20000

typedef struct fs_seed_stats {
  uint64_t staff; /* staff rows inserted (existing ones are kept) */
  uint64_t customers, grade_changes, contacts, visits, opportunities, showroom,
      lost_reviews;
  uint64_t rows; /* all records */
} fs_seed_stats;

typedef struct fs_seed_opts {
  int reps;           /* 1..FS_SEED_MAX_REPS */
  int customers;      /* 0..FS_SEED_MAX_CUSTOMERS, spread over the reps */
  int months;         /* 1..FS_SEED_MAX_MONTHS before the end day */
  uint64_t seed;      /* PRNG seed */
  const char *end;    /* last day of the data "YYYY-MM-DD"; NULL: today */
  int batch;          /* records per transaction; 0: FS_SEED_DEFAULT_BATCH */
  /* Called after each committed batch and at the end (may be NULL). */
  void (*progress)(void *arg, const fs_seed_stats *s, int customers_done);
  void *progress_arg;
} fs_seed_opts;

/* Seeds c (opened read-write, no transaction open).  stats may be NULL.
 * Returns 0, FS_EINVAL (options out of range, bad end day), or a storage
 * error (FS_EFULL, FS_EIO, FS_EDB, FS_ENOMEM) after which the batch in
 * progress is rolled back (earlier batches stay). */
int fs__seed_run(fs_central *c, const fs_seed_opts *o, fs_seed_stats *stats);

/* 1 if a daemon accepts connections on DIR/admin.sock, else 0. */
int fs__seed_daemon_running(const char *data_dir);

/* `fieldsyncd seed --reps N --customers M --months K [--seed S]
 * [--end DATE] [--batch N]` on DATA/central.db: refuses while a daemon
 * runs, prints progress and a summary.  Returns an exit code: 0 ok,
 * 1 error, 2 usage. */
int fs__seed_main(const char *data_dir, int argc, char **argv);

#endif
