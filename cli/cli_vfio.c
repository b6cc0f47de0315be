/*
 * cli_vfio.c - `switchover vfio info ADDR...`: what the kernel says about
 * VFIO devices before (or after) they are used in a scenario: the driver,
 * the interface switchover would open them by, their migration flags, state
 * and stop-copy size.  The same checks as a run: a device not bound to a
 * VFIO driver, or in use, is refused with the reason.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "devices/vfio.h"

void cli_vfio_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover vfio info [--interface I] ADDR...\n\n"
	        "Open each VFIO device ADDR (a PCI address such as 0000:3b:00.2, or an mdev\n"
	        "UUID) as a run would, ask the kernel, close it, and print one line each:\n\n"
	        "  ADDR state=RUNNING flags=stop_copy|p2p|pre_copy interface=cdev data_size=96 "
	        "driver=vfio_mdev\n\n"
	        "  state      the device's migration state (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)\n"
	        "  flags      its migration capabilities (VFIO_DEVICE_FEATURE_MIGRATION): what a\n"
	        "             scenario's `capabilities` may ask of it\n"
	        "  interface  how it was opened: cdev (/dev/vfio/devices/vfioN + /dev/iommu)\n"
	        "             or group (/dev/vfio/N in a TYPE1v2 container)\n"
	        "  data_size  the driver's stop-copy size estimate in bytes (MIG_DATA_SIZE), or\n"
	        "             - when it cannot say\n\n"
	        "options:\n"
	        "  --interface I  auto (default: cdev where the device has one), cdev, group\n"
	        "  -h, --help     this help\n\n"
	        "A device that is not bound to a VFIO driver, or that another process holds,\n"
	        "is refused with the reason and what to do.  Nothing changes the device's\n"
	        "state, but opening a PCI function may reset it (as QEMU's open does).\n"
	        "See docs/hardware.md.\n\n"
	        "exit status: 0 every device answered, 2 some device could not be used.\n");
}

int cli_vfio(int argc, char **argv)
{
	enum vfio_interface iface = VFIO_IFACE_AUTO;
	int n_addr = 0, rc = CLI_EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_vfio_help(stdout);
			return CLI_EXIT_OK;
		}
	if (argc < 2 || strcmp(argv[1], "info")) {
		cli_error("vfio", "%s: expected `switchover vfio info ADDR...` (see switchover vfio "
		                  "--help)\n",
		          argc < 2 ? "no subcommand" : argv[1]);
		return CLI_EXIT_ERROR;
	}
	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "--interface", 11)) {
			const char *v = argv[i][11] == '=' ? argv[i] + 12
			                : argv[i][11] == 0 && i + 1 < argc ? argv[++i]
			                                                  : NULL;
			int k = vfio_interface_parse(v);
			if (k < 0) {
				cli_error("vfio", "--interface '%s': expected auto, cdev or group\n",
				          v ? v : "");
				return CLI_EXIT_ERROR;
			}
			iface = (enum vfio_interface)k;
		} else if (argv[i][0] == '-') {
			cli_error("vfio", "unknown option '%s' (see switchover vfio --help)\n",
			          argv[i]);
			return CLI_EXIT_ERROR;
		} else {
			argv[n_addr++] = argv[i]; /* the addresses, in order, over what was read */
		}
	}
	if (!n_addr) {
		cli_error("vfio", "info: no device given (see switchover vfio --help)\n");
		return CLI_EXIT_ERROR;
	}
	for (int i = 0; i < n_addr; i++) {
		struct vfio_info info;
		char err[768], flags[64], size[32];
		if (vfio_query(argv[i], iface, &info, err, sizeof err)) {
			cli_error("vfio", "%s\n", err);
			rc = CLI_EXIT_ERROR;
			continue;
		}
		vfio_flags_string(info.flags, flags, sizeof flags);
		if (info.have_size)
			snprintf(size, sizeof size, "%llu", (unsigned long long)info.data_size);
		else
			snprintf(size, sizeof size, "-");
		printf("%s state=%s flags=%s interface=%s data_size=%s driver=%s\n",
		       info.where.name, vfio_state_name(info.state), flags,
		       vfio_interface_name(info.iface), size,
		       info.where.driver[0] ? info.where.driver : "-");
		fflush(stdout);
	}
	return rc;
}
