/* backup_file.h - the backup file of `fieldsyncd backup` and `restore`:
 * its format, its writer and its reader; and the little the backup,
 * restore and verify commands share (private to daemon/backup_cmd.c,
 * restore_cmd.c and verify_cmd.c; docs/OPERATIONS.md).
 *
 * The backup file (one file; nothing else needs keeping but the
 * admin-event log, which stays with the daemon: store/adminlog.h):
 *
 *   "FSBACKUP" (8 bytes), version (1 byte, 1), mode (1 byte: 0 plain,
 *   1 passphrase)
 *   mode 1: salt (16), opslimit (u64 LE), memlimit (u64 LE) of
 *           crypto_pwhash (Argon2id), key check (16: BLAKE2b-128 keyed
 *           with the derived key over "fieldsync backup key check"),
 *           secretstream header (24)
 *   chunks: u32 LE length, bit 31 set on the last chunk, then the bytes:
 *           mode 0: payload bytes; after the last chunk the BLAKE2b-256 of
 *                   the whole payload (32);
 *           mode 1: crypto_secretstream_xchacha20poly1305 ciphertext of a
 *                   payload chunk (at most 64 KiB), TAG_FINAL on the last.
 *   payload: entries (u16 LE name length, name, u64 LE data length, data)
 *            ending with a name length of 0:
 *            MANIFEST (text: format, created_at, generation, admin_event,
 *            seq, fieldsyncd version), central.db (a consistent copy of
 *            the store, store/backup.h), daemon.key, daemon.key.pub,
 *            fieldsyncd.conf (when there is one).
 *
 * Secrets (the passphrase, the derived key) live in sodium_malloc'd
 * memory (sodium_free wipes it); the stream states are wiped when their
 * writer or reader is freed.  "Messages printed": the function tells the
 * operator on stderr what failed and what to do.
 */
#ifndef FS_DAEMON_BACKUP_FILE_H
#define FS_DAEMON_BACKUP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* The longest file header (mode 1). */
#define FS_BK_HEAD_MAX                                                                   \
  (8 + 2 + crypto_pwhash_SALTBYTES + 16 + 16 +                                           \
   crypto_secretstream_xchacha20poly1305_HEADERBYTES)

/* ---- what the commands share ------------------------------------------- */

/* "fieldsyncd: " and the message, then "usage: fieldsyncd u", on stderr.
 * Returns FS_EXIT_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int fs__bk_usage(const char *u, const char *fmt, ...);

/* 1 if every path the commands make, DATA/<name of at most 63 bytes>,
 * fits; else 0 (message printed). */
int fs__bk_data_path_ok(const char *data);

/* dir/name into buf; FS_EOVERFLOW if it does not fit (buf then holds
 * a cut path that names nothing the caller uses). */
int fs__bk_path_join(char *buf, size_t len, const char *dir, const char *name);

/* All of p to fd: 0, FS_EFULL (no space) or FS_EIO. */
int fs__bk_write_all(int fd, const void *p, size_t n);

/* The first line of path (without its line end) into a sodium_malloc'd
 * buffer (sodium_free it).  FS_EINVAL (empty), FS_EIO (printed),
 * FS_ENOMEM. */
int fs__bk_passphrase_read(const char *path, char **out, size_t *len);

/* ---- writing ------------------------------------------------------------- */

/* A backup file being written.  Fields other than total are the writer's. */
typedef struct fs_bk_writer {
  int fd;
  int mode;
  crypto_secretstream_xchacha20poly1305_state ss;
  crypto_generichash_state h;
  uint8_t *buf; /* CHUNK */
  size_t len;
  uint8_t *cbuf;  /* 4 + CHUNK + ABYTES */
  uint64_t total; /* payload bytes written */
  uint8_t head[FS_BK_HEAD_MAX];
  size_t head_len;
} fs_bk_writer;

/* Makes w (zeroed or not) write the file open on fd: mode 1 with a
 * passphrase (pass not NULL: derives the key, messages printed), else
 * mode 0.  Builds the file header; fs__bk_writer_head writes it.  0,
 * FS_ENOMEM.  Free w with fs__bk_writer_free in any case. */
int fs__bk_writer_init(fs_bk_writer *w, int fd, const char *pass, size_t plen);
/* Writes the file header.  0, FS_EFULL, FS_EIO. */
int fs__bk_writer_head(fs_bk_writer *w);
/* The MANIFEST entry. */
int fs__bk_entry_manifest(fs_bk_writer *w, const char *gen, long long admin_event,
                          long long seq);
/* Adds the file at path as entry name.  Missing and optional: nothing.
 * progress (may be NULL) hears bytes done of the file's size.  Messages
 * printed for a file that cannot be read. */
int fs__bk_entry_file(fs_bk_writer *w, const char *name, const char *path, int optional,
                      void (*progress)(void *arg, uint64_t done, uint64_t total),
                      void *arg);
/* The end-of-entries mark, the last chunk and (mode 0) the hash. */
int fs__bk_writer_finish(fs_bk_writer *w);
/* Frees the buffers and wipes the stream state; does not close fd. */
void fs__bk_writer_free(fs_bk_writer *w);

/* ---- reading ------------------------------------------------------------- */

/* A backup file being read.  Its fields are the reader's; zero it and set
 * fd to -1 before fs__bk_reader_open. */
typedef struct fs_bk_reader {
  int fd;
  int mode;
  crypto_secretstream_xchacha20poly1305_state ss;
  crypto_generichash_state h;
  uint8_t *buf; /* plaintext of the current chunk */
  size_t len, pos;
  uint8_t *cbuf;
  int last; /* the current chunk is the last */
} fs_bk_reader;

/* Opens the backup file and reads its header; with a passphrase file,
 * derives and checks the key.  Messages printed.  Close r with
 * fs__bk_reader_close in any case. */
int fs__bk_reader_open(fs_bk_reader *r, const char *file, const char *passfile);
/* Extracts every entry into dir (files 0600, O_EXCL) but the MANIFEST,
 * whose text goes into manifest (mlen bytes, "" if none).  Checks the
 * file to its end.  Messages printed for a damaged file or an entry this
 * fieldsyncd does not know (file names the backup in them). */
int fs__bk_extract(fs_bk_reader *r, const char *file, const char *dir, char *manifest,
                   size_t mlen);
/* Closes the file, frees the buffers and wipes the stream state. */
void fs__bk_reader_close(fs_bk_reader *r);

#endif
