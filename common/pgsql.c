/*
 * pgsql: a lexer for PostgreSQL's SQL text, just deep enough to find where statements end,
 * what they begin with, and which schemas they name. Invariants:
 * - A ';' inside a string, a quoted identifier, a dollar-quoted body or a comment MUST NOT end
 *   a statement; an unterminated one runs to the end of the text (the server then refuses
 *   the statement).
 * - Nothing here allocates; every index stays below len.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pgsql.h"

static int
ident_start(int c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int
ident_char(int c)
{
	return ident_start(c) || isdigit(c) || c == '$';
}

/* The length of a dollar quote's opening tag at s[i] ("$$", "$body$"), or 0. */
static size_t
dollar_tag(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;

	if (i > 0 && ident_char((unsigned char)s[i - 1]))
		return 0;       /* part of an identifier such as a$b */
	if (j < len && ident_start((unsigned char)s[j]) && !isdigit((unsigned char)s[j]))
		while (j < len && ident_char((unsigned char)s[j]) && s[j] != '$')
			j++;
	return j < len && s[j] == '$' ? j + 1 - i : 0;
}

/*
 * If s[i] starts a string, quoted identifier, dollar-quoted body or comment, the index just
 * after it (len if it never ends); otherwise i.
 */
static size_t
skip_quoted(const char *s, size_t len, size_t i)
{
	size_t t, depth;

	if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
		while (i < len && s[i] != '\n')
			i++;
		return i;
	}
	if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
		for (i += 2, depth = 1; i < len && depth > 0; i++) {
			if (s[i] == '/' && i + 1 < len && s[i + 1] == '*')
				depth++, i++;
			else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/')
				depth--, i++;
		}
		return i;
	}
	if (s[i] == '\'' || s[i] == '"') {
		char q = s[i];
		int esc = q == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
		    (i < 2 || !ident_char((unsigned char)s[i - 2]));
		for (i++; i < len; i++) {
			if (esc && s[i] == '\\')
				i++;
			else if (s[i] == q && i + 1 < len && s[i + 1] == q)
				i++;
			else if (s[i] == q)
				return i + 1;
		}
		return len;
	}
	if (s[i] == '$' && (t = dollar_tag(s, len, i)) > 0) {
		for (size_t j = i + t; j + t <= len; j++)
			if (s[j] == '$' && memcmp(s + j, s + i, t) == 0)
				return j + t;
		return len;
	}
	return i;
}

/* Skip white space and comments from i. */
static size_t
skip_space(const char *s, size_t len, size_t i)
{
	for (;;) {
		size_t j;

		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len || (s[i] != '-' && s[i] != '/') || (j = skip_quoted(s, len, i)) == i)
			return i;
		i = j;
	}
}

size_t
jpgsql_next(const char *s, size_t len, size_t *off, size_t *start)
{
	for (;;) {
		size_t i = skip_space(s, len, *off), b = i, end, j;

		if (i >= len) {
			*off = len;
			return 0;
		}
		while (i < len && s[i] != ';')
			i = (j = skip_quoted(s, len, i)) != i ? j : i + 1;
		end = i;
		*off = i < len ? i + 1 : len;
		while (end > b && isspace((unsigned char)s[end - 1]))
			end--;
		if (end > b) {
			*start = b;
			return end - b;
		}
	}
}

/* The next word from *i (letters only), upper-cased into w; 0 at the end or a non-word. */
static size_t
word(const char *s, size_t n, size_t *i, char *w, size_t wsize)
{
	size_t k = 0;

	*i = skip_space(s, n, *i);
	while (*i < n && isalpha((unsigned char)s[*i])) {
		if (k + 1 < wsize)
			w[k++] = (char)toupper((unsigned char)s[*i]);
		(*i)++;
	}
	w[k] = 0;
	return k;
}

int
jpgsql_kind(const char *s, size_t n)
{
	char w1[16], w2[16], w3[16];
	size_t i = 0;

	word(s, n, &i, w1, sizeof w1);
	word(s, n, &i, w2, sizeof w2);
	word(s, n, &i, w3, sizeof w3);
	if (!strcmp(w1, "BEGIN") || (!strcmp(w1, "START") && !strcmp(w2, "TRANSACTION")))
		return JPGSQL_TXN_START;
	if (!strcmp(w1, "COMMIT"))
		return !strcmp(w2, "PREPARED") ? JPGSQL_TXN_ABORT : JPGSQL_TXN_END;
	if (!strcmp(w1, "END"))
		return JPGSQL_TXN_END;
	if (!strcmp(w1, "ABORT"))
		return JPGSQL_TXN_ABORT;
	if (!strcmp(w1, "ROLLBACK")) {
		int to = !strcmp(w2, "TO") ||
		    ((!strcmp(w2, "WORK") || !strcmp(w2, "TRANSACTION")) && !strcmp(w3, "TO"));
		return to ? JPGSQL_OTHER : JPGSQL_TXN_ABORT;
	}
	if (!strcmp(w1, "PREPARE") && !strcmp(w2, "TRANSACTION"))
		return JPGSQL_TXN_ABORT;
	return JPGSQL_OTHER;
}

int
jpgsql_names_schema(const char *s, size_t n, const char *schema)
{
	size_t sl = strlen(schema), i = 0, j;

	while (i < n) {
		size_t b = i, e;
		int match;

		if (s[i] == '"') {
			e = skip_quoted(s, n, i);
			match = e - b == sl + 2 && memcmp(s + b + 1, schema, sl) == 0;
		} else if (ident_start((unsigned char)s[i]) &&
		    (i == 0 || !ident_char((unsigned char)s[i - 1]))) {
			for (e = i; e < n && ident_char((unsigned char)s[e]); e++)
				;
			match = e - b == sl && strncasecmp(s + b, schema, sl) == 0;
		} else {
			i = (j = skip_quoted(s, n, i)) != i ? j : i + 1;
			continue;
		}
		i = e;
		if (match && (e = skip_space(s, n, e)) < n && s[e] == '.')
			return 1;
	}
	return 0;
}

size_t
jpgsql_quote(char *out, const char *name, size_t n)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			out[o++] = '"';
		out[o++] = name[i];
	}
	out[o++] = '"';
	return o;
}
