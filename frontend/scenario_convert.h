/*
 * scenario_convert.h - a loaded scenario file's strings into a struct scenario.
 */
#ifndef SWITCHOVER_FRONTEND_SCENARIO_CONVERT_H
#define SWITCHOVER_FRONTEND_SCENARIO_CONVERT_H

#include "loader.h"
#include "scenario.h"
#include "scenario_schema.h"

/*
 * Parse every value of `r` into `s` (which holds scenario_default): units,
 * distributions, whole numbers, booleans and names; device groups start
 * from their profile.  Does not validate the whole (scenario_validate
 * does).  Returns 0, or -1 / -ENOMEM with the message in L->err.
 */
int scenario_convert(struct loader *L, const struct raw_top *r, struct scenario *s);

/*
 * A host's keys (all but `profile`) over *o: the ones `h` sets replace
 * *o's.  `prefix` ("hosts.source", or "" in a host profile file) starts
 * the key paths of messages.  0, or -1 with the message in L->err.
 */
int scenario_convert_host(struct loader *L, const char *prefix, const struct raw_host *h,
                          struct scn_host *o);

#endif
