/*
 * fuzz_profile.c - fuzz target: a device profile file's text (YAML, the
 * device keys' schema and conversion, the provenance checks).  Any input
 * must load or be refused with a message naming the file; never a crash,
 * leak or hang.
 */
#include <stdlib.h>

#include "device_profile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct device_profile p;
	char err[1024] = "";
	if (device_profile_load_text("fuzz.yaml", (const char *)data, size, &p, err, sizeof err) ==
	    0)
		device_profile_free(&p);
	else if (err[0] == 0)
		abort(); /* refused without a message */
	return 0;
}
