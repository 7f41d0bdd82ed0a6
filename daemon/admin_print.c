/* admin_print.c - the admin's side of an admin command's output
 * (admin_call.h fs__admin_print): listings are rendered here, in the
 * process that owns the terminal, from the typed table the command sent. */
#include <string.h>

#include "admin_call.h"
#include "fs_errno.h"
#include "table.h"
#include "utf8.h"

/* Rows one listing may hold here: the daemon's own bound (admin.c). */
#define PRINT_ROWS_MAX 100000

int fs__admin_print(FILE *f, const fs_msg_admin_result *r, fs_admin_style style,
                    int width) {
  const char *out = r->out ? r->out : "";
  fs_table *t = NULL;
  int rc = 0;

  if (style == FS_ADMIN_JSON) {
    fputs(r->json ? r->json : "", f); /* JSON escapes every control */
    fputc('\n', f);
    goto out;
  }
  if (r->table && r->table[0] && r->table_end <= strlen(out))
    rc = fs__table_unpack(r->table, strlen(r->table), PRINT_ROWS_MAX, &t);
  if (rc == FS_ENOMEM)
    goto out;
  rc = 0; /* a table this process cannot read: the text as it came */
  if (style == FS_ADMIN_CSV) {
    rc = t ? fs__table_print_csv(t, f) : FS_EUSAGE;
    goto out;
  }
  if (t == NULL) {
    fs__print_text(f, out, 0);
    goto out;
  }
  rc = fs__table_print_fit(t, f, width);
  if (rc == 0)
    fs__print_text(f, out + r->table_end, 0);
out:
  fs__table_free(t);
  if (rc == 0 && (fflush(f) != 0 || ferror(f)))
    rc = FS_EIO;
  return rc;
}
