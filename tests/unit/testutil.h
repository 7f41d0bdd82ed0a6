/* testutil.h - helpers shared by the cmocka unit tests. */
#ifndef FS_TESTUTIL_H
#define FS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

/* Makes a fresh temporary directory (mkdtemp under $TMPDIR or /tmp) and
 * returns its malloc'd path. */
char *fs_test_tmpdir(void);
/* rm -rf of a directory made by fs_test_tmpdir; frees path.  Takes NULL. */
void fs_test_rmdir(char *path);
/* malloc'd path "dir/name". */
char *fs_test_path(const char *dir, const char *name);

#endif
