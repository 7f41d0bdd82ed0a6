/* sync.c - the client's sync engine: enrollment, push, pull, watch.
 *
 * One sync:
 *
 *   connect + handshake (HELLO: cursor, outbox depth; WELCOME: clock)
 *   PUSH   pending outbox in batches  -> PUSH_RESULT: ack or reject each
 *   PULL   from cursor                -> PULL_BATCH* EVICT* CONFLICTS?
 *                                        CHECKPOINT{cursor, more}
 *          batches are applied inside one replica transaction that also
 *          stores the new cursor at CHECKPOINT; a cut-off pull rolls back
 *          and resumes from the old cursor with nothing lost or doubled
 *   (watch) wait for NOTIFY or local changes; PING when idle
 *   WIPE   at any point: the replica is erased (after the final upload)
 *
 * Pushes go before pulls so the daemon has our edits before we take its
 * view: the pulled rows then already contain our merged changes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "db.h"
#include "fieldsync.h"
#include "fs_errno.h"
#include "access.h"
#include "hlc.h"
#include "keys.h"
#include "log.h"
#include "status.h"
#include "msg.h"
#include "net.h"
#include "outbox.h"
#include "recover.h"
#include "serials.h"
#include "privdir.h"
#include "replica.h"
#include "token.h"

/* HELLO `sw`: this library's name and release. */
#define SW_NAME "fieldsync/" FIELDSYNC_VERSION

const char *fs_version(void) {
  return FIELDSYNC_VERSION;
}

_Static_assert(FS_SYNC_PAGE_MAX == FS_MSG_MAX_ROWS, "the public page bound is the wire's");

#define PUSH_BATCH_MAX 2000
#define PING_EVERY_MS 30000
/* A watcher reconnects after the daemon closed its session because the
 * device's rights changed, at most this many times in a row without a
 * successful round in between. */
#define RIGHTS_RECONNECTS 5

const char *fs_sync_phase_name(fs_sync_phase phase) {
  switch (phase) {
  case FS_SYNC_PUSH: return "push";
  case FS_SYNC_PULL: return "pull";
  case FS_SYNC_DONE: return "done";
  }
  return NULL;
}

void fs_sync_cancel(fs_replica *r) {
  if (r)
    atomic_store(&r->cancel, 1);
}

static int set_err(char *err, size_t errlen, int rc, const char *msg) {
  if (err && errlen)
    snprintf(err, errlen, "%s", msg && *msg ? msg : fs_strerror(rc));
  return rc;
}

/* ---- enrollment ------------------------------------------------------ */

static int enroll_run(const char *dir, const char *token_text, int timeout_ms,
                      fs_identity *out, char *err, size_t errlen) {
  fs_token *t = NULL;
  fs_keypair *kp = NULL;
  fs_replica *r = NULL;
  fs_identity id;
  fs_net net;
  fs_msg hello, welcome;
  char keypath[4096], pub[FS_KEY_B64_LEN + 1];
  char clean[FS_TOKEN_TEXT_MAX + 1], why[256];
  int rc;

  memset(&welcome, 0, sizeof(welcome));
  if (dir == NULL || token_text == NULL)
    return set_err(err, errlen, FS_EINVAL, "no data directory or token");
  if (sodium_init() < 0)
    return set_err(err, errlen, FS_ECRYPTO, "libsodium failed to initialise");
  t = sodium_malloc(sizeof(*t));
  if (t == NULL)
    return set_err(err, errlen, FS_ENOMEM, NULL);
  /* Pasted tokens may carry blanks and line breaks; the daemon gets it clean. */
  rc = fs__token_parse_pasted(token_text, t, clean, why, sizeof(why));
  if (rc) {
    set_err(err, errlen, rc, why);
    goto out;
  }
  if (t->expires_at <= fs__now_ms() / 1000) {
    rc = set_err(err, errlen, FS_ETOKEN_EXPIRED,
                 "the enrollment token has expired; ask for a new one (fieldsyncd enroll)");
    goto out;
  }
  if (fs__privdir_check(dir, 1) != 0) {
    rc = set_err(err, errlen, FS_EIO,
                 "cannot use the data directory (see the message above); choose another "
                 "directory (--data, FIELDSYNC_HOME)");
    goto out;
  }
  snprintf(keypath, sizeof(keypath), "%s/device.key", dir);
  if (access(keypath, F_OK) == 0) {
    rc = set_err(err, errlen, FS_EEXIST,
                 "this directory already holds an enrolled device (device.key exists)");
    goto out;
  }
  rc = fs__keypair_generate(&kp);
  if (rc == 0)
    rc = fs__keypair_save(kp, keypath);
  if (rc) {
    set_err(err, errlen, rc,
            fs__log_last()[0] ? fs__log_last() : "cannot write the device key");
    goto out;
  }
  fs__msg_init(&hello, FS_MSG_HELLO);
  hello.u.hello.sw = SW_NAME;
  hello.u.hello.time = fs__now_ms();
  hello.u.hello.want = FS_WANT_SYNC;
  hello.u.hello.token = clean;
  (void)fs__serials_hello(NULL, &hello.u.hello); /* first serials come with WELCOME */
  rc = fs__net_open(&net, t->addr, kp, t->daemon_pub, &hello, timeout_ms, &welcome);
  if (rc) {
    set_err(err, errlen, rc, net.err);
    /* No identity was made: drop the unused key so a retry can enroll. */
    unlink(keypath);
    snprintf(keypath, sizeof(keypath), "%s/device.key.pub", dir);
    unlink(keypath);
    goto out;
  }
  fs__net_close(&net);
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "%s", welcome.u.welcome.staff);
  {
    int role = fs__role_parse(welcome.u.welcome.role ? welcome.u.welcome.role : "");
    if (role < 0) {
      rc = set_err(err, errlen, FS_EPROTO, "the daemon assigned an unknown role");
      goto out;
    }
    id.role = (fs_role)role;
  }
  id.device_id = welcome.u.welcome.device;
  id.slot = (int)welcome.u.welcome.slot;
  rc = fs_replica_init(dir, &id, &r);
  if (rc) {
    set_err(err, errlen, rc, fs_errmsg(NULL));
    goto out;
  }
  fs__key_to_text(t->daemon_pub, pub);
  rc = fs__meta_set_text(fs__replica_db(r), "daemon_addr", t->addr);
  if (rc == 0)
    rc = fs__serials_welcome(r, &welcome.u.welcome);
  if (rc == 0)
    rc = fs__meta_set_text(fs__replica_db(r), "daemon_pub", pub);
  if (rc == 0)
    rc = fs__meta_set_int(fs__replica_db(r), "last_sync", (long long)fs__now_ms());
  if (rc) {
    set_err(err, errlen, rc, "cannot store the daemon address");
    goto out;
  }
  if (out)
    *out = id;
out:
  fs_replica_close(r);
  fs__msg_release(&welcome);
  fs__keypair_free(kp);
  sodium_memzero(clean, sizeof(clean)); /* holds the secret */
  if (t) {
    fs__token_wipe(t);
    sodium_free(t);
  }
  return rc;
}

int fs_replica_enroll(const char *dir, const char *token, int timeout_ms, fs_identity *out) {
  char err[FS_ERRMSG_MAX] = "";
  int rc;

  fs__log_forget();
  rc = enroll_run(dir, token, timeout_ms, out, err, sizeof(err));
  return rc ? fs__errmsg_thread(rc, "%s", err) : 0;
}

int fs_enroll(const char *dir, const char *token, int timeout_ms, fs_identity *out, char *err,
              size_t errlen) {
  int rc = fs_replica_enroll(dir, token, timeout_ms, out);
  if (err && errlen)
    snprintf(err, errlen, "%s", rc ? fs_errmsg(NULL) : "");
  return rc;
}

/* ---- connection ------------------------------------------------------ */

typedef struct session {
  fs_replica *r;
  fs_net net;
  const fs_sync_options *o;
  fs_sync_stats *st;
  char *err;
  size_t errlen;
  int wiped;
  int no_pending; /* inside a pull transaction: the outbox has nothing pending */
  int resync;       /* pulling a full snapshot after FS_ERESYNC */
  int resync_tried; /* once per session */
  int rights_changed; /* the daemon closed the session: rights changed */
  int cancel_req;     /* a progress callback asked to stop */
  char addr[256];     /* the daemon address in use, for messages */
  const char *doing;  /* what the session was doing, for a network error */
  uint64_t unacked;   /* changes sent whose PUSH_RESULT has not arrived */
} session;

/* A connection lost after the handshake (FS_ECLOSED, FS_ETIMEDOUT) or a
 * frame that failed its authentication (FS_EREPLAY, FS_ECRYPTO: damaged on
 * the way, PROTOCOL.md 4) gets a message saying what happened, while doing
 * what, and what became of the data; other errors keep theirs.  No-op when
 * err already holds a message. */
static void net_error(session *s, int rc) {
  char what[512], doing[160];
  const char *then;

  if (s->err == NULL || s->errlen == 0 || s->err[0] != '\0')
    return;
  if (rc == FS_ECLOSED)
    snprintf(what, sizeof(what), "the connection to %.200s was cut", s->addr);
  else if (rc == FS_ETIMEDOUT)
    snprintf(what, sizeof(what), "no answer from %.200s for %d s", s->addr,
             (s->net.timeout_ms + 999) / 1000);
  else if (rc == FS_EREPLAY || rc == FS_ECRYPTO || rc == FS_ETOOBIG)
    /* FS_ETOOBIG: a frame length over the maximum; after the handshake
     * only the (unauthenticated) length header can be damaged that way. */
    snprintf(
        what, sizeof(what),
        "a message from %.200s failed its integrity check (damaged or altered on the "
        "way; nothing of it was used, the connection was dropped)",
        s->addr);
  else
    return;
  if (s->unacked) {
    snprintf(doing, sizeof(doing), "waiting for the daemon to confirm %llu change(s)",
             (unsigned long long)s->unacked);
    then =
        "they stay in the outbox and are sent again at the next sync, which the daemon "
        "stores once";
  } else {
    snprintf(doing, sizeof(doing), "%s", s->doing ? s->doing : "syncing");
    then = s->doing && strcmp(s->doing, "pushing changes") == 0
               ? "unconfirmed changes stay in the outbox"
               : "what was confirmed or fully received is kept and the next sync goes on "
                 "from there";
  }
  snprintf(s->err, s->errlen, "%s while %s: %s; run fieldsync sync%s again", what, doing,
           then, s->o && s->o->watch ? " --watch" : "");
}

/* Reports progress; a non-zero answer of the callback is a cancellation. */
static void progress(session *s, fs_sync_phase phase) {
  if (s->o && s->o->progress && s->o->progress(s->o->progress_arg, phase, s->st) != 0)
    s->cancel_req = 1;
}

/* FS_ECANCELED, with a message, if the app cancelled (fs_sync_cancel from
 * any thread, or a progress callback); else 0.  Checked between steps, so
 * a cancelled sync ends with whole pages committed and nothing lost. */
static int check_cancel(session *s) {
  if (!s->cancel_req && !atomic_load(&s->r->cancel))
    return 0;
  if (s->err && s->errlen && s->err[0] == '\0')
    snprintf(s->err, s->errlen,
             "sync cancelled; what was confirmed or fully received is kept and the next "
             "sync goes on from there");
  return FS_ECANCELED;
}

static int wipe_contents(fs_replica *r);

static int session_open(session *s, unsigned want) {
  sqlite3 *db = fs__replica_db(s->r);
  char addr[256], pubtxt[64], keypath[4200];
  uint8_t pub[32];
  fs_keypair *kp = NULL;
  fs_msg hello, welcome;
  uint64_t cursor = 0, pending = 0, rejected = 0, oldest = 0;
  int rc;

  if (fs__meta_get_text(db, "daemon_addr", addr, sizeof(addr)) ||
      fs__meta_get_text(db, "daemon_pub", pubtxt, sizeof(pubtxt)))
    return set_err(s->err, s->errlen, FS_ENOTENROLLED,
                   "this replica was set up offline and has no daemon; enroll it with "
                   "fieldsync init --token TOKEN");
  if (s->o && s->o->addr)
    snprintf(addr, sizeof(addr), "%s", s->o->addr);
  snprintf(s->addr, sizeof(s->addr), "%s", addr);
  rc = fs__key_from_text(pubtxt, strlen(pubtxt), pub);
  if (rc)
    return set_err(s->err, s->errlen, rc, "the stored daemon key is damaged");
  snprintf(keypath, sizeof(keypath), "%s/device.key", s->r->dir);
  rc = fs__keypair_load(&kp, keypath);
  if (rc) {
    char msg[4400];
    if (rc == FS_EKEYPERM)
      snprintf(msg, sizeof(msg), "the device key %s is readable by others; chmod 600 it",
               keypath);
    else
      snprintf(msg, sizeof(msg),
               "cannot load the device key %s (%s); restore it from a backup, or enroll "
               "this device again (fieldsyncd enroll, then fieldsync init --token)",
               keypath,
               rc == FS_ENOTFOUND ? "missing"
               : rc == FS_EIO     ? "unreadable"
                                  : "damaged");
    return set_err(s->err, s->errlen, rc, msg);
  }
  fs__replica_cursor_get(s->r, &cursor);
  fs_outbox_count(s->r, &pending, &rejected);
  fs__outbox_oldest(s->r, &oldest);
  fs__msg_init(&hello, FS_MSG_HELLO);
  hello.u.hello.sw = SW_NAME;
  hello.u.hello.time = fs__now_ms();
  hello.u.hello.cursor = cursor;
  hello.u.hello.outbox = pending;
  hello.u.hello.oldest = oldest;
  hello.u.hello.want = want;
  hello.u.hello.model = FS_MODEL_GENERATION;
  rc = fs__serials_hello(s->r, &hello.u.hello);
  if (rc) {
    fs__keypair_free(kp);
    return set_err(s->err, s->errlen, rc, "cannot read the archive serials");
  }
  rc = fs__net_open(&s->net, addr, kp, pub, &hello, s->o ? s->o->timeout_ms : 0, &welcome);
  fs__keypair_free(kp);
  if (rc && s->net.refused_wipe) {
    /* Refused under a wipe order whose final upload is over (e.g. its WIPE
     * was lost on the way): erased now, as on WIPE (PROTOCOL.md 7.3). */
    FS_INFO("daemon refused this device and ordered it erased: %s", s->net.err);
    (void)wipe_contents(s->r); /* logged; the files go anyway (fs_replica_erase) */
    s->st->wiped = 1;
  }
  if (rc)
    return set_err(s->err, s->errlen, rc, s->net.err);
  /* The daemon's clock corrects ours: stamps stay close to real time even
   * on a device whose clock runs days ahead or behind. */
  {
    int64_t off = (int64_t)welcome.u.welcome.time - (int64_t)fs__now_ms();
    fs__hlc_set_offset(fs__replica_hlc(s->r), off);
    fs__meta_set_int(db, "clock_offset", (long long)off);
  }
  if (welcome.u.welcome.wipe)
    s->wiped = 1; /* upload first, then erase when WIPE arrives */
  if (welcome.u.welcome.counter) {
    rc = fs__outbox_renumber(s->r, welcome.u.welcome.counter);
    if (rc) {
      fs__msg_release(&welcome);
      fs__net_close(&s->net);
      return set_err(s->err, s->errlen, rc, "cannot renumber the outbox");
    }
  }
  /* Whose records we may write offline until the next sync (team, covers),
   * and the archive serials it may number new cards with (issue 14). */
  rc = fs__meta_set_text(db, "write_owners",
                         welcome.u.welcome.owners ? welcome.u.welcome.owners : "");
  if (rc == 0)
    rc = fs__serials_welcome(s->r, &welcome.u.welcome);
  if (rc) {
    fs__msg_release(&welcome);
    fs__net_close(&s->net);
    return set_err(s->err, s->errlen, rc, "cannot store the access list");
  }
  /* issue 15: the role is the daemon's to change (staff edit --role). */
  rc = fs__replica_adopt_role(s->r, welcome.u.welcome.role);
  if (rc) {
    fs__msg_release(&welcome);
    fs__net_close(&s->net);
    return set_err(s->err, s->errlen, rc, "cannot store the new role");
  }
  /* issue 16: a restored store (new generation): re-upload, re-snapshot. */
  rc = fs__recover_check(s->r, welcome.u.welcome.generation, &s->st->recovered);
  fs__msg_release(&welcome);
  if (rc) {
    fs__net_close(&s->net);
    return set_err(s->err, s->errlen, rc, "cannot queue the re-upload after a store restore");
  }
  return 0;
}

/* Erases every record and the identity inside the file (used on WIPE;
 * fs_replica_erase then removes the files): with secure_delete the bytes
 * are overwritten, so even a file that cannot be removed loses them.
 * Every statement is checked; the first failure is logged and returned. */
static int wipe_contents(fs_replica *r) {
  static const char *const tables[] = {"outbox",      "conflicts", "notices",
                                       "resync_seen", "staff",     "meta"};
  sqlite3 *db = fs__replica_db(r);
  char sql[128];
  int rc = 0;

  /* A WIPE in the middle of a pull page: that page is dropped anyway, and
   * the erase must not be rolled back with it (nor VACUUM refused). */
  fs__db_rollback(db);
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", fs__kind_def((fs_kind)k)->table);
    rc = fs__db_exec(db, sql);
  }
  for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
    snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", tables[i]);
    rc = fs__db_exec(db, sql);
  }
  if (rc == 0)
    rc = fs__db_exec(db, "VACUUM");
  if (rc == 0)
    rc = fs__db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (rc)
    FS_ERROR(
        "wipe: clearing the records inside %s failed (%s); its files are removed next",
        r->path, fs_strerror(rc));
  return rc;
}

static int handle_async(session *s, fs_msg *m) {
  switch (m->type) {
  case FS_MSG_WIPE:
  {
    /* The code stays FS_EREVOKED (the caller must erase the files now,
     * fs_replica_erase); a failure to clear the records first is reported
     * in the message, not swallowed. */
    char msg[512];
    int wrc;
    FS_INFO("daemon ordered this replica erased: %s", m->u.wipe.reason); /* the app says it */
    wrc = wipe_contents(s->r);
    s->st->wiped = 1;
    if (wrc == 0)
      return set_err(s->err, s->errlen, FS_EREVOKED, m->u.wipe.reason);
    snprintf(msg, sizeof(msg),
             "%s; clearing the records inside the replica failed (%s): erase its files now "
             "(fs_replica_erase) and check what it reports left behind",
             m->u.wipe.reason ? m->u.wipe.reason : "wipe ordered", fs_strerror(wrc));
    return set_err(s->err, s->errlen, FS_EREVOKED, msg);
  }
  case FS_MSG_ERROR:
    /* FS_EFORBIDDEN for the whole session (not one change): the daemon
     * closed it because this device's rights shrank (PROTOCOL.md s.7.1). */
    s->rights_changed = m->u.error.code == FS_EFORBIDDEN;
    return set_err(s->err, s->errlen, m->u.error.code ? m->u.error.code : FS_EPROTO,
                   m->u.error.text);
  case FS_MSG_NOTIFY:
  case FS_MSG_PONG:
    return 1; /* ignorable here */
  case FS_MSG_NOTICE: {
    /* Handover reports for the successor and the manager. */
    sqlite3_stmt *st = NULL;
    sqlite3 *db = fs__replica_db(s->r);
    int rc = sqlite3_prepare_v2(db, "INSERT INTO notices(kind, at, body) VALUES(?1,?2,?3)", -1,
                                &st, NULL);
    /* A notice that cannot be stored fails the page (rolled back, pulled
     * again): it is never dropped while the cursor moves past it. */
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, m->u.notice.kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, (sqlite3_int64)m->u.notice.at);
      sqlite3_bind_text(st, 3, m->u.notice.body, -1, SQLITE_STATIC);
      rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
      return set_err(s->err, s->errlen, fs__db_err(db, rc),
                     "cannot store a notice from the daemon");
    s->st->notices++;
    return 1;
  }
  default:
    return 0;
  }
}

/* ---- push ------------------------------------------------------------ */

static int push_all(session *s) {
  fs_change *ch = NULL;
  size_t n = 0;
  int rc = 0;

  for (;;) {
    fs_msg m, res;
    fs_push_enc enc;
    fs_buf b;
    uint64_t pending = 0, rejected = 0, oldest = 0;
    size_t sent = 0;

    rc = check_cancel(s);
    if (rc == 0)
      rc = fs__outbox_pending(s->r, PUSH_BATCH_MAX, &ch, &n);
    if (rc || n == 0)
      break;
    fs_outbox_count(s->r, &pending, &rejected);
    fs__outbox_oldest(s->r, &oldest);
    fs__buf_init(&b, FS_MSG_MAX_BYTES);
    rc = fs__push_begin(&enc, &b, pending, oldest, FS_MSG_MAX_BYTES - 64);
    for (; rc == 0 && sent < n; sent++) {
      rc = fs__push_add(&enc, &ch[sent]);
      if (rc == FS_ETOOBIG && sent > 0) {
        rc = 0;
        break;
      }
    }
    {
      /* Also after a failed add: finish frees what the encoder holds. */
      int frc = fs__push_finish(&enc);
      if (rc == 0)
        rc = frc;
    }
    s->doing = "pushing changes";
    if (rc == 0)
      rc = fs__net_send_raw(&s->net, b.data, b.len);
    fs__buf_release(&b);
    if (rc == 0)
      rc = fs__outbox_attempted(s->r, ch[sent - 1].counter);
    fs__outbox_changes_free(ch, n);
    ch = NULL;
    if (rc)
      break;
    s->st->pushed += sent;
    s->unacked = sent;
    progress(s, FS_SYNC_PUSH);
    /* Wait for the results; the daemon answers only after its commit. */
    for (;;) {
      rc = fs__net_recv(&s->net, &res, -1);
      if (rc)
        break;
      if (res.type == FS_MSG_PUSH_RESULT)
        break;
      rc = handle_async(s, &res);
      fs__msg_release(&res);
      if (rc < 0)
        break;
      rc = 0;
    }
    if (rc)
      break;
    {
      fs_outbox_result *or = calloc(res.u.push_result.n + 1, sizeof(*or));
      if (or == NULL) {
        fs__msg_release(&res);
        rc = FS_ENOMEM;
        break;
      }
      for (uint32_t i = 0; i < res.u.push_result.n; i++) {
        fs_push_result *pr = &res.u.push_result.results[i];
        or[i].counter = pr->counter;
        or[i].code = pr->outcome == FS_OUTCOME_REJECTED ? (pr->code ? pr->code : FS_EPROTO) : 0;
        or[i].reason = pr->reason;
        switch (pr->outcome) {
        case FS_OUTCOME_APPLIED: s->st->applied++; break;
        case FS_OUTCOME_MERGED: s->st->merged++; break;
        case FS_OUTCOME_SUPERSEDED: s->st->superseded++; break;
        default: s->st->rejected++; break;
        }
      }
      rc = fs__outbox_settle(s->r, or, res.u.push_result.n);
      if (rc == 0)
        s->unacked = 0;
      free(or);
      fs__msg_release(&res);
      memset(&m, 0, sizeof(m));
    }
    if (rc)
      break;
  }
  fs__outbox_changes_free(ch, n);
  return rc;
}

/* ---- pull ------------------------------------------------------------ */

/* ---- full resync (the daemon purged tombstones this replica needs) ----
 * Pull from cursor 0, note every record received in resync_seen, and at the
 * last checkpoint drop local records the daemon no longer has, except those
 * with unsynced local changes (pushed at the next sync). */

static int resync_note(session *s, fs_kind k, const char *id) {
  sqlite3 *db = fs__replica_db(s->r);
  sqlite3_stmt *st = NULL;
  int rc = fs__db_stmt(db, FS_DB_STMT_RESYNC_SEEN,
                       "INSERT OR IGNORE INTO resync_seen(kind, id) VALUES(?1, ?2)", &st);
  if (rc)
    return rc;
  sqlite3_bind_int(st, 1, (int)k);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
  sqlite3_reset(st);
  return rc;
}

static int resync_start(session *s) {
  sqlite3 *db = fs__replica_db(s->r);
  int rc = fs__db_begin(db);
  if (rc == 0)
    rc = fs__db_exec(db, "DELETE FROM resync_seen");
  /* A snapshot brings every kind this build decodes (HELLO `model`). */
  if (rc == 0)
    rc = fs__meta_set_int(db, "model", FS_MODEL_GENERATION);
  if (rc == 0)
    rc = fs__meta_set_int(db, "resync", 1);
  if (rc == 0)
    rc = fs__replica_cursor_set(s->r, 0);
  if (rc == 0)
    rc = fs__db_commit(db);
  else
    fs__db_rollback(db);
  if (rc == 0)
    s->resync = 1;
  return rc;
}

/* A replica last pulled at an older model generation (0.1.0: no "model"
 * entry, 1) never received the newer kinds (PROTOCOL.md 8.1): one fresh
 * snapshot, local changes kept; a replica that never pulled just notes it. */
static int model_catch_up(session *s) {
  sqlite3 *db = fs__replica_db(s->r);
  long long gen = FS_MODEL_GENERATION_V010;
  uint64_t cursor = 0;
  fs__meta_get_int(db, "model", &gen);
  if (gen >= FS_MODEL_GENERATION || s->resync)
    return 0;
  fs__replica_cursor_get(s->r, &cursor);
  if (cursor == 0)
    return fs__meta_set_int(db, "model", FS_MODEL_GENERATION);
  FS_INFO("this app knows record kinds the replica never received: taking a fresh "
          "snapshot (local changes are kept)");
  return resync_start(s);
}

/* Inside the last checkpoint's transaction.  Dropped records go through
 * fs__replica_evict, so what was derived from them goes too. */
static int resync_finish(session *s) {
  sqlite3 *db = fs__replica_db(s->r);
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    sqlite3_stmt *st = NULL;
    char sql[400], (*ids)[FS_ID_HEX + 1] = NULL;
    size_t n = 0, cap = 0;
    int step = SQLITE_DONE;

    snprintf(
        sql, sizeof(sql),
        "SELECT id FROM \"%s\" WHERE id NOT IN (SELECT id FROM resync_seen WHERE "
        "kind=%d) "
        "AND id NOT IN (SELECT record_id FROM outbox WHERE status='" FS_OUTBOX_PENDING_S
        "' AND "
        "kind='%s')",
        kd->table, k, kd->name);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    rc = rc == SQLITE_OK ? 0 : fs__db_err(db, rc);
    /* Collected first: evicting while the SELECT runs would change what it reads. */
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *id = (const char *)sqlite3_column_text(st, 0);
      if (n == cap) {
        void *g = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof(*ids));
        if (g == NULL) {
          rc = FS_ENOMEM;
          break;
        }
        ids = g;
      }
      snprintf(ids[n++], sizeof(ids[0]), "%s", id ? id : "");
    }
    if (rc == 0)
      rc = fs__db_err(db, step);
    sqlite3_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
      rc = fs__replica_evict(s->r, (fs_kind)k, ids[i]);
      s->st->removed++;
    }
    free(ids);
  }
  if (rc == 0)
    rc = fs__db_exec(db, "DELETE FROM resync_seen");
  if (rc == 0)
    rc = fs__meta_set_int(db, "resync", 0);
  if (rc == 0)
    s->resync = 0;
  return rc;
}

static int apply_batch(session *s, const fs_msg_pull_batch *b) {
  for (uint32_t i = 0; i < b->nrows; i++) {
    int rc;
    /* b->rcs[i] set: the daemon knows a column this build does not.  The
     * known fields are still right, so the row is applied (without the
     * unknown column, which this build could not store anyway). */
    if (s->resync && (rc = resync_note(s, b->rows[i].kind, b->rows[i].id)) != 0)
      return rc;
    if (b->rows[i].deleted)
      rc = fs__replica_evict(s->r, b->rows[i].kind, b->rows[i].id);
    else if (s->no_pending) /* nothing local to re-apply on top: skip the lookup */
      rc = fs__store_put_row(fs__replica_db(s->r), &b->rows[i]);
    else
      rc = fs__replica_apply_row(s->r, &b->rows[i]);
    if (rc)
      return rc;
    s->st->pulled++;
  }
  return 0;
}

static int pull_all(session *s) {
  sqlite3 *db = fs__replica_db(s->r);
  int rc = 0, more = 1;
  long long rs = 0;

  /* A resync cut off earlier goes on where it stopped. */
  fs__meta_get_int(db, "resync", &rs);
  s->resync = rs != 0;
  rc = model_catch_up(s);

  while (rc == 0 && more) {
    fs_msg m;
    uint64_t cursor = 0;
    int in_txn = 0;

    rc = check_cancel(s);
    if (rc)
      break;
    fs__replica_cursor_get(s->r, &cursor);
    s->doing = "receiving updates";
    fs__msg_init(&m, FS_MSG_PULL);
    m.u.pull.cursor = cursor;
    m.u.pull.limit = s->o && s->o->page ? s->o->page : 0;
    rc = fs__net_send(&s->net, &m);
    if (rc)
      break;
    for (;;) {
      fs_msg r;
      rc = fs__net_recv(&s->net, &r, -1);
      if (rc)
        break;
      if (!in_txn && (r.type == FS_MSG_PULL_BATCH || r.type == FS_MSG_EVICT ||
                      r.type == FS_MSG_CONFLICTS || r.type == FS_MSG_NOTICE ||
                      r.type == FS_MSG_CHECKPOINT)) {
        uint64_t pending = 1, rejected = 0;
        rc = fs__db_begin(db);
        if (rc) {
          fs__msg_release(&r);
          break;
        }
        in_txn = 1;
        /* Read inside the write transaction: no other writer can add to the
         * outbox before the commit. */
        s->no_pending = fs_outbox_count(s->r, &pending, &rejected) == 0 && pending == 0;
      }
      switch (r.type) {
      case FS_MSG_PULL_BATCH:
        rc = apply_batch(s, &r.u.pull_batch);
        break;
      case FS_MSG_EVICT:
        for (uint32_t i = 0; rc == 0 && i < r.u.evict.n; i++) {
          rc = fs__replica_evict(s->r, r.u.evict.items[i].kind, r.u.evict.items[i].id);
          s->st->removed++;
        }
        break;
      case FS_MSG_CONFLICTS:
        for (uint32_t i = 0; rc == 0 && i < r.u.conflicts.n; i++) {
          fs_conflict_item *it = &r.u.conflicts.items[i];
          rc = fs__replica_conflict_item_add(s->r, it);
          s->st->conflicts++;
        }
        break;
      case FS_MSG_CHECKPOINT:
        rc = s->resync && !r.u.checkpoint.more ? resync_finish(s) : 0;
        if (rc == 0)
          rc = fs__replica_cursor_set(s->r, r.u.checkpoint.cursor);
        if (rc == 0)
          rc = fs__meta_set_int(db, "last_sync", (long long)fs__now_ms());
        if (rc == 0)
          rc = fs__db_commit(db);
        if (rc == 0)
          in_txn = 0;
        more = r.u.checkpoint.more;
        s->st->pages++;
        break;
      case FS_MSG_ERROR:
        if (r.u.error.code == FS_ERESYNC && !in_txn && !s->resync_tried) {
          s->resync_tried = 1;
          FS_INFO("replica is behind the daemon's history: taking a fresh snapshot (local "
                  "changes are kept)");
          rc = resync_start(s);
          more = 1;
          fs__msg_release(&r);
          goto next_page;
        }
        rc = handle_async(s, &r);
        break;
      default:
        rc = handle_async(s, &r);
        rc = rc > 0 ? 0 : rc ? rc : FS_EPROTO;
        break;
      }
      {
        int type = r.type;
        fs__msg_release(&r);
        if (rc || type == FS_MSG_CHECKPOINT)
          break;
      }
    }
  next_page:
    if (in_txn)
      fs__db_rollback(db);
    s->st->bytes_received = s->net.bytes_in;
    s->st->bytes_sent = s->net.bytes_out;
    progress(s, FS_SYNC_PULL);
    if (rc)
      break;
  }
  /* Evicted records must leave no bytes behind (also after a failed
   * page: what committed before it is scrubbed). */
  {
    int src = fs__replica_scrub(s->r);
    if (rc == 0)
      rc = src;
  }
  return rc;
}

/* After a final upload a wiped device gets WIPE; wait briefly for it. */
static int await_wipe(session *s) {
  fs_msg m;
  int rc = fs__net_recv(&s->net, &m, 5000);
  if (rc == 0) {
    rc = handle_async(s, &m);
    fs__msg_release(&m);
  }
  return rc < 0 ? rc : 0;
}

static int run_once(session *s) {
  int rc = push_all(s);
  if (rc == 0 && s->wiped)
    return await_wipe(s);
  if (rc == 0)
    rc = pull_all(s);
  s->st->bytes_received = s->net.bytes_in;
  s->st->bytes_sent = s->net.bytes_out;
  return rc;
}

/* Watch: stay connected; a NOTIFY or a local write triggers a sync.  rc is
 * the result of the round before; returns how the session ended (0 when
 * not watching or stopped). */
static int watch_loop(session *s, int rc) {
  const fs_sync_options *o = s->o;

  while (rc == 0 && o && o->watch && !(o->stop && *o->stop) && (rc = check_cancel(s)) == 0) {
    struct pollfd p = {fs__net_fd(&s->net), POLLIN, 0};
    uint64_t pending = 0, rejected = 0;
    s->doing = "watching for changes";
    /* A NOTIFY read together with the message before it (one TCP
     * segment) is already in the buffer, where poll() cannot see it. */
    int prc = fs__net_buffered(&s->net)
                  ? 1
                  : poll(&p, 1, o->watch_poll_ms > 0 ? o->watch_poll_ms : 200);

    if (prc < 0 && errno != EINTR) {
      rc = FS_EIO;
      break;
    }
    if (prc > 0) {
      fs_msg m;
      rc = fs__net_recv(&s->net, &m, -1);
      if (rc)
        break;
      if (m.type == FS_MSG_NOTIFY) {
        fs__msg_release(&m);
        rc = pull_all(s);
        if (rc == 0 && o->on_change)
          o->on_change(o->progress_arg, s->st);
        continue;
      }
      rc = handle_async(s, &m);
      fs__msg_release(&m);
      rc = rc > 0 ? 0 : rc;
      continue;
    }
    if (fs_outbox_count(s->r, &pending, &rejected) == 0 && pending > 0) {
      rc = run_once(s);
    } else {
      fs_msg ping;
      uint64_t now = fs__now_ms();
      /* Per replica: two replicas watching in one process each ping. */
      if (now - s->r->last_ping > PING_EVERY_MS) {
        s->r->last_ping = now;
        fs__msg_init(&ping, FS_MSG_PING);
        ping.u.ping.n = now;
        rc = fs__net_send(&s->net, &ping);
      }
    }
  }
  return rc;
}

static int sync_run(fs_replica *r, const fs_sync_options *o, fs_sync_stats *st, char *err,
                    size_t errlen) {
  session s;
  fs_sync_stats local;
  int rc;

  if (st == NULL)
    st = &local;
  memset(st, 0, sizeof(*st));
  memset(&s, 0, sizeof(s));
  s.r = r;
  s.o = o;
  s.st = st;
  s.err = err;
  s.errlen = errlen;
  if (err && errlen)
    err[0] = '\0';
  rc = session_open(&s, FS_WANT_SYNC | (o && o->watch ? FS_WANT_WATCH : 0));
  if (rc)
    return rc;
  rc = run_once(&s);
  progress(&s, FS_SYNC_DONE);
  for (int reconnects = 0;; reconnects++) {
    rc = watch_loop(&s, rc);
    /* A handover, transfer or cover end closed the session: a watcher
     * connects again and goes on under the new rules. */
    if (!s.rights_changed || !o || !o->watch || (o->stop && *o->stop) ||
        reconnects >= RIGHTS_RECONNECTS)
      break;
    FS_INFO("the daemon closed this session (%s); connecting again", err ? err : "");
    fs__net_close(&s.net);
    s.rights_changed = 0;
    if (err && errlen)
      err[0] = '\0';
    rc = session_open(&s, FS_WANT_SYNC | FS_WANT_WATCH);
    if (rc)
      return rc;
    rc = run_once(&s);
    if (rc == 0)
      reconnects = -1; /* a good round: the count starts again */
  }
  if (rc == 0) {
    fs_msg bye;
    fs__msg_init(&bye, FS_MSG_BYE);
    bye.u.bye.reason = "done";
    fs__net_send(&s.net, &bye);
  }
  if (rc)
    net_error(&s, rc);
  fs__net_close(&s.net);
  if (rc && err && errlen && err[0] == '\0')
    snprintf(err, errlen, "%s", fs_strerror(rc));
  return rc;
}

int fs_replica_sync(fs_replica *r, const fs_sync_options *o, fs_sync_stats *st) {
  char err[FS_ERRMSG_MAX] = "";
  int rc;

  if (r == NULL)
    return FS_EINVAL;
  fs__log_forget();
  rc = sync_run(r, o, st, err, sizeof(err));
  /* The cancel request ends with the sync it applied to. */
  atomic_store(&r->cancel, 0);
  if (rc)
    fs__replica_fail(r, rc, "%s", fs__errmsg_why(rc, err));
  return rc;
}

int fs_sync(fs_replica *r, const fs_sync_options *o, fs_sync_stats *st, char *err,
            size_t errlen) {
  int rc = fs_replica_sync(r, o, st);
  if (err && errlen)
    snprintf(err, errlen, "%s", rc ? fs_errmsg(r) : "");
  return rc;
}

int fs_replica_last_sync(fs_replica *r, int64_t *ms) {
  long long v = 0;
  int rc = fs__meta_get_int(fs__replica_db(r), "last_sync", &v);
  *ms = rc == 0 ? (int64_t)v : 0;
  return rc == FS_ENOTFOUND ? 0 : rc;
}
