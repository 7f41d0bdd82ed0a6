/* modeldoc.h - the data model (model.h) as a published contract: the
 * model section of proto/PROTOCOL.md in Markdown and the same table as
 * JSON, both generated here from common/model.c so that neither can drift
 * from the code.  `fieldsyncd schema [--markdown]` and `fieldsyncd schema
 * --json` print them; the test int_protocol_model fails when the text of
 * PROTOCOL.md between the two marker lines differs from
 * fs__modeldoc_markdown's output.
 *
 * Both functions append to out (a bounded strbuf: fs__strbuf_init with a
 * max of FS_MODELDOC_MAX is enough) and return 0, FS_EINVAL (out NULL),
 * FS_ENOMEM, or FS_EOVERFLOW if out's bound was hit.  Output is
 * deterministic: the same model gives the same bytes. */
#ifndef FS_MODELDOC_H
#define FS_MODELDOC_H

#include "strbuf.h"

#define FS_MODELDOC_BEGIN "<!-- model:begin -->"
#define FS_MODELDOC_END "<!-- model:end -->"
#define FS_MODELDOC_MAX (1024 * 1024)

/* The Markdown section, from the FS_MODELDOC_BEGIN line to the
 * FS_MODELDOC_END line inclusive, each line ending in "\n". */
int fs__modeldoc_markdown(fs__strbuf *out);
/* One JSON object (RFC 8259, UTF-8) ending in "\n":
 *   {"format": 1, "source": "common/model.c", "types": [...],
 *    "system_fields": [...], "kinds": [{"name", "table", "append_only",
 *    "child", "parent_field", "fields": [{"name", "type", "msgpack",
 *    "required", "immutable", "unique", "key", "multiline", "personal",
 *    "search", "label", and per type "max_bytes" | "min","max" | "values"
 *    | "ref_kind" | "format"}]}]}
 * in model order (kinds by fs_kind, fields by index). */
int fs__modeldoc_json(fs__strbuf *out);

#endif
