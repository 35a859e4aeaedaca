/*
 * unit: shared helpers for the Check suites. Each tests/unit/check_MODULE.c defines
 * Suite *suite_MODULE(void); the Makefile lists them for main.c, which runs them all.
 * Tests run with the current directory tests/unit; unit_tmpdir() gives each test a fresh
 * directory under $TMPDIR that unit_rmrf() removes.
 */
#ifndef JM_UNIT_H
#define JM_UNIT_H

#include <check.h>
#include <stddef.h>

char *unit_tmpdir(void);                 /* malloc'd path of a new empty directory */
void  unit_rmrf(const char *path);
/* Write len bytes to path (0600); returns 0 or -1. */
int   unit_write_file(const char *path, const void *buf, size_t len);
/* Read a whole file (malloc'd, *len set); NULL on error. */
void *unit_read_file(const char *path, size_t *len);

/* Suite *suite_MODULE(void) for every check_MODULE.c (suites.inc is made by the Makefile). */
#define SUITE(m) Suite *suite_##m(void);
#include "suites.inc"
#undef SUITE

#endif
