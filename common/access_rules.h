/* access_rules.h - the manager's controls (issue 14): rules on a change that
 * depend on who writes it and on what the store already holds, beyond the
 * field checks of validate.h and the ownership rule of access.h.
 *
 * One function, run by both sides with the same message:
 *   - the client (client/replica.c) before it stores a local change, with
 *     its replica and its own identity: it refuses first;
 *   - the daemon on every pushed change (daemon/store/push.c, after the
 *     ownership check), with its central store and the role and staff code
 *     of its own staff table, never what the device claims.  A refusal is
 *     the change's PUSH_RESULT (outcome 4 with the code and the message);
 *     the rest of the push goes on.
 *
 * "The day the change was made" is the local calendar day (date.h) of its
 * clock's milliseconds (fs__hlc_ms(c->hlc)); the daemon bounds that clock
 * (validate.h), and reads it in its own zone, which the operator sets to
 * the office's.
 *
 * The rules (PROTOCOL.md section 11, "Rules on changes"):
 *   lost sales (战败客户资料卡应由主管回收并再次确认)
 *   L1 An existing card is set lost (grade "lost" from another grade) only
 *      if it has a lost-sale record (lost_review) awaiting review: not
 *      deleted, reviewed_by unset.  FS_EVALIDATE.  (A card opened as lost
 *      has no agenda to leave.)
 *   L2 Only a manager or admin confirms or rejects: a rep's change of a
 *      lost_review that writes confirmed, reviewed_by, reviewed_on or
 *      review_note with a value is refused (confirmed = 0 on create
 *      excepted: it says nothing).  A manager's or admin's change that
 *      writes confirmed must write reviewed_by as their own code, and a
 *      reviewed_by written is always the writer's own.  FS_EFORBIDDEN.
 *   cadence (A级有望客户至少二日访问一次 ...)
 *   C1 A visit dated after the day it was recorded is refused.
 *   C2 A re-rating (customer.grade_date written on an existing card, or a
 *      grade_change other than the card's opening one) dated after the day
 *      it was made is refused, and so is one back-dated across a missed
 *      deadline: the contact due as of its date (fs__cadence_card_due on
 *      that day) fell on or after that date and before the day it was
 *      made, and was not met (nor the card re-rated or lost) by then; it
 *      would erase the miss.  Dated the day it is made, a re-rating always
 *      passes: it starts a new clock, and a deadline already missed stays
 *      missed (cadence.h).  FS_EVALIDATE.
 *   C3 A rep does not delete a customer card that has visit records (a
 *      card with visits is never silently erased): the DELETE is refused;
 *      the rep sets delete_requested and a manager or admin deletes (or
 *      clears the request).  A card without visits (an entry made by
 *      mistake) its rep may delete.  FS_EFORBIDDEN.
 *   C5 The deletion request (customer.delete_requested, delete_note; the
 *      manager's side is fs_customer_delete_review): only the card's owner
 *      sets delete_requested (a manager deletes directly); a pending request
 *      is cleared by the owner (withdrawn) or by a manager or admin
 *      (rejected), never by another rep; a rep does not write delete_note
 *      (the manager's answer); a rep does not delete a card whose request
 *      is pending: the manager decides (confirm = the manager's DELETE).
 *      Which cards a manager may touch is the ownership rule (access.h: the
 *      team).  FS_EFORBIDDEN.
 *   visit corrections (issue 15; cadence.h "visit corrections")
 *   V1 A new visit with counts_on but no corrects is refused: only a
 *      correction has a contact day of its own.  FS_EVALIDATE.
 *   V2 A correction (a new visit with corrects) names a visit the store
 *      holds, not deleted, of the same card (customer_id).  FS_EVALIDATE.
 *   V3 A visit is corrected once: one that already has a live correction
 *      is refused, naming it (correct the correction instead: the chain's
 *      head).  FS_EVALIDATE.
 *   V4 Only the original's author, its owner, or a manager of either (up
 *      the staff table's chain of managers) corrects it; a covering rep
 *      or an admin does not.  A replica holds no staff rows: there a
 *      manager's correction passes and the daemon decides.  FS_EFORBIDDEN.
 *   V5 counts_on is the day fs__cadence_correction_day gives for it (made
 *      = the day the change was made): the original's contact day if the
 *      date and method are kept, else the later of its date and that day.
 *      FS_EVALIDATE.
 *   C4 A card whose grade is "delivered" after the change has its
 *      delivery_date (checked when the change writes grade or
 *      delivery_date).  FS_EVALIDATE.
 *
 * Returns 0, FS_EVALIDATE or FS_EFORBIDDEN with a message in err (always
 * NUL-terminated) that names the field, says what failed and what to do;
 * a database error code (err empty) if the store could not be read; or
 * FS_EINVAL for NULL arguments.  m: the contact-methods setting (NULL:
 * the default, cadence.h). */
#ifndef FS_ACCESS_RULES_H
#define FS_ACCESS_RULES_H

#include <sqlite3.h>
#include <stddef.h>

#include "access.h"
#include "cadence.h"
#include "model.h"

int fs__access_rules_check(sqlite3 *db, fs_role role, const char *staff,
                           const fs_change *c, const fs_cadence_methods *m, char *err,
                           size_t errlen);

#endif
