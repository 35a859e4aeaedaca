/*
 * opt: the tools' reading of option values. What a value means is parse.c's rule; here is
 * only how a tool refuses one it cannot read: EX_USAGE, "tool: --opt: not a duration (like
 * ...): value", before anything has been done.
 */
#include <sysexits.h>

#include "opt.h"
#include "parse.h"
#include "report.h"

uint64_t
jopt_duration(const char *s, const char *opt, const char *like)
{
	uint64_t ns;

	if (jparse_duration(s, &ns) < 0)
		jdiex(EX_USAGE, "%s: not a duration (like %s): %s", opt, like, s);
	return ns;
}

long
jopt_seconds(const char *s, const char *opt, const char *like)
{
	return (long)((jopt_duration(s, opt, like) + 999999999) / 1000000000);
}
