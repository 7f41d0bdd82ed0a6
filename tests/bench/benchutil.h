/* benchutil.h - shared helpers of the daemon sync benchmarks
 * (bench_daemon_*.c): a real fieldsyncd in a temporary directory, bulk
 * seeding of its central store, enrolled clients, deterministic record
 * generators and the raw-SQLite baseline.
 *
 * Life of a benchmark:
 *
 *   bu_daemon_setup   mkdtemp, `fieldsyncd init`, choose a free port
 *   bu_admin_*        staff add / enroll in one in-process transaction
 *   bu_seed_*         rows straight into the central store (before serve)
 *   bu_daemon_serve   fork+exec `fieldsyncd serve`, wait for the port line
 *   bu_client_enroll  fs_enroll into TMP/cNNN with a token from bu_admin
 *   ...timed work through the public libfieldsync API...
 *   bu_daemon_cleanup SIGTERM (then SIGKILL), rm -rf TMP; always called
 *
 * The daemon child gets PR_SET_PDEATHSIG, so a crashed benchmark never
 * leaves a daemon behind.  All functions return 0 or a negative fs_errno.
 * Nothing here asserts timing: benchmarks print figures and ratios.
 */
#ifndef FS_BENCHUTIL_H
#define FS_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/central.h"
#include "fieldsync.h"
#include "model.h"

#ifndef FS_BIN
#define FS_BIN "."
#endif

#define BU_PATH_MAX 1024
#define BU_TOKEN_MAX 512

typedef struct bu_daemon {
  char bin[BU_PATH_MAX];  /* fieldsyncd executable */
  char root[BU_PATH_MAX]; /* temporary directory, removed by cleanup */
  char data[BU_PATH_MAX + 16]; /* root/daemon */
  int port;
  pid_t pid;              /* serving daemon, 0 if none */
} bu_daemon;

/* Monotonic seconds. */
double bu_now(void);
/* Scale factor from argv[1] (default 1.0, clamped to [0.001, 10]). */
double bu_scale(int argc, char **argv);

/* Makes the temp dir, runs `fieldsyncd init --data root/daemon` and picks a
 * free loopback port.  bin NULL: FS_BIN "/fieldsyncd" (or $FS_BIN). */
int bu_daemon_setup(bu_daemon *d, const char *bin);
/* Starts `fieldsyncd serve --data D --listen 127.0.0.1:PORT` (stderr to
 * root/daemon.log) and waits up to 10 s for "fieldsyncd listening on port
 * N"; FS_EIO if it does not come. */
int bu_daemon_serve(bu_daemon *d);
/* SIGTERM, wait up to 10 s, then SIGKILL.  Returns the daemon's exit code
 * (0 for a graceful stop) or -1 if it had to be killed. */
int bu_daemon_stop(bu_daemon *d);
/* Stops the daemon if running and removes root.  Takes a zeroed d. */
void bu_daemon_cleanup(bu_daemon *d);
/* CPU seconds (user + system) used so far by pid (0 if unreadable). */
double bu_proc_cpu(pid_t pid);
/* VmHWM / VmRSS of pid in KiB (0 if unreadable). */
long bu_proc_kb(pid_t pid, const char *field);

/* ---- administration, in-process, while the daemon does not serve ------ */
typedef struct bu_admin bu_admin;
int bu_admin_open(bu_daemon *d, bu_admin **out);
/* Runs one admin command; args are "key", "value" pairs ending with NULL.
 * out (may be NULL) receives the command's text output.  A command that
 * ran but failed returns its error code. */
int bu_admin_run(bu_admin *a, char *out, size_t outlen, const char *cmd, ...);
/* Commits (commit=1) or rolls back, and frees.  Takes NULL. */
int bu_admin_close(bu_admin *a, int commit);
/* staff add CODE --role ROLE, then one enrollment token (into token). */
int bu_admin_staff_token(bu_admin *a, const char *code, const char *role, char *token,
                         size_t toklen);

/* ---- clients ------------------------------------------------------------ */
/* fs_enroll into root/<name>, then opens the replica (*out).  out may be
 * NULL (replica left closed). */
int bu_client_enroll(bu_daemon *d, const char *name, const char *token, fs_replica **out);
/* Path of root/<name>. */
void bu_client_dir(const bu_daemon *d, const char *name, char *buf, size_t len);
/* Creates one customer (fs_create: 2 changes, card + first grade entry)
 * into cust_id. */
int bu_client_customer(fs_replica *r, long i, char cust_id[33]);
/* Creates n visits of cust_id offline through the internal write path,
 * up to `batch` per transaction (fs__replica_write). */
int bu_client_visits(fs_replica *r, const char *cust_id, long first, long n, int batch);

/* ---- generators ----------------------------------------------------------
 * Deterministic rows: customer i of staff, visit i of a customer (~350
 * bytes, 13 fields).  c is zeroed and filled (release: fs__change_release).
 * hlc 0: leave clocks unset (the client stamps them). */
int bu_gen_customer(fs_change *c, const char *staff, long i, uint64_t hlc);
int bu_gen_visit(fs_change *c, const char *staff, const char *cust_id, long i, uint64_t hlc);

/* ---- central store seeding (daemon not serving) -------------------------
 * Writes ncust customers and nvisits visits (spread over the customers) of
 * staff into the central store with fs__store_apply + fs__central_journal,
 * `batch` rows per transaction.  Ids are time-ordered. */
int bu_seed_central(bu_daemon *d, const char *staff, long ncust, long nvisits, long batch);

/* ---- the baseline --------------------------------------------------------
 * Inserts the rows bu_seed_central would write (same generators, same
 * counts) with prepared INSERTs into a fresh client-schema database, all
 * in one transaction; *secs is the time of BEGIN..COMMIT (generation
 * included, as for the synced path).  The db file is removed after. */
int bu_raw_insert(const char *dir, const char *staff, long ncust, long nvisits, double *secs);

#endif
