/*
 * mig_events.c - the QMP events the devices emit (QEMU's VFIO_MIGRATION
 * events) and the QOM path they name a device by.
 */
#include "mig_events.h"

#include <stdio.h>

void mig_qom_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/machine/peripheral/%s", name);
}

void mig_qmp_event(struct mig_device *md, int kind, const char *state, const char *task)
{
	TRACE_ADD(md->m->tr, .t = rt_now(md->m->rt), .task = task, .kind = TRACE_QMP_EVENT,
	          .device = md->index, .side = md->side->side, .from = kind, .text = state);
}
