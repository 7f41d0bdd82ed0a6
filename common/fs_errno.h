/* fs_errno.h - the one error table of fieldsync.
 *
 * Every fallible function in fieldsync returns 0 on success or one of the
 * negative FS_E* codes below.  The numbers are stable: they travel on the
 * wire in ERROR messages and per-change results (see proto/PROTOCOL.md), so
 * never renumber an entry; append new ones.
 *
 * This header is part of the public API (client/fieldsync.h includes it).
 */
#ifndef FS_ERRNO_H
#define FS_ERRNO_H

/* XX(name, number, message).  Messages say what failed; callers add what
 * to do when they know the context. */
#define FS_ERRNO_MAP(XX)                                                       \
  XX(EINVAL, 1, "invalid argument")                                            \
  XX(ENOMEM, 2, "out of memory")                                               \
  XX(EIO, 3, "input/output error")                                             \
  XX(ENOTFOUND, 4, "no such record")                                           \
  XX(EEXIST, 5, "already exists")                                              \
  XX(EVALIDATE, 6, "value refused by validation")                              \
  XX(ESCHEMA_NEWER, 7,                                                         \
     "database was made by a newer fieldsync; upgrade fieldsync to open it")   \
  XX(EDB, 8, "database error")                                                 \
  XX(EFULL, 9, "disk full")                                                    \
  XX(EBUSY, 10, "database is busy")                                            \
  XX(ECLOCK, 11, "remote clock is too far ahead; check the device's date")    \
  XX(ECRYPTO, 12, "cryptographic operation failed")                            \
  XX(EAUTH, 13, "authentication failed")                                       \
  XX(EPROTO, 14, "protocol violation")                                         \
  XX(EVERSION, 15, "unsupported protocol version")                             \
  XX(ETOOBIG, 16, "message exceeds the maximum size")                          \
  XX(ETRUNC, 17, "truncated message")                                          \
  XX(EREPLAY, 18, "replayed, reordered or tampered message")                   \
  XX(ETOKEN, 19, "enrollment token is not valid")                              \
  XX(ETOKEN_USED, 20, "enrollment token was already used")                     \
  XX(ETOKEN_EXPIRED, 21, "enrollment token has expired")                       \
  XX(EREVOKED, 22, "device has been revoked")                                  \
  XX(EDEPARTED, 23, "staff member has departed")                               \
  XX(EFORBIDDEN, 24, "not permitted: the record belongs to someone else")      \
  XX(EREADONLY, 25, "record is read-only here (loaned card)")                  \
  XX(ECONN, 26, "cannot connect to the daemon")                                \
  XX(ETIMEDOUT, 27, "operation timed out")                                     \
  XX(ECLOSED, 28, "connection closed")                                         \
  XX(ELOCKED, 29, "replica is locked: it has not synced for too long; sync")   \
  XX(EUSAGE, 30, "usage error")                                                \
  XX(ENOTENROLLED, 31, "this replica is not enrolled; run fieldsync init")     \
  XX(EAGAIN, 32, "more data needed")                                           \
  XX(EUNKNOWN_DEVICE, 33, "unknown device key")                                \
  XX(ESTATE, 34, "operation not valid in the current state")                   \
  XX(EOVERFLOW, 35, "a bound was exceeded")                                    \
  XX(EUNKNOWN_FIELD, 36, "unknown field")                                      \
  XX(EINTERNAL, 37, "internal error")                                          \
  XX(EKEYPERM, 38,                                                             \
     "private key file is readable by group or others; chmod 600 it")          \
  XX(ERESYNC, 39,                                                              \
     "replica is older than the daemon keeps history for; a full resync is needed")  \
  XX(ECANCELED, 40, "operation cancelled")

typedef enum fs_errno {
  FS_OK = 0,
#define XX(name, num, msg) FS_##name = -(4000 + (num)),
  FS_ERRNO_MAP(XX)
#undef XX
} fs_errno;

/* fs_strerror returns a static English message for any code (also for
 * codes it does not know, "unknown error").  Never NULL. */
const char *fs_strerror(int err);
/* fs_err_name returns "FS_EINVAL" etc., or "FS_UNKNOWN". Never NULL. */
const char *fs_err_name(int err);

#endif
