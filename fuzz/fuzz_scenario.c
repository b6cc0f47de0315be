/*
 * fuzz_scenario.c - fuzz target: scenario text as a file holds it (YAML,
 * schema, conversion, validation).  Any input must load or be refused with
 * a message naming the file; never a crash, leak or hang.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "scenario.h"
#include "scenario_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s = NULL;
	char err[1024];
	if (scenario_load_text("fuzz.yaml", (const char *)data, size, NULL, 0, &s, err,
	                       sizeof err) == 0) {
		if (!s)
			abort();
		scenario_free(s);
	} else if (err[0] == 0) {
		abort(); /* refused without a message */
	}
	return 0;
}
