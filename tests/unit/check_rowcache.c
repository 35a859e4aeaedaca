/* rowcache: one entry per shape; what makes two changes one shape, and what does not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rowcache.h"
#include "unit.h"

struct data {
	int    n;
	double align;                   /* an entry's data may hold anything */
};

/* A record of one change: op on table t, key k (NULL when knull), sent columns cols
 * ("a,b", each an integer, "-" an unchanged one). */
static void
one(struct jrow_builder *b, uint8_t op, const char *t, int knull, const char *cols)
{
	struct jrow_value v = { .tag = knull ? JROW_NULL : JROW_INTEGER, .i = 1 };
	struct jerr e;
	char name[8];

	jrow_builder_free(b);
	jrow_builder_init(b, 0);
	ck_assert_int_eq(jrow_start(b, 1, 1), 0);
	jrow_change(b, op, "main", 4, t, strlen(t));
	jrow_col(b, "k", 1, &v);
	if (op != JROW_DELETE)
		jrow_row(b);
	for (const char *p = cols; *p; p++) {
		if (*p == ',')
			continue;
		name[0] = *p == '-' ? 'u' : *p;
		v.tag = *p == '-' ? JROW_UNCHANGED : JROW_INTEGER;
		jrow_col(b, name, 1, &v);
	}
	ck_assert_msg(jrow_end(b, &e) == 0, "%s", e.msg);
}

static struct data *
get(struct jrowcache *rc, uint8_t op, const char *t, int knull, const char *cols, int *fresh)
{
	struct jrow_builder b = { 0 };
	struct jrow_reader rd;
	struct jrow_change c;
	struct data *d;
	struct jerr e;

	one(&b, op, t, knull, cols);
	ck_assert_int_eq(jrow_open(&rd, b.buf, b.len, &e), 0);
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 1);
	d = jrowcache_get(rc, &c, fresh, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq((uintptr_t)d % _Alignof(max_align_t), 0);
	jrow_builder_free(&b);
	return d;
}

static int done_calls;

static void
done(void *data)
{
	struct data *d = data;

	done_calls += d->n;
}

START_TEST(one_entry_per_shape)
{
	struct jerr e;
	struct jrowcache *rc = jrowcache_new(sizeof(struct data), 0, &e);
	struct data *a, *d;
	int fresh;

	ck_assert_ptr_nonnull(rc);
	a = get(rc, JROW_INSERT, "t", 0, "a,b", &fresh);
	ck_assert_int_eq(fresh, 1);
	ck_assert_int_eq(a->n, 0);                 /* zeroed */
	a->n = 1;
	ck_assert_ptr_eq(get(rc, JROW_INSERT, "t", 0, "a,b", &fresh), a);
	ck_assert_int_eq(fresh, 0);
	/* other operation, table, columns, column order: other shapes */
	d = get(rc, JROW_UPDATE, "t", 0, "a,b", &fresh);
	ck_assert(fresh && d != a);
	d->n = 1;
	/* an unchanged column is not sent: same statement as without it */
	ck_assert_ptr_eq(get(rc, JROW_UPDATE, "t", 0, "a,-,b", &fresh), d);
	d = get(rc, JROW_INSERT, "u", 0, "a,b", &fresh);
	ck_assert(fresh && d != a);
	d->n = 1;
	d = get(rc, JROW_INSERT, "t", 0, "a", &fresh);
	ck_assert(fresh && d != a);
	d->n = 1;
	d = get(rc, JROW_INSERT, "t", 0, "b,a", &fresh);
	ck_assert(fresh && d != a);
	d->n = 1;
	/* without nulls, a NULL key is the same shape */
	ck_assert_ptr_eq(get(rc, JROW_INSERT, "t", 1, "a,b", &fresh), a);
	done_calls = 0;
	jrowcache_free(rc, done);
	ck_assert_int_eq(done_calls, 5);
}
END_TEST

START_TEST(nulls_and_drop)
{
	struct jerr e;
	struct jrowcache *rc = jrowcache_new(sizeof(struct data), 1, &e);
	struct data *a, *d;
	int fresh;

	a = get(rc, JROW_DELETE, "t", 0, "", &fresh);
	d = get(rc, JROW_DELETE, "t", 1, "", &fresh);
	ck_assert(fresh && d != a);                /* "k IS NULL" is another statement */
	jrowcache_drop(rc, d);
	d = get(rc, JROW_DELETE, "t", 1, "", &fresh);
	ck_assert_int_eq(fresh, 1);                /* dropped: made again */
	jrowcache_drop(rc, a);                     /* not the last fresh one: kept */
	ck_assert_ptr_eq(get(rc, JROW_DELETE, "t", 0, "", &fresh), a);
	ck_assert_int_eq(fresh, 0);
	jrowcache_free(rc, NULL);
	jrowcache_free(NULL, NULL);
}
END_TEST

Suite *
suite_rowcache(void)
{
	Suite *s = suite_create("rowcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_entry_per_shape);
	tcase_add_test(tc, nulls_and_drop);
	suite_add_tcase(s, tc);
	return s;
}
