/*
 * names.h - enum values <-> their names: one table per enum.
 *
 * Every enum with names (words of scenario files and options, states,
 * trace kinds, phases) keeps them in one array indexed by value, wrapped in
 * a struct names by NAMES(); both directions are looked up in that table,
 * and its size comes from the array, so adding a value is one entry.
 */
#ifndef SWITCHOVER_NAMES_H
#define SWITCHOVER_NAMES_H

#include <stddef.h>

struct names {
	const char *const *name; /* name[v] of value v (NULL: v has none) */
	size_t count;
};

/* The table of `words`, an array indexed by value:
 *   static const char *const mode_words[] = {[MODE_A] = "a", [MODE_B] = "b"};
 *   const struct names mode_names = NAMES(mode_words); */
#define NAMES(words)                                                                               \
	{                                                                                          \
		.name = (words), .count = sizeof(words) / sizeof((words)[0])                       \
	}

/* The name of value `v`, or "?" when it has none (a value out of range). */
const char *names_name(const struct names *t, unsigned v);
/* The value called `word`, or -1 (also for NULL). */
int names_parse(const struct names *t, const char *word);
/* "a, b or c" for messages, cut to fit `len`. */
void names_list(const struct names *t, char *buf, size_t len);

#endif
