/* privacy.h - transitional forwarder: the privacy calls are declared in
 * store/privacy.h.  admin.c (issue 13, i13store2) still hands
 * fs__person_export its writer connection (sqlite3 *); until it passes
 * fs__central_rd(c), the name maps to a wrapper taking the connection.
 * The lead deletes this header when admin.c and server.c include
 * store/privacy.h.
 */
#ifndef FS_PRIVACY_H
#define FS_PRIVACY_H

#include "store/impl.h" /* transitional: sqlite3 in fs__person_export_db */
#include "store/privacy.h"

#define fs__person_export fs__person_export_db

#endif
