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
 *   key customers (综合打分,找出重点客户)
 *   K1 A card's tier, key_account and tier_override are the manager's: a
 *      rep's change of an existing card that writes one of them with
 *      another value than the card holds is refused (writing the same
 *      value passes); a rep's new card may carry tier and key_account (a
 *      first guess: a rep is never stopped from recording a customer),
 *      never tier_override = 1.  A manager or admin sets them (`fieldsync keyaccounts apply`: the ranking
 *      report's tier; `keyaccounts override`: their own choice, marked
 *      tier_override).  FS_EFORBIDDEN.
 *   sales history (sales_period, 003: 销售实绩 per month)
 *   M1 period is a month's first day (YYYY-MM-01).  FS_EVALIDATE.
 *   M2 One record per customer and month: a new sales_period whose
 *      customer_id and period another live record already has is refused
 *      (edit that one).  FS_EVALIDATE.
 *   M3 Written by the card's owner, their manager (the staff table's
 *      manager of the owner; a replica, which has no staff rows, leaves
 *      that to the daemon) or admin; not by a rep covering for the owner.
 *      FS_EFORBIDDEN.
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
 *   showroom (展厅客户登记: conversion follows the visitor's card)
 *   W1 A change that links a showroom entry to a card (writes customer_id
 *      with a value other than the stored one) names a live customer card
 *      (FS_EVALIDATE); a rep links only to a card whose owner is the
 *      entry's owner (the stored entry's; a new entry's claimed owner,
 *      which the ownership rule admitted), since the link decides whose
 *      conversion the card's order counts in; a manager or admin links
 *      any card (a visitor handed to a colleague).  FS_EFORBIDDEN.
 *   the manager's sign-off (随日报表送销售主管签核; access_rules_day.c)
 *   S1 A rep creates, changes or deletes no day_signoff (not their own
 *      day, nor anyone's).  FS_EFORBIDDEN.  Which reps' days a manager
 *      may sign off is the ownership rule (access.h: the team); the
 *      central office any.
 *   S2 Nobody signs off their own day (rep = the writer).  FS_EFORBIDDEN.
 *   R  A day_signoff's or activity_plan's rep is its owner (the record is
 *      the rep's).  FS_EVALIDATE.
 *   S3 signed_by is the writer's own code, and a new sign-off names it.
 *      FS_EFORBIDDEN.
 *   S4 The day is not after the day the sign-off is made.  FS_EVALIDATE.
 *   S5 One sign-off per rep and day: a new one for a (rep, day) that has a
 *      live sign-off is refused.  FS_EEXIST.
 *   the monthly activity plan (月度销售活动计划表)
 *   P1 A rep writes (or deletes) only their own plan (rep = the writer);
 *      a manager or the central office any their ownership rule allows.
 *      FS_EFORBIDDEN.
 *   P2 month is the first day of a month (YYYY-MM-01).  FS_EVALIDATE.
 *   P3 One plan per rep and month: a new one for a (rep, month) that has
 *      a live plan is refused.  FS_EEXIST.
 *
 *   after-sales (背面由售后服务人员完成, issue 14)
 *   A1 A change from after-sales staff (role after_sales) is refused unless
 *      it is an UPSERT of an existing customer card whose stored grade is
 *      delivered and writes only its service fields (FS_F_SERVICE, model.h:
 *      licence_date, units_delivered, service_notes); no create, no
 *      delete, no other kind.  Which cards (their team's) is the ownership
 *      rule (access.h).  FS_EFORBIDDEN.  The other rules do not apply to
 *      them (none concerns a service field).
 *
 * Returns 0, FS_EVALIDATE, FS_EFORBIDDEN or FS_EEXIST with a message in err (always
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

/* Internal to the rules (access_rules_day.c): S and P above, for
 * fs__access_rules_check; made is the day the change was made. */
int fs__access_rules_signoff(sqlite3 *db, fs_role role, const char *staff,
                             const fs_change *c, const char *made, char *err,
                             size_t errlen);
int fs__access_rules_plan(sqlite3 *db, fs_role role, const char *staff,
                          const fs_change *c, char *err, size_t errlen);
/* A1 alone (access_service.c), run by fs__access_rules_check for role
 * after_sales: 0, FS_EFORBIDDEN with err, or a database error. */
int fs__access_service_check(sqlite3 *db, const char *staff, const fs_change *c, char *err,
                             size_t errlen);

#endif
