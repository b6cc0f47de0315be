/*
 * names.c - lookups in enum name tables.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "runtime.h"

const char *names_name(const struct names *t, unsigned v)
{
	return v < t->count && t->name[v] ? t->name[v] : "?";
}

int names_parse(const struct names *t, const char *word)
{
	for (size_t i = 0; word && i < t->count; i++)
		if (t->name[i] && strcmp(word, t->name[i]) == 0)
			return (int)i;
	return -1;
}

void names_list(const struct names *t, char *buf, size_t len)
{
	size_t used = 0;

	/* Written straight into the caller's buffer, which bounds the
	 * message it goes into anyway: a GString would only be copied here. */
	buf[0] = '\0';
	for (size_t i = 0; i < t->count && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i == 0              ? ""
		                         : i + 1 == t->count ? " or "
		                                             : ", ",
		                         t->name[i]);
}

static const char *const side_words[] = {[RT_SIDE_SRC] = "source", [RT_SIDE_DST] = "destination"};
static const struct names sides = NAMES(side_words);

const char *rt_side_name(enum rt_side s)
{
	return names_name(&sides, s);
}
