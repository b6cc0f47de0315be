/*
 * fuzz_set.c - fuzz target: `--set KEY=VALUE` arguments, one per line of
 * the input (up to 8), applied to a small valid scenario.  Loads or is
 * refused with a message; never a crash, leak or hang.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scenario.h"
#include "scenario_load.h"

static const char base[] = "name: fuzz\n"
                           "vm: {ram: 1GiB}\n"
                           "network: {bandwidth: 100Gbps, latency: 10us}\n"
                           "handlers:\n"
                           "  - {name: virtio-net, depth: 1, cost: 200us}\n"
                           "devices:\n"
                           "  - {name: vf, profile: mlx5-cx7, count: 2}\n"
                           "  - {name: nul, profile: null, count: 1}\n"
                           "runs: 2\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	const char *sets[8];
	size_t n = 0;
	for (char *p = text; p && n < 8;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		sets[n++] = p;
		p = nl ? nl + 1 : NULL;
	}
	struct scenario *s = NULL;
	char err[1024] = "";
	if (scenario_load_text("base.yaml", base, sizeof base - 1, sets, n, &s, err, sizeof err) ==
	    0)
		scenario_free(s);
	else if (!err[0])
		abort();
	free(text);
	return 0;
}
