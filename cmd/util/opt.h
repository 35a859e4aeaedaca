/*
 * opt: command-line values the tools read the same way, refused the same way. A value that
 * does not parse ends the tool with EX_USAGE and one line naming the option (report.h).
 *     jopt_duration(s, "--every", "2s, 500ms")   a duration (parse.h) in ns; the last
 *                                               argument is the examples the message gives
 *     jopt_seconds(s, "--stall-time", ...)       the same, in whole seconds, rounded up
 *                                               (what libcurl's timeouts take)
 */
#ifndef JM_OPT_H
#define JM_OPT_H

#include <stdint.h>

uint64_t jopt_duration(const char *s, const char *opt, const char *like);
long     jopt_seconds(const char *s, const char *opt, const char *like);

#endif
