/* backup_file.c - the backup file: format, writer, reader (backup_file.h). */
#include "backup_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "fs_errno.h"
#include "fs_version.h"
#include "hlc.h"

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

int fs__bk_usage(const char *u, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "fieldsyncd: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: fieldsyncd %s\n", u);
  return FS_EXIT_USAGE;
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

int fs__bk_write_all(int fd, const void *p, size_t n) {
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

int fs__bk_path_join(char *buf, size_t len, const char *dir, const char *name) {
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

int fs__bk_data_path_ok(const char *data) {
  if (strlen(data) <= PATH_MAX - 64)
    return 1;
  fprintf(stderr, "fieldsyncd: the data directory path is too long\n");
  return 0;
}

/* ---- passphrase and key ---------------------------------------------- */

int fs__bk_passphrase_read(const char *path, char **out, size_t *len) {
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

int fs__bk_writer_init(fs_bk_writer *w, int fd, const char *pass, size_t plen) {
  uint8_t *hd = w->head, *key = NULL;
  size_t hn;
  int rc;

  w->fd = fd;
  w->mode = pass ? MODE_PASS : MODE_PLAIN;
  w->len = 0;
  w->total = 0;
  w->head_len = 0;
  w->buf = malloc(CHUNK);
  w->cbuf = malloc(4 + CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  if (w->buf == NULL || w->cbuf == NULL)
    return FS_ENOMEM;
  memcpy(hd, MAGIC, 8);
  hd[8] = FORMAT_VERSION;
  hd[9] = (uint8_t)w->mode;
  hn = 10;
  if (w->mode == MODE_PASS) {
    uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE, mem = crypto_pwhash_MEMLIMIT_MODERATE;
    uint8_t *salt = hd + hn;
    randombytes_buf(salt, SALT_LEN);
    le64(hd + hn + SALT_LEN, ops);
    le64(hd + hn + SALT_LEN + 8, mem);
    rc = key_derive(pass, plen, salt, ops, mem, &key);
    if (rc) {
      fprintf(stderr, "fieldsyncd: cannot derive the backup key: %s\n", fs_strerror(rc));
      return rc;
    }
    key_check(key, hd + hn + SALT_LEN + 16);
    hn += SALT_LEN + 16 + CHECK_LEN;
    crypto_secretstream_xchacha20poly1305_init_push(&w->ss, hd + hn, key);
    hn += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    sodium_free(key);
  } else {
    crypto_generichash_init(&w->h, NULL, 0, HASH_LEN);
  }
  w->head_len = hn;
  return 0;
}

int fs__bk_writer_head(fs_bk_writer *w) {
  return fs__bk_write_all(w->fd, w->head, w->head_len);
}

static int bw_flush(fs_bk_writer *w, int last) {
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
  rc = fs__bk_write_all(w->fd, w->cbuf, 4 + clen);
  w->len = 0;
  return rc;
}

static int bw_write(fs_bk_writer *w, const void *p, size_t n) {
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

int fs__bk_writer_finish(fs_bk_writer *w) {
  int rc = bw_write(w, "\0\0", 2); /* end of entries */

  if (rc == 0)
    rc = bw_flush(w, 1);
  if (rc == 0 && w->mode == MODE_PLAIN) {
    uint8_t h[HASH_LEN];
    crypto_generichash_final(&w->h, h, sizeof(h));
    rc = fs__bk_write_all(w->fd, h, sizeof(h));
  }
  return rc;
}

void fs__bk_writer_free(fs_bk_writer *w) {
  free(w->buf);
  free(w->cbuf);
  w->buf = w->cbuf = NULL;
  sodium_memzero(&w->ss, sizeof(w->ss));
}

static int entry_head(fs_bk_writer *w, const char *name, uint64_t len) {
  uint8_t hd[2 + NAME_MAX_LEN + 8];
  size_t nl = strlen(name);

  hd[0] = (uint8_t)nl;
  hd[1] = (uint8_t)(nl >> 8);
  memcpy(hd + 2, name, nl);
  le64(hd + 2 + nl, len);
  return bw_write(w, hd, 2 + nl + 8);
}

int fs__bk_entry_manifest(fs_bk_writer *w, const char *gen, long long admin_event,
                          long long seq) {
  char manifest[1024];
  int rc;

  snprintf(manifest, sizeof(manifest),
           "format=fieldsync-backup %d\ncreated_at=%" PRIu64
           "\ngeneration=%s\nadmin_event=%lld\nseq=%lld\nfieldsyncd=%s\n",
           FORMAT_VERSION, fs__now_ms(), gen, admin_event, seq, FIELDSYNC_VERSION);
  rc = entry_head(w, "MANIFEST", strlen(manifest));
  if (rc == 0)
    rc = bw_write(w, manifest, strlen(manifest));
  return rc;
}

int fs__bk_entry_file(fs_bk_writer *w, const char *name, const char *path, int optional,
                      void (*progress)(void *arg, uint64_t done, uint64_t total),
                      void *arg) {
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
    if (progress)
      progress(arg, done, (uint64_t)sb.st_size);
  }
  if (rc == FS_ETRUNC)
    rc = FS_EIO; /* the file shrank under us */
  free(buf);
  close(fd);
  return rc;
}

/* ---- reading the archive ---------------------------------------------- */

/* Reads the next chunk.  FS_ETRUNC (file cut), FS_ECRYPTO (damaged or
 * altered), FS_EPROTO (not a chunk). */
static int br_chunk(fs_bk_reader *r) {
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

static int br_read(fs_bk_reader *r, void *p, size_t n) {
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
static int br_end(fs_bk_reader *r) {
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

static const char *const entry_names[] = {"MANIFEST", "central.db", "daemon.key",
                                          "daemon.key.pub", "fieldsyncd.conf"};

static int known_entry(const char *name) {
  for (size_t i = 0; i < sizeof(entry_names) / sizeof(entry_names[0]); i++)
    if (strcmp(name, entry_names[i]) == 0)
      return 1;
  return 0;
}

/* Mode 1 after the first 10 bytes: reads the rest of the header, derives
 * the key from the passphrase file and checks it, starts the stream.
 * Messages printed. */
static int reader_key(fs_bk_reader *r, const char *file, const char *passfile) {
  uint8_t
      more[SALT_LEN + 16 + CHECK_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  char *pass = NULL;
  size_t plen = 0;
  uint8_t *key = NULL, check[CHECK_LEN];
  int rc;

  rc = read_all(r->fd, more, sizeof(more));
  if (rc) {
    fprintf(stderr, "fieldsyncd: %s is cut short (no complete header)\n", file);
    return rc;
  }
  {
    uint64_t ops = rd64(more + SALT_LEN), mem = rd64(more + SALT_LEN + 8);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > PW_OPS_MAX ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > PW_MEM_MAX) {
      fprintf(stderr,
              "fieldsyncd: %s asks for key derivation limits out of range; the file "
              "is damaged\n",
              file);
      return FS_EPROTO;
    }
    rc = fs__bk_passphrase_read(passfile, &pass, &plen);
    if (rc == 0)
      rc = key_derive(pass, plen, more, ops, mem, &key);
  }
  if (rc == 0) {
    key_check(key, check);
    if (sodium_memcmp(check, more + SALT_LEN + 16, CHECK_LEN) != 0) {
      fprintf(stderr,
              "fieldsyncd: wrong passphrase for %s (nothing was restored); check the "
              "passphrase file\n",
              file);
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

int fs__bk_reader_open(fs_bk_reader *r, const char *file, const char *passfile) {
  uint8_t hd[10];
  int rc;

  r->fd = open(file, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    fprintf(stderr, "fieldsyncd: cannot open the backup %s: %s\n", file, strerror(errno));
    return FS_EIO;
  }
  rc = read_all(r->fd, hd, sizeof(hd));
  if (rc || memcmp(hd, MAGIC, 8) != 0) {
    fprintf(stderr, "fieldsyncd: %s is not a fieldsyncd backup\n", file);
    return FS_EPROTO;
  }
  if (hd[8] != FORMAT_VERSION || hd[9] > MODE_PASS) {
    fprintf(
        stderr,
        "fieldsyncd: %s is a backup of format %u, mode %u, which this fieldsyncd (%s) "
        "cannot read; restore it with a newer fieldsyncd\n",
        file, hd[8], hd[9], FIELDSYNC_VERSION);
    return FS_EVERSION;
  }
  r->mode = hd[9];
  r->buf = malloc(CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  r->cbuf = malloc(CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  if (r->buf == NULL || r->cbuf == NULL)
    return FS_ENOMEM;
  if (r->mode == MODE_PLAIN) {
    if (passfile)
      fprintf(stderr,
              "fieldsyncd: note: %s is not encrypted; the passphrase is not needed\n",
              file);
    crypto_generichash_init(&r->h, NULL, 0, HASH_LEN);
    return 0;
  }
  if (passfile == NULL) {
    fprintf(stderr,
            "fieldsyncd: %s is encrypted; give its passphrase with --passphrase-file F\n",
            file);
    return FS_EAUTH;
  }
  return reader_key(r, file, passfile);
}

void fs__bk_reader_close(fs_bk_reader *r) {
  if (r->fd >= 0)
    close(r->fd);
  free(r->buf);
  free(r->cbuf);
  sodium_memzero(&r->ss, sizeof(r->ss));
}

int fs__bk_extract(fs_bk_reader *r, const char *file, const char *dir, char *manifest,
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
              file, name);
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
    (void)fs__bk_path_join(path, sizeof(path), dir, name);
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
        rc = fs__bk_write_all(fd, buf, want);
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
        file,
        rc == FS_ETRUNC    ? "cut short"
        : rc == FS_ECRYPTO ? "damaged or altered (its checksum does not match)"
                           : "damaged (its layout is wrong)");
  free(buf);
  return rc;
}
