/* status.c - the enum <-> stored string tables of status.h. */
#include "status.h"

#include <stddef.h>
#include <string.h>

static const char *const device_names[] = {
    [FS_DEVICE_ACTIVE] = FS_DEVICE_ACTIVE_S,
    [FS_DEVICE_REVOKED] = FS_DEVICE_REVOKED_S,
    [FS_DEVICE_WIPE] = FS_DEVICE_WIPE_S,
    [FS_DEVICE_WIPED] = FS_DEVICE_WIPED_S,
};
static const char *const staff_names[] = {
    [FS_STAFF_ACTIVE] = FS_STAFF_ACTIVE_S,
    [FS_STAFF_DEPARTED] = FS_STAFF_DEPARTED_S,
};
static const char *const outbox_names[] = {
    [FS_OUTBOX_PENDING] = FS_OUTBOX_PENDING_S,
    [FS_OUTBOX_REJECTED] = FS_OUTBOX_REJECTED_S,
};
static const char *const quarantine_names[] = {
    [FS_QUARANTINE_PENDING] = FS_QUARANTINE_PENDING_S,
    [FS_QUARANTINE_DROPPED] = FS_QUARANTINE_DROPPED_S,
    [FS_QUARANTINE_ERASED] = FS_QUARANTINE_ERASED_S,
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int parse(const char *const *names, int n, const char *s) {
  if (s == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], s) == 0)
      return i;
  return -1;
}

static const char *name(const char *const *names, int n, int v) {
  return v >= 0 && v < n ? names[v] : "?";
}

int fs__device_status_parse(const char *s) {
  return parse(device_names, COUNT(device_names), s);
}
int fs__staff_status_parse(const char *s) {
  return parse(staff_names, COUNT(staff_names), s);
}
int fs__outbox_status_parse(const char *s) {
  return parse(outbox_names, COUNT(outbox_names), s);
}
int fs__quarantine_status_parse(const char *s) {
  return parse(quarantine_names, COUNT(quarantine_names), s);
}
const char *fs__device_status_name(fs_device_status v) {
  return name(device_names, COUNT(device_names), (int)v);
}
const char *fs__staff_status_name(fs_staff_status v) {
  return name(staff_names, COUNT(staff_names), (int)v);
}
const char *fs__outbox_status_name(fs_outbox_status v) {
  return name(outbox_names, COUNT(outbox_names), (int)v);
}
const char *fs__quarantine_status_name(fs_quarantine_status v) {
  return name(quarantine_names, COUNT(quarantine_names), (int)v);
}
