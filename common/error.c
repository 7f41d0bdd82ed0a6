/* error.c - messages for the fs_errno table. */
#include "fs_errno.h"

const char *fs_strerror(int err) {
  switch (err) {
  case FS_OK:
    return "success";
#define XX(name, num, msg)                                                     \
  case FS_##name:                                                              \
    return msg;
    FS_ERRNO_MAP(XX)
#undef XX
  default:
    return "unknown error";
  }
}

const char *fs_err_name(int err) {
  switch (err) {
  case FS_OK:
    return "FS_OK";
#define XX(name, num, msg)                                                     \
  case FS_##name:                                                              \
    return "FS_" #name;
    FS_ERRNO_MAP(XX)
#undef XX
  default:
    return "FS_UNKNOWN";
  }
}
