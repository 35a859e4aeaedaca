/*
 * pgsql: PostgreSQL SQL text taken apart as the server would, without a server: one sql record
 * into its statements, each statement's leading words, and whether it names the jmirror
 * schema. Pure functions over the caller's text; the PostgreSQL applier (apply_pg.c) uses them
 * to run a record one statement at a time inside its own transaction.
 *
 *     while ((n = jpgsql_next(text, len, &off, &start)) > 0)
 *         ...                          text[start .. start + n) is one statement, without its
 *                                      ';', comments and quotes intact; empty ones skipped
 *     jpgsql_kind(stmt, n)             JPGSQL_* below, from the leading keywords
 *     jpgsql_names_schema(stmt, n, "jmirror")
 *                                      1 if an identifier outside strings and comments is the
 *                                      schema name followed by '.', quoted or not
 *     jpgsql_quote(out, name, n)       name (n bytes) as a quoted identifier, "a""b", into
 *                                      out, which has room for 2 * n + 2 bytes; the bytes
 *                                      written (no NUL)
 *
 * The lexer knows what separates statements in PostgreSQL: '...' strings (with ''),
 * E'...' strings (with backslash escapes), "..." identifiers, $tag$...$tag$ bodies, -- and
 * nested slash-star comments. It does not know SQL-standard function bodies (BEGIN ATOMIC ... END
 * holding ';'): such a statement is split where the server would not split it and then fails
 * on the server, refused with the mirror unchanged; write those bodies as $$ strings.
 */
#ifndef JM_PGSQL_H
#define JM_PGSQL_H

#include <stddef.h>

enum {
	JPGSQL_OTHER = 0,       /* any other statement: run it */
	JPGSQL_TXN_START,       /* BEGIN, START TRANSACTION: the applier's transaction is open */
	JPGSQL_TXN_END,         /* COMMIT, END: the applier commits at the end of the batch */
	JPGSQL_TXN_ABORT,       /* ROLLBACK, ABORT (not ROLLBACK TO), PREPARE TRANSACTION,
	                           COMMIT/ROLLBACK PREPARED: refused */
};

size_t jpgsql_next(const char *text, size_t len, size_t *off, size_t *start);
int    jpgsql_kind(const char *stmt, size_t n);
int    jpgsql_names_schema(const char *stmt, size_t n, const char *schema);
size_t jpgsql_quote(char *out, const char *name, size_t n);

#endif
