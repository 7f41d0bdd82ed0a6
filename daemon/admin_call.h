/* admin_call.h - how the fieldsyncd command line runs an admin command
 * (admin.h): through the running daemon's DATA/admin.sock, or, when no
 * daemon listens there, on the store directly inside a transaction of its
 * own.
 */
#ifndef FS_ADMIN_CALL_H
#define FS_ADMIN_CALL_H

#include "config.h"
#include "msg.h"

/* Runs admin request req for the data directory data (cfg: its
 * configuration, for the offline run); res receives the ADMIN_RESULT
 * (fs__msg_release it).  0, or an fs_errno; *said is set when the reason
 * was already printed on stderr. */
int fs__admin_call(const char *data, const fs_config *cfg, const fs_msg *req, fs_msg *res,
                   int *said);

#endif
