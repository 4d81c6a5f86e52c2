// SPDX-License-Identifier: GPL-2.0
/*
 * ringnode.c - on which memory node does each CPU's ring live, for
 * tests/vm/test_cpu_online.sh.
 *
 *   ringnode      one line per CPU: "cpu=N ring=yes|no nodes=N0=256 ..."
 *
 * Maps every CPU's data region (mmap ENXIO: no ring), then finds each
 * mapping in /proc/self/numa_maps, whose "N<node>=<pages>" fields count
 * the mapped pages per node.  Needs the device to itself (run it while no
 * agent does).  Exit 0 unless the device could not be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "riptel.h"

#define MAX_CPUS 64

/* The N<node>=<pages> fields of the numa_maps line of @addr, or "". */
static void nodes_of(void *addr, char *out, size_t len)
{
	char line[1024], want[32];
	FILE *f = fopen("/proc/self/numa_maps", "r");

	out[0] = '\0';
	if (!f)
		return;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;
		size_t off = 0;

		if (strncmp(line, want, strlen(want)))
			continue;
		for (tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (tok[0] == 'N' && tok[1] >= '0' && tok[1] <= '9' &&
			    off < len)
				off += (size_t)snprintf(out + off, len - off,
							"%s%s", off ? " " : "",
							tok);
		break;
	}
	fclose(f);
}

int main(void)
{
	struct riptel_info info;
	unsigned int cpu;
	char nodes[256];
	int fd;

	fd = open("/dev/riptel", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RIPTEL_IOC_INFO, &info) < 0) {
		fprintf(stderr, "ringnode: /dev/riptel: %s\n", strerror(errno));
		return 2;
	}
	printf("nr_rings=%u\n", info.nr_rings);
	for (cpu = 0; cpu < info.nr_cpus && cpu < MAX_CPUS; cpu++) {
		void *data = mmap(NULL, info.data_size, PROT_READ, MAP_SHARED,
				  fd, (off_t)RIPTEL_MMAP_OFFSET(cpu,
							RIPTEL_REGION_DATA));

		if (data == MAP_FAILED) {
			printf("cpu=%u ring=no errno=%d\n", cpu, errno);
			continue;
		}
		nodes_of(data, nodes, sizeof(nodes));
		printf("cpu=%u ring=yes nodes=%s\n", cpu, nodes);
	}
	return 0;
}
