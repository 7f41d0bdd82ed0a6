/* term.h - the terminal side of both programs' output (issue 15), written
 * once for fieldsync and fieldsyncd: the width tables are fitted to and
 * the pager long output goes through, the way git does it.  Only when
 * stdout is a terminal: a pipe or a file gets every cell whole and no
 * pager.  Touches no replica, no store and no model (a generic helper the
 * CLI may call: tests/integration/client_public_api.sh).  Not thread-safe:
 * called from a program's main thread. */
#ifndef FS_TERM_H
#define FS_TERM_H

/* The display columns of the terminal stdout is: $COLUMNS first (a
 * positive number), else the terminal's, else 80; 0 if stdout is not a
 * terminal (nothing is fitted or cut then).  Ask before fs__pager_start:
 * stdout is a pipe to the pager after it. */
int fs__term_width(void);

/* If stdout is a terminal, starts the pager with stdout going to it:
 * $PAGER run by /bin/sh -c (empty or "cat": none), unset: less if it is on
 * $PATH, with LESS=FRX unless LESS is set (quit if one screen, keep
 * colours, leave the screen as it is).  Nothing happens if stdout is not a
 * terminal, a pager already runs, or it cannot start (the output then goes
 * to the terminal as it would without one). */
void fs__pager_start(void);

/* Ends the output to the pager (flushes and closes stdout) and waits for
 * the user to leave it.  Nothing happens if no pager runs. */
void fs__pager_end(void);

#endif
