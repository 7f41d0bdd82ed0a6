/* status.h - every stored status and role as an enum, with its lifecycle.
 *
 * The database stores these as text (schema.c); code never compares that
 * text itself: it parses it once with the table below (enum <-> stored
 * string, one table per enum) and works with the enum.  SQL that filters
 * on a status writes the stored string through the FS_*_S macros, so each
 * string is spelled in one place.  Roles are fs_role (access.h), parsed by
 * fs__role_parse/fs__role_name from the same kind of table.
 *
 * Device (daemon devices.status):
 *
 *   enroll --> active --revoke -----------------------------> revoked (final)
 *                |  \--revoke --wipe --> wipe --final upload, WIPE sent--> wiped (final)
 *                |                         \--upload deadline passes (sweep)--^
 *                \--its staff member departs: stays active, but is treated
 *                   as under a wipe order (upload, then WIPE, then wiped)
 *
 * Staff member (staff.status, both roles):
 *
 *   staff add --> active --depart (handover to a successor)--> departed (final)
 *
 * Outbox entry (client outbox.status; outbox.h):
 *
 *   append --> pending --push acknowledged--> (row deleted)
 *                  \--push refused----------> rejected (kept for the user)
 *
 * Quarantined change (daemon quarantine.status: a revoked device's last
 * upload, never applied):
 *
 *   quarantine --> pending --admin drops it-------------> dropped
 *                     \--person erase blanks its payload--> erased
 *
 * Cover (daemon covers.state, an integer):
 *
 *   cover --> planned (0) --first day comes (sweep)--> running (1)
 *                 \                                      |
 *                  \--last day passes (sweep)------------+--> ended (2)
 */
#ifndef FS_STATUS_H
#define FS_STATUS_H

#include "fs_enums.h"

/* Stored strings, for SQL text ("... status='" FS_DEVICE_WIPE_S "'"). */
#define FS_DEVICE_ACTIVE_S "active"
#define FS_DEVICE_REVOKED_S "revoked"
#define FS_DEVICE_WIPE_S "wipe"
#define FS_DEVICE_WIPED_S "wiped"
#define FS_STAFF_ACTIVE_S "active"
#define FS_STAFF_DEPARTED_S "departed"
#define FS_OUTBOX_PENDING_S "pending"
#define FS_OUTBOX_REJECTED_S "rejected"
#define FS_QUARANTINE_PENDING_S "pending"
#define FS_QUARANTINE_DROPPED_S "dropped"
#define FS_QUARANTINE_ERASED_S "erased"

typedef enum fs_device_status {
  FS_DEVICE_ACTIVE = 0,
  FS_DEVICE_REVOKED,
  FS_DEVICE_WIPE,
  FS_DEVICE_WIPED
} fs_device_status;

typedef enum fs_staff_status { FS_STAFF_ACTIVE = 0, FS_STAFF_DEPARTED } fs_staff_status;

/* fs_outbox_status (FS_OUTBOX_PENDING, FS_OUTBOX_REJECTED) is public:
 * fs_enums.h. */

typedef enum fs_quarantine_status {
  FS_QUARANTINE_PENDING = 0,
  FS_QUARANTINE_DROPPED,
  FS_QUARANTINE_ERASED
} fs_quarantine_status;

/* covers.state values. */
typedef enum fs_cover_state {
  FS_COVER_PLANNED = 0,
  FS_COVER_RUNNING = 1,
  FS_COVER_ENDED = 2
} fs_cover_state;

/* Stored string -> enum: the enum value, or -1 if s is NULL or not in the
 * table (a store written by a newer version: callers treat it as the most
 * restrictive status and say so). */
int fs__device_status_parse(const char *s);
int fs__staff_status_parse(const char *s);
int fs__outbox_status_parse(const char *s);
int fs__quarantine_status_parse(const char *s);
/* Enum -> stored string; "?" for a value outside the enum. */
const char *fs__device_status_name(fs_device_status v);
const char *fs__staff_status_name(fs_staff_status v);
const char *fs__outbox_status_name(fs_outbox_status v);
const char *fs__quarantine_status_name(fs_quarantine_status v);

#endif
