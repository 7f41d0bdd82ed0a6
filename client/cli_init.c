/* cli_init.c - `fieldsync init`: enrollment with a token from the daemon
 * (--token), or a local replica and identity without a daemon (--staff). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

int cli_cmd_init(cli_ctx *c, int argc, char **argv) {
  const char *staff = NULL, *role = "rep", *slot = "1", *device = "0", *token = NULL;
  cli_opt opts[] = {{"--token", 1, &token, NULL},
                    {"--staff", 1, &staff, NULL},
                    {"--role", 1, &role, NULL},
                    {"--slot", 1, &slot, NULL},
                    {"--device", 1, &device, NULL},
                    {NULL, 0, NULL, NULL}};
  fs_replica *r = NULL;
  fs_identity id;
  long long v;
  cli_args a;
  int rc;

  memset(&a, 0, sizeof(a));
  a.opts = opts;
  rc = cli_parse(c, argc, argv, &a);
  if (rc)
    return rc;
  if (token && staff)
    return cli_usage_error(c, "give either --token (enroll) or --staff (offline setup)", NULL);
  if (token)
    return cli_enroll(c, token);
  if (staff == NULL)
    return cli_usage_error(c, "--token TOKEN (or --staff CODE for an offline replica) is required",
                           NULL);
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "%s", staff);
  if (strlen(staff) >= sizeof(id.staff)) {
    fprintf(stderr, "fieldsync: staff: \"%s\" is longer than 16 characters\n", staff);
    return CLI_ERR;
  }
  if (fs_role_parse(role, &id.role) != 0) {
    fprintf(stderr, "fieldsync: role: \"%s\" is not one of rep, manager, admin, after_sales\n", role);
    return CLI_ERR;
  }
  if (fs__cmdline_num(slot, 1, 64, &v)) {
    fprintf(stderr, "fieldsync: slot: \"%s\" is not a number in 1..64\n", slot);
    return CLI_ERR;
  }
  id.slot = (int)v;
  if (fs__cmdline_num(device, 0, INT64_MAX, &v)) {
    fprintf(stderr, "fieldsync: device: \"%s\" is not a device number\n", device);
    return CLI_ERR;
  }
  id.device_id = (uint64_t)v;
  rc = fs_replica_init(c->data, &id, &r);
  if (rc) {
    if (rc == FS_EEXIST)
      fprintf(stderr, "fieldsync: %s already holds a replica with another identity\n", c->data);
    else if (rc == FS_EVALIDATE)
      fprintf(stderr, "fieldsync: staff: \"%s\" is not a staff code (A-Z, then 1-15 of A-Z,"
                      " 0-9)\n", staff);
    else
      fprintf(stderr, "fieldsync: init %s: %s\n", c->data, fs_errmsg(NULL));
    return CLI_ERR;
  }
  fs_replica_close(r);
  if (c->json)
    printf("{\"data\":\"%s\",\"staff\":\"%s\",\"role\":\"%s\",\"slot\":%d}\n", c->data,
           id.staff, fs_role_name(id.role), id.slot);
  else
    printf("initialised %s for %s (%s, archive slot %d)\n", c->data, id.staff,
           fs_role_name(id.role), id.slot);
  return CLI_OK;
}
