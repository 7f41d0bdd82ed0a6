/* backup_cmd.c - `fieldsyncd backup`, `restore`, `verify` (backup_cmd.h). */
#include "backup_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "config.h"
#include "fs_errno.h"
#include "fs_version.h"
#include "hlc.h"
#include "keys.h"
#include "log.h"
#include "privdir.h"
#include "store/adminlog.h"
#include "store/backup.h"
#include "store/central.h"
#include "store/generation.h"

#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2

#define MAGIC "FSBACKUP"
#define FORMAT_VERSION 1
#define MODE_PLAIN 0
#define MODE_PASS 1
#define CHUNK (64u * 1024u)
#define LAST_BIT 0x80000000u
#define SALT_LEN crypto_pwhash_SALTBYTES
#define CHECK_LEN 16
#define HASH_LEN 32
#define NAME_MAX_LEN 64
/* Bounds a backup file may ask of crypto_pwhash: a hostile file must not
 * make restore allocate gigabytes or run for hours. */
#define PW_OPS_MAX 16ull
#define PW_MEM_MAX (1024ull * 1024 * 1024)

static const char key_check_text[] = "fieldsync backup key check";

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
usage(const char *u, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "fieldsyncd: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: fieldsyncd %s\n", u);
  return EXIT_USAGE;
}

static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static void le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t rd32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}
static uint64_t rd64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return errno == ENOSPC ? FS_EFULL : FS_EIO;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* 0, or FS_ETRUNC at the end of the file before n bytes. */
static int read_all(int fd, void *p, size_t n) {
  uint8_t *b = p;
  while (n > 0) {
    ssize_t r = read(fd, b, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return FS_EIO;
    if (r == 0)
      return FS_ETRUNC;
    b += r;
    n -= (size_t)r;
  }
  return 0;
}

/* dir/name into buf; FS_EOVERFLOW if it does not fit (buf then holds
 * a cut path that names nothing the caller uses). */
static int path_join(char *buf, size_t len, const char *dir, const char *name) {
  size_t dl = strlen(dir), nl = strlen(name);

  if (dl + 1 + nl + 1 > len) {
    if (len)
      buf[0] = '\0';
    return FS_EOVERFLOW;
  }
  memcpy(buf, dir, dl);
  buf[dl] = '/';
  memcpy(buf + dl + 1, name, nl + 1);
  return 0;
}

/* Every path the commands make is DATA/<name of at most 63 bytes>. */
static int data_path_ok(const char *data) {
  if (strlen(data) <= PATH_MAX - 64)
    return 1;
  fprintf(stderr, "fieldsyncd: the data directory path is too long\n");
  return 0;
}

/* ---- passphrase and key ---------------------------------------------- */

/* The first line of path (without its line end) into a sodium_malloc'd
 * buffer.  FS_EINVAL (empty), FS_EIO (logged). */
static int passphrase_read(const char *path, char **out, size_t *len) {
  char *buf = sodium_malloc(1024);
  ssize_t n;
  int fd, rc = 0;

  *out = NULL;
  if (buf == NULL)
    return FS_ENOMEM;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "fieldsyncd: cannot read the passphrase file %s: %s\n", path,
            strerror(errno));
    sodium_free(buf);
    return FS_EIO;
  }
  n = read(fd, buf, 1023);
  close(fd);
  if (n < 0)
    rc = FS_EIO;
  if (rc == 0) {
    size_t l = 0;
    while (l < (size_t)n && buf[l] != '\n' && buf[l] != '\r')
      l++;
    buf[l] = '\0';
    *len = l;
    if (l == 0) {
      fprintf(stderr, "fieldsyncd: the passphrase file %s is empty\n", path);
      rc = FS_EINVAL;
    }
  }
  if (rc) {
    sodium_free(buf);
    return rc;
  }
  *out = buf;
  return 0;
}

/* Derives the 32-byte key (sodium_malloc'd) from the passphrase. */
static int key_derive(const char *pass, size_t plen, const uint8_t *salt, uint64_t ops,
                      uint64_t mem, uint8_t **key) {
  uint8_t *k = sodium_malloc(crypto_secretstream_xchacha20poly1305_KEYBYTES);

  *key = NULL;
  if (k == NULL)
    return FS_ENOMEM;
  if (crypto_pwhash(k, crypto_secretstream_xchacha20poly1305_KEYBYTES, pass, plen, salt,
                    (unsigned long long)ops, (size_t)mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    sodium_free(k);
    return FS_ENOMEM; /* Argon2 fails only for want of memory */
  }
  *key = k;
  return 0;
}

static void key_check(const uint8_t *key, uint8_t out[CHECK_LEN]) {
  crypto_generichash(out, CHECK_LEN, (const uint8_t *)key_check_text,
                     sizeof(key_check_text) - 1, key,
                     crypto_secretstream_xchacha20poly1305_KEYBYTES);
}

/* ---- writing the archive ---------------------------------------------- */

typedef struct bw {
  int fd;
  int mode;
  crypto_secretstream_xchacha20poly1305_state ss;
  crypto_generichash_state h;
  uint8_t *buf; /* CHUNK */
  size_t len;
  uint8_t *cbuf; /* 4 + CHUNK + ABYTES */
  uint64_t total;
} bw;

static int bw_flush(bw *w, int last) {
  size_t clen;
  int rc;

  if (w->mode == MODE_PASS) {
    unsigned long long cl = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &w->ss, w->cbuf + 4, &cl, w->buf, w->len, NULL, 0,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    clen = (size_t)cl;
  } else {
    crypto_generichash_update(&w->h, w->buf, w->len);
    memcpy(w->cbuf + 4, w->buf, w->len);
    clen = w->len;
  }
  le32(w->cbuf, (uint32_t)clen | (last ? LAST_BIT : 0));
  rc = write_all(w->fd, w->cbuf, 4 + clen);
  w->len = 0;
  return rc;
}

static int bw_write(bw *w, const void *p, size_t n) {
  const uint8_t *b = p;
  int rc = 0;

  while (rc == 0 && n > 0) {
    size_t take = CHUNK - w->len < n ? CHUNK - w->len : n;
    memcpy(w->buf + w->len, b, take);
    w->len += take;
    b += take;
    n -= take;
    w->total += take;
    if (w->len == CHUNK)
      rc = bw_flush(w, 0);
  }
  return rc;
}

static int bw_finish(bw *w) {
  int rc = bw_flush(w, 1);

  if (rc == 0 && w->mode == MODE_PLAIN) {
    uint8_t h[HASH_LEN];
    crypto_generichash_final(&w->h, h, sizeof(h));
    rc = write_all(w->fd, h, sizeof(h));
  }
  return rc;
}

static int entry_head(bw *w, const char *name, uint64_t len) {
  uint8_t hd[2 + NAME_MAX_LEN + 8];
  size_t nl = strlen(name);

  hd[0] = (uint8_t)nl;
  hd[1] = (uint8_t)(nl >> 8);
  memcpy(hd + 2, name, nl);
  le64(hd + 2 + nl, len);
  return bw_write(w, hd, 2 + nl + 8);
}

typedef struct progress {
  int tty;
  const char *what;
  long last_pct;
} progress;

static void show_progress(progress *p, uint64_t done, uint64_t total) {
  long pct;

  if (!p->tty || total == 0)
    return;
  pct = (long)(done * 100 / total);
  if (pct == p->last_pct)
    return;
  p->last_pct = pct;
  fprintf(stderr, "\r%s: %3ld%% (%" PRIu64 " of %" PRIu64 " MiB)", p->what, pct,
          done >> 20, total >> 20);
  if (done >= total)
    fputc('\n', stderr);
}

static void snapshot_progress(void *arg, long done, long total) {
  /* Pages; the default page is 4 KiB, close enough for a progress line. */
  show_progress(arg, (uint64_t)done * 4096, (uint64_t)total * 4096);
}

/* Adds the file at path as entry name.  Missing and optional: nothing. */
static int entry_file(bw *w, const char *name, const char *path, int optional,
                      progress *pg) {
  struct stat sb;
  uint8_t *buf = NULL;
  uint64_t done = 0;
  int fd, rc;

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && optional)
    return 0;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    fprintf(stderr, "fieldsyncd: cannot read %s: %s\n", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return FS_EIO;
  }
  buf = malloc(CHUNK);
  rc = buf ? entry_head(w, name, (uint64_t)sb.st_size) : FS_ENOMEM;
  while (rc == 0 && done < (uint64_t)sb.st_size) {
    size_t want = (uint64_t)sb.st_size - done < CHUNK
                      ? (size_t)((uint64_t)sb.st_size - done)
                      : CHUNK;
    rc = read_all(fd, buf, want);
    if (rc == 0)
      rc = bw_write(w, buf, want);
    done += want;
    if (pg)
      show_progress(pg, done, (uint64_t)sb.st_size);
  }
  if (rc == FS_ETRUNC)
    rc = FS_EIO; /* the file shrank under us */
  free(buf);
  close(fd);
  return rc;
}

int fs__backup_cmd(const char *data, int argc, char **argv) {
  const char *to = NULL, *passfile = NULL;
  char store[PATH_MAX], snap[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX], gen[33];
  char manifest[1024];
  char *pass = NULL;
  size_t plen = 0;
  uint8_t *key = NULL;
  long long admin_event = 0, seq = 0;
  progress pg;
  bw w;
  int fd = -1, rc = 0, made_snap = 0;
  struct stat sb;

  memset(&w, 0, sizeof(w));
  memset(&pg, 0, sizeof(pg));
  w.fd = -1;
  if (!data_path_ok(data))
    return EXIT_ERR;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
      to = argv[++i];
    else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
      passfile = argv[++i];
    else
      return usage(FS_BACKUP_USAGE, "unknown or incomplete option %s", argv[i]);
  }
  if (to == NULL)
    return usage(FS_BACKUP_USAGE, "say where the backup goes: --to FILE");
  (void)path_join(store, sizeof(store), data, "central.db");
  (void)path_join(path, sizeof(path), data, "daemon.key");
  if (access(store, F_OK) != 0 || access(path, F_OK) != 0) {
    fprintf(stderr,
            "fieldsyncd: %s holds no daemon (central.db or daemon.key missing); give the "
            "data directory with --data DIR\n",
            data);
    return EXIT_ERR;
  }
  if (passfile && (rc = passphrase_read(passfile, &pass, &plen)) != 0)
    return EXIT_ERR;
  if ((size_t)snprintf(snap, sizeof(snap), "%s.db-tmp.%ld", to, (long)getpid()) >=
          sizeof(snap) ||
      (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", to, (long)getpid()) >=
          sizeof(tmp)) {
    fprintf(stderr, "fieldsyncd: backup path too long\n");
    rc = FS_EOVERFLOW;
    goto out;
  }
  pg.tty = isatty(STDERR_FILENO);
  pg.what = "backup: copying the store";
  pg.last_pct = -1;
  /* Only large stores show progress: a small copy is over at once. */
  if (stat(store, &sb) == 0 && sb.st_size < 16 * 1024 * 1024)
    pg.tty = 0;
  rc = fs__store_snapshot(store, snap, snapshot_progress, &pg);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot copy the central store %s to %s: %s\n", store,
            snap, fs_strerror(rc));
    goto out;
  }
  made_snap = 1;
  rc = fs__store_snapshot_info(snap, gen, &admin_event, &seq);
  if (rc) {
    fprintf(stderr, "fieldsyncd: the copy of the store is unreadable: %s\n",
            fs_strerror(rc));
    goto out;
  }
  /* Created 0600 (O_EXCL: never someone else's file) before any byte. */
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "fieldsyncd: cannot create %s: %s\n", tmp, strerror(errno));
    rc = FS_EIO;
    goto out;
  }
  w.fd = fd;
  w.mode = pass ? MODE_PASS : MODE_PLAIN;
  w.buf = malloc(CHUNK);
  w.cbuf = malloc(4 + CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  if (w.buf == NULL || w.cbuf == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  {
    uint8_t hd[8 + 2 + SALT_LEN + 16 + CHECK_LEN +
               crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    size_t hn = 0;
    memcpy(hd, MAGIC, 8);
    hd[8] = FORMAT_VERSION;
    hd[9] = (uint8_t)w.mode;
    hn = 10;
    if (w.mode == MODE_PASS) {
      uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE,
               mem = crypto_pwhash_MEMLIMIT_MODERATE;
      uint8_t *salt = hd + hn;
      randombytes_buf(salt, SALT_LEN);
      le64(hd + hn + SALT_LEN, ops);
      le64(hd + hn + SALT_LEN + 8, mem);
      rc = key_derive(pass, plen, salt, ops, mem, &key);
      if (rc) {
        fprintf(stderr, "fieldsyncd: cannot derive the backup key: %s\n",
                fs_strerror(rc));
        goto out;
      }
      key_check(key, hd + hn + SALT_LEN + 16);
      hn += SALT_LEN + 16 + CHECK_LEN;
      crypto_secretstream_xchacha20poly1305_init_push(&w.ss, hd + hn, key);
      hn += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    } else {
      crypto_generichash_init(&w.h, NULL, 0, HASH_LEN);
    }
    rc = write_all(fd, hd, hn);
  }
  snprintf(manifest, sizeof(manifest),
           "format=fieldsync-backup %d\ncreated_at=%" PRIu64
           "\ngeneration=%s\nadmin_event=%lld\nseq=%lld\nfieldsyncd=%s\n",
           FORMAT_VERSION, fs__now_ms(), gen, admin_event, seq, FIELDSYNC_VERSION);
  if (rc == 0)
    rc = entry_head(&w, "MANIFEST", strlen(manifest));
  if (rc == 0)
    rc = bw_write(&w, manifest, strlen(manifest));
  pg.what = "backup: writing the file";
  pg.last_pct = -1;
  if (rc == 0)
    rc = entry_file(&w, "central.db", snap, 0, &pg);
  if (rc == 0)
    rc = entry_file(&w, "daemon.key", path, 0, NULL);
  (void)path_join(path, sizeof(path), data, "daemon.key.pub");
  if (rc == 0)
    rc = entry_file(&w, "daemon.key.pub", path, 1, NULL);
  (void)path_join(path, sizeof(path), data, "fieldsyncd.conf");
  if (rc == 0)
    rc = entry_file(&w, "fieldsyncd.conf", path, 1, NULL);
  if (rc == 0)
    rc = bw_write(&w, "\0\0", 2); /* end of entries */
  if (rc == 0)
    rc = bw_finish(&w);
  if (rc == 0 && fsync(fd) != 0)
    rc = FS_EIO;
  if (close(fd) != 0 && rc == 0)
    rc = FS_EIO;
  fd = -1;
  if (rc == 0 && rename(tmp, to) != 0) {
    fprintf(stderr, "fieldsyncd: cannot move %s to %s: %s\n", tmp, to, strerror(errno));
    rc = FS_EIO;
  }
  if (rc == 0) {
    fs__dir_sync_of(to);
    printf("backup written to %s (%" PRIu64 " MiB, store generation %s, %s)\n"
           "  it holds the daemon's private key and every customer: keep it private%s\n"
           "  keep DATA/admin-events.log with the daemon (not in the backup): a restore "
           "replays it\n",
           to, (w.total + (1 << 19)) >> 20, gen[0] ? gen : "(none yet)",
           pass ? "encrypted with the passphrase" : "NOT encrypted",
           pass ? "; without the passphrase it cannot be restored" : "");
  } else {
    fprintf(stderr,
            "fieldsyncd: cannot write the backup %s: %s; nothing was written under that "
            "name (check the free space and permissions where it goes)\n",
            to, fs_strerror(rc));
  }
out:
  if (fd >= 0)
    close(fd);
  if (rc)
    unlink(tmp);
  if (made_snap)
    unlink(snap);
  free(w.buf);
  free(w.cbuf);
  sodium_memzero(&w.ss, sizeof(w.ss));
  if (key)
    sodium_free(key);
  if (pass)
    sodium_free(pass);
  return rc ? EXIT_ERR : EXIT_OK;
}

/* ---- reading the archive ---------------------------------------------- */

typedef struct br {
  int fd;
  int mode;
  crypto_secretstream_xchacha20poly1305_state ss;
  crypto_generichash_state h;
  uint8_t *buf; /* plaintext of the current chunk */
  size_t len, pos;
  uint8_t *cbuf;
  int last; /* the current chunk is the last */
} br;

/* Reads the next chunk.  FS_ETRUNC (file cut), FS_ECRYPTO (damaged or
 * altered), FS_EPROTO (not a chunk). */
static int br_chunk(br *r) {
  uint8_t hd[4];
  uint32_t v, len;
  int rc;

  if (r->last)
    return FS_ETRUNC; /* the payload ran past its last chunk */
  rc = read_all(r->fd, hd, 4);
  if (rc)
    return rc;
  v = rd32(hd);
  len = v & ~LAST_BIT;
  if (len >
      CHUNK + (r->mode == MODE_PASS ? crypto_secretstream_xchacha20poly1305_ABYTES : 0))
    return FS_EPROTO;
  rc = read_all(r->fd, r->cbuf, len);
  if (rc)
    return rc;
  r->last = (v & LAST_BIT) != 0;
  if (r->mode == MODE_PASS) {
    unsigned long long ml = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&r->ss, r->buf, &ml, &tag, r->cbuf,
                                                   len, NULL, 0) != 0)
      return FS_ECRYPTO;
    if ((tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) != r->last)
      return FS_ECRYPTO;
    r->len = (size_t)ml;
  } else {
    memcpy(r->buf, r->cbuf, len);
    crypto_generichash_update(&r->h, r->buf, len);
    r->len = len;
  }
  r->pos = 0;
  return 0;
}

static int br_read(br *r, void *p, size_t n) {
  uint8_t *b = p;
  int rc = 0;

  while (rc == 0 && n > 0) {
    if (r->pos == r->len) {
      rc = br_chunk(r);
      continue;
    }
    size_t take = r->len - r->pos < n ? r->len - r->pos : n;
    memcpy(b, r->buf + r->pos, take);
    r->pos += take;
    b += take;
    n -= take;
  }
  return rc;
}

/* After the end-of-entries mark: the last chunk was reached, nothing
 * follows it but (plain) the hash, which matches. */
static int br_end(br *r) {
  uint8_t h[HASH_LEN], want[HASH_LEN], extra;

  if (!r->last || r->pos != r->len)
    return FS_EPROTO;
  if (r->mode == MODE_PLAIN) {
    if (read_all(r->fd, h, sizeof(h)) != 0)
      return FS_ETRUNC;
    crypto_generichash_final(&r->h, want, sizeof(want));
    if (sodium_memcmp(h, want, sizeof(h)) != 0)
      return FS_ECRYPTO;
  }
  return read(r->fd, &extra, 1) == 0 ? 0 : FS_EPROTO;
}

typedef struct restore_opts {
  const char *file;
  const char *passfile;
  const char *events;
  int force;
  int force_insecure;
} restore_opts;

static const char *const entry_names[] = {"MANIFEST", "central.db", "daemon.key",
                                          "daemon.key.pub", "fieldsyncd.conf"};

static int known_entry(const char *name) {
  for (size_t i = 0; i < sizeof(entry_names) / sizeof(entry_names[0]); i++)
    if (strcmp(name, entry_names[i]) == 0)
      return 1;
  return 0;
}

/* Opens the archive and reads its header; with a passphrase file, derives
 * and checks the key.  Messages printed. */
static int archive_open(const restore_opts *o, br *r) {
  uint8_t hd[10],
      more[SALT_LEN + 16 + CHECK_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  char *pass = NULL;
  size_t plen = 0;
  uint8_t *key = NULL, check[CHECK_LEN];
  int rc;

  r->fd = open(o->file, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    fprintf(stderr, "fieldsyncd: cannot open the backup %s: %s\n", o->file,
            strerror(errno));
    return FS_EIO;
  }
  rc = read_all(r->fd, hd, sizeof(hd));
  if (rc || memcmp(hd, MAGIC, 8) != 0) {
    fprintf(stderr, "fieldsyncd: %s is not a fieldsyncd backup\n", o->file);
    return FS_EPROTO;
  }
  if (hd[8] != FORMAT_VERSION || hd[9] > MODE_PASS) {
    fprintf(
        stderr,
        "fieldsyncd: %s is a backup of format %u, mode %u, which this fieldsyncd (%s) "
        "cannot read; restore it with a newer fieldsyncd\n",
        o->file, hd[8], hd[9], FIELDSYNC_VERSION);
    return FS_EVERSION;
  }
  r->mode = hd[9];
  r->buf = malloc(CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  r->cbuf = malloc(CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  if (r->buf == NULL || r->cbuf == NULL)
    return FS_ENOMEM;
  if (r->mode == MODE_PLAIN) {
    if (o->passfile)
      fprintf(stderr,
              "fieldsyncd: note: %s is not encrypted; the passphrase is not needed\n",
              o->file);
    crypto_generichash_init(&r->h, NULL, 0, HASH_LEN);
    return 0;
  }
  if (o->passfile == NULL) {
    fprintf(stderr,
            "fieldsyncd: %s is encrypted; give its passphrase with --passphrase-file F\n",
            o->file);
    return FS_EAUTH;
  }
  rc = read_all(r->fd, more, sizeof(more));
  if (rc) {
    fprintf(stderr, "fieldsyncd: %s is cut short (no complete header)\n", o->file);
    return rc;
  }
  {
    uint64_t ops = rd64(more + SALT_LEN), mem = rd64(more + SALT_LEN + 8);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > PW_OPS_MAX ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > PW_MEM_MAX) {
      fprintf(stderr,
              "fieldsyncd: %s asks for key derivation limits out of range; the file "
              "is damaged\n",
              o->file);
      return FS_EPROTO;
    }
    rc = passphrase_read(o->passfile, &pass, &plen);
    if (rc == 0)
      rc = key_derive(pass, plen, more, ops, mem, &key);
  }
  if (rc == 0) {
    key_check(key, check);
    if (sodium_memcmp(check, more + SALT_LEN + 16, CHECK_LEN) != 0) {
      fprintf(stderr,
              "fieldsyncd: wrong passphrase for %s (nothing was restored); check the "
              "passphrase file\n",
              o->file);
      rc = FS_EAUTH;
    }
  }
  if (rc == 0 && crypto_secretstream_xchacha20poly1305_init_pull(
                     &r->ss, more + SALT_LEN + 16 + CHECK_LEN, key) != 0)
    rc = FS_ECRYPTO;
  if (key)
    sodium_free(key);
  if (pass)
    sodium_free(pass);
  return rc;
}

static void br_close(br *r) {
  if (r->fd >= 0)
    close(r->fd);
  free(r->buf);
  free(r->cbuf);
  sodium_memzero(&r->ss, sizeof(r->ss));
}

/* Extracts every entry into dir (files 0600, O_EXCL). */
static int archive_extract(const restore_opts *o, br *r, const char *dir, char *manifest,
                           size_t mlen) {
  uint8_t *buf = malloc(CHUNK);
  int rc = buf ? 0 : FS_ENOMEM, have_db = 0, have_key = 0;

  manifest[0] = '\0';
  while (rc == 0) {
    uint8_t nl[2], ln[8];
    char name[NAME_MAX_LEN + 1], path[PATH_MAX];
    uint64_t len, done = 0;
    size_t n;
    int fd;

    rc = br_read(r, nl, 2);
    if (rc)
      break;
    n = (size_t)nl[0] | ((size_t)nl[1] << 8);
    if (n == 0)
      break;
    if (n > NAME_MAX_LEN) {
      rc = FS_EPROTO;
      break;
    }
    rc = br_read(r, name, n);
    if (rc == 0)
      rc = br_read(r, ln, 8);
    if (rc)
      break;
    name[n] = '\0';
    len = rd64(ln);
    if (!known_entry(name)) {
      /* A newer fieldsyncd may add entries; this one cannot place them. */
      fprintf(stderr,
              "fieldsyncd: %s holds an entry \"%s\" this fieldsyncd does not know; "
              "restore it with a newer fieldsyncd\n",
              o->file, name);
      rc = FS_EVERSION;
      break;
    }
    if (strcmp(name, "MANIFEST") == 0) {
      if (len >= mlen) {
        rc = FS_EPROTO;
        break;
      }
      rc = br_read(r, manifest, (size_t)len);
      manifest[rc ? 0 : len] = '\0';
      continue;
    }
    have_db |= strcmp(name, "central.db") == 0;
    have_key |= strcmp(name, "daemon.key") == 0;
    (void)path_join(path, sizeof(path), dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      fprintf(stderr, "fieldsyncd: cannot create %s: %s\n", path, strerror(errno));
      rc = FS_EIO;
      break;
    }
    while (rc == 0 && done < len) {
      size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
      rc = br_read(r, buf, want);
      if (rc == 0)
        rc = write_all(fd, buf, want);
      done += want;
    }
    if (rc == 0 && fsync(fd) != 0)
      rc = FS_EIO;
    close(fd);
  }
  if (rc == 0)
    rc = br_end(r);
  if (rc == 0 && (!have_db || !have_key))
    rc = FS_EPROTO;
  if (rc == FS_ECRYPTO || rc == FS_ETRUNC || rc == FS_EPROTO)
    fprintf(
        stderr,
        "fieldsyncd: the backup %s is %s; nothing was restored (use another backup)\n",
        o->file,
        rc == FS_ETRUNC    ? "cut short"
        : rc == FS_ECRYPTO ? "damaged or altered (its checksum does not match)"
                           : "damaged (its layout is wrong)");
  free(buf);
  return rc;
}

/* ---- restore ------------------------------------------------------------ */

/* 1 if dir holds anything but the admin-event log and the store's lock. */
static int dir_has_data(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;

  if (d == NULL)
    return 0;
  while (!found && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        strcmp(e->d_name, FS_ADMINLOG_NAME) == 0 ||
        strcmp(e->d_name, "central.db.lock") == 0)
      continue;
    found = 1;
  }
  closedir(d);
  return found;
}

static void rm_tree_flat(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[PATH_MAX];

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    (void)path_join(p, sizeof(p), dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

typedef struct replay_arg {
  fs_admin_ctx ctx;
} replay_arg;

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS UTC". */
static void fmt_utc(char *buf, size_t len, int64_t ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;

  if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    snprintf(buf, len, "%lld ms", (long long)ms);
}

static int replay_exec(void *arg, fs_central *c, uint64_t id, int64_t at_ms,
                       const fs_msg_admin *req) {
  replay_arg *a = arg;
  fs_msg_admin_result res;
  char when[64];
  int rc;

  memset(&res, 0, sizeof(res));
  a->ctx.c = c;
  fmt_utc(when, sizeof(when), at_ms);
  if (strcmp(req->cmd, FS_ADMINLOG_ENROLLED) == 0) {
    char why[160];
    int added = 0;
    rc = fs__adminlog_enroll_replay(c, req, &added, why, sizeof(why));
    if (rc == 0)
      printf("  replayed admin event %" PRIu64 " (device enrolled, made %s): %s\n", id,
             when, added ? "registered again" : why);
    return rc;
  }
  rc = fs__admin_exec(&a->ctx, req, &res);
  if (rc == 0)
    printf("  replayed admin event %" PRIu64 " (%s, made %s): %s%s%s\n", id, req->cmd,
           when, res.ok ? "done" : "refused by the restored store: ",
           res.ok ? "" : (res.text ? res.text : ""), res.ok ? "" : " (nothing to undo)");
  free(res.text);
  free(res.out);
  free(res.json);
  return rc;
}

/* Gives the restored store (in tmpdir) its new generation and replays the
 * admin events it lacks.  Messages printed. */
static int restore_prepare(const char *tmpdir, const char *events, char gen[33],
                           int *replayed) {
  char path[PATH_MAX], err[512];
  fs_central *c = NULL;
  fs_keypair *kp = NULL;
  fs_config cfg;
  replay_arg ra;
  int rc;

  *replayed = 0;
  fs__config_defaults(&cfg);
  (void)path_join(path, sizeof(path), tmpdir, "fieldsyncd.conf");
  rc = fs__config_load(&cfg, path, err, sizeof(err));
  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's fieldsyncd.conf is refused: %s\n",
            rc == FS_EINVAL ? err : fs_strerror(rc));
    return rc;
  }
  (void)path_join(path, sizeof(path), tmpdir, "daemon.key");
  rc = fs__keypair_load(&kp, path);
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's daemon key is unusable: %s\n",
            fs_strerror(rc));
    return rc;
  }
  (void)path_join(path, sizeof(path), tmpdir, "central.db");
  rc = fs__store_restore_seq_jump(path, NULL);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot mark the restored store: %s\n", fs_strerror(rc));
    goto out;
  }
  rc = fs__central_open(path, 0, &c);
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's store cannot be opened: %s\n",
            fs_strerror(rc));
    goto out;
  }
  fs__central_set_wipe_deadline(c, (int64_t)cfg.wipe_deadline_days * 86400000LL);
  rc = fs__central_begin(c);
  if (rc == 0)
    rc = fs__generation_renew(c, gen);
  if (rc == 0)
    rc = fs__central_commit(c);
  else
    fs__central_rollback(c);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot mark the restored store: %s\n", fs_strerror(rc));
    goto out;
  }
  if (events) {
    memset(&ra, 0, sizeof(ra));
    ra.ctx.cfg = &cfg;
    ra.ctx.daemon_pub = kp->pub;
    ra.ctx.actor = "restore";
    rc = fs__adminlog_replay(c, events, replay_exec, &ra, replayed);
    if (rc)
      fprintf(
          stderr,
          "fieldsyncd: cannot replay the admin-event log %s: %s; nothing was restored\n",
          events, fs_strerror(rc));
  }
out:
  fs__central_free(c);
  fs__keypair_free(kp);
  (void)path_join(path, sizeof(path), tmpdir, "central.db.lock");
  unlink(path);
  return rc;
}

/* Copies the admin-event log at src into DATA (unless it is that file):
 * the log given from elsewhere becomes this daemon's.  Via a temporary
 * file and a rename, so DATA never holds half a log. */
static int log_adopt(const char *src, const char *data) {
  char dst[PATH_MAX], tmp[PATH_MAX], buf[8192];
  struct stat a, b;
  FILE *in = NULL;
  size_t n;
  int fd = -1, rc;

  (void)path_join(dst, sizeof(dst), data, FS_ADMINLOG_NAME);
  (void)path_join(tmp, sizeof(tmp), data, FS_ADMINLOG_NAME ".tmp");
  if (stat(src, &a) == 0 && stat(dst, &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return 0;
  in = fopen(src, "rbe");
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  rc = in && fd >= 0 ? 0 : FS_EIO;
  while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
    rc = write_all(fd, buf, n);
  if (rc == 0 && (ferror(in) || fsync(fd) != 0))
    rc = FS_EIO;
  if (in)
    fclose(in);
  if (fd >= 0)
    close(fd);
  if (rc == 0 && rename(tmp, dst) != 0)
    rc = FS_EIO;
  if (rc) {
    unlink(tmp);
    fprintf(stderr, "fieldsyncd: cannot copy the admin-event log %s to %s\n", src, dst);
  }
  return rc;
}

int fs__restore_cmd(const char *data, int argc, char **argv) {
  restore_opts o;
  char store[PATH_MAX], tmpdir[PATH_MAX], events[PATH_MAX], gen[33], manifest[1024];
  char from[PATH_MAX], to[PATH_MAX];
  const char *ev = NULL;
  br r;
  int rc, replayed = 0, made_tmp = 0;

  memset(&o, 0, sizeof(o));
  memset(&r, 0, sizeof(r));
  r.fd = -1;
  if (!data_path_ok(data))
    return EXIT_ERR;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--force") == 0)
      o.force = 1;
    else if (strcmp(argv[i], "--force-insecure") == 0)
      o.force_insecure = 1;
    else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
      o.passfile = argv[++i];
    else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
      o.events = argv[++i];
    else if (argv[i][0] != '-' && o.file == NULL)
      o.file = argv[i];
    else
      return usage(FS_RESTORE_USAGE, "unknown or incomplete argument %s", argv[i]);
  }
  if (o.file == NULL)
    return usage(FS_RESTORE_USAGE, "name the backup file to restore");
  (void)path_join(store, sizeof(store), data, "central.db");
  if (fs__store_in_use(store)) {
    fprintf(
        stderr,
        "fieldsyncd: a fieldsyncd (pid %ld) holds the store in %s; stop it first, then "
        "restore (a restore replaces the store under a running daemon's feet)\n",
        fs__central_holder(store), data);
    return EXIT_ERR;
  }
  if (fs__privdir_check(data, 1) != 0)
    return EXIT_ERR;
  if (dir_has_data(data) && !o.force) {
    fprintf(stderr,
            "fieldsyncd: %s is not empty; restoring replaces its store, key and config: "
            "add --force if that is what you want\n",
            data);
    return EXIT_ERR;
  }
  /* The admin-event log keeps revocations, departures, wipe orders and
   * handovers made after the backup: without it they would be undone. */
  if (o.events)
    (void)!snprintf(events, sizeof(events), "%s", o.events);
  else
    (void)path_join(events, sizeof(events), data, FS_ADMINLOG_NAME);
  if (access(events, R_OK) == 0) {
    ev = events;
  } else if (!o.force_insecure) {
    fprintf(
        stderr,
        "fieldsyncd: no admin-event log at %s: without it, device revocations, "
        "departures, wipe orders and handovers made after the backup would be undone.  "
        "Copy the old daemon's %s there (or give --events LOG); only if it is truly "
        "lost, restore with --force-insecure and re-check `fieldsyncd devices` and "
        "`fieldsyncd staff list` afterwards\n",
        events, FS_ADMINLOG_NAME);
    return EXIT_ERR;
  } else {
    fprintf(stderr,
            "fieldsyncd: WARNING: restoring without an admin-event log "
            "(--force-insecure): revocations, departures, wipe orders and handovers "
            "made after the backup are undone; redo them now\n");
  }
  rc = archive_open(&o, &r);
  if (rc)
    goto out;
  (void)!snprintf(tmpdir, sizeof(tmpdir), "%s/.restore.%ld", data, (long)getpid());
  if (mkdir(tmpdir, 0700) != 0) {
    fprintf(stderr, "fieldsyncd: cannot create %s: %s\n", tmpdir, strerror(errno));
    rc = FS_EIO;
    goto out;
  }
  made_tmp = 1;
  rc = archive_extract(&o, &r, tmpdir, manifest, sizeof(manifest));
  if (rc)
    goto out;
  rc = restore_prepare(tmpdir, ev, gen, &replayed);
  if (rc)
    goto out;
  /* Into place.  The old store's -wal/-shm go first: a stale WAL beside
   * the new file would be replayed into it. */
  {
    static const char *const stale[] = {"central.db-wal", "central.db-shm",
                                        "central.db-journal"};
    static const char *const files[] = {"daemon.key", "daemon.key.pub", "fieldsyncd.conf",
                                        "central.db"};
    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
      (void)path_join(to, sizeof(to), data, stale[i]);
      unlink(to);
    }
    for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
      (void)path_join(from, sizeof(from), tmpdir, files[i]);
      (void)path_join(to, sizeof(to), data, files[i]);
      if (access(from, F_OK) != 0) {
        unlink(to); /* the backup had none: the old one must not stay */
        continue;
      }
      if (rename(from, to) != 0) {
        fprintf(stderr, "fieldsyncd: cannot move %s to %s: %s\n", from, to,
                strerror(errno));
        rc = FS_EIO;
      }
    }
    if (rc == 0 && o.events)
      rc = log_adopt(events, data);
    fs__dir_sync_of(store);
  }
  if (rc)
    goto out;
  printf(
      "restored %s into %s\n  new store generation %s: devices re-upload what they hold "
      "and take a fresh copy at their next sync\n  admin events replayed: %d%s\n",
      o.file, data, gen, replayed,
      ev ? "" : " (NO admin-event log: redo revocations and departures made since)");
  {
    const char *p = strstr(manifest, "created_at=");
    char when[64];
    if (p) {
      fmt_utc(when, sizeof(when), strtoll(p + 11, NULL, 10));
      printf("  the backup was made %s\n", when);
    }
  }
  printf("next: fieldsyncd verify --data %s, then fieldsyncd serve --data %s\n", data,
         data);
out:
  br_close(&r);
  if (made_tmp)
    rm_tree_flat(tmpdir);
  return rc ? EXIT_ERR : EXIT_OK;
}

/* ---- verify --------------------------------------------------------------- */

static void verify_print(void *arg, const char *what, const char *text) {
  (void)arg;
  printf("%-9s %s\n", what, text);
}

int fs__verify_cmd(const char *data, int argc, char **argv) {
  char store[PATH_MAX];
  long n = 0;
  int rc;

  if (!data_path_ok(data))
    return EXIT_ERR;
  if (argc > 0)
    return usage(FS_VERIFY_USAGE, "unexpected argument \"%s\"", argv[0]);
  (void)path_join(store, sizeof(store), data, "central.db");
  rc = fs__store_verify(store, verify_print, NULL, &n);
  if (rc == FS_ENOTFOUND) {
    fprintf(stderr,
            "fieldsyncd: no central store in %s; give the data directory with --data "
            "DIR\n",
            data);
    return EXIT_ERR;
  }
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot verify %s: %s\n", store, fs_strerror(rc));
    return EXIT_ERR;
  }
  if (n) {
    printf("%ld finding(s) in %s\n", n, store);
    return EXIT_ERR;
  }
  printf("%s: clean (integrity, journal vs records, devices vs staff, seq counters)\n",
         store);
  return EXIT_OK;
}
