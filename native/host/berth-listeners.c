/*
 * berth-listeners: the TCP ports listening in the network namespaces of other processes, for the Berth
 * server (it watches every session's ports every second).
 *
 * Reading /proc/PID/net/tcp makes the kernel walk the host's whole connection hash, whatever the namespace
 * holds (0.8 ms of CPU a read on this project's machine, four reads a session a second). A sock_diag dump
 * asked for listening sockets only walks the listening hash: 0.04 ms for tcp and tcp6 together.
 *
 * Protocol: one request a line on stdin, a decimal pid; one answer a line on stdout, in order:
 *   "PID PORT PORT ...\n"  ports listening on an address other than loopback, ascending, at most MAXPORTS
 *   "PID -\n"              the process or its namespace is gone, or the kernel refused the dump
 * Anything else on a line gets "? -". Runs as root beside the server; it enters a namespace only to open
 * a netlink socket there and comes straight back (exits if it cannot), and opens no path but /proc/PID/ns/net.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXPORTS 4096
#define TCP_LISTEN_STATE 10

static unsigned char seen[65536 / 8];
static int self_ns;

static int loopback(const struct inet_diag_msg *m)
{
	const unsigned char *a = (const unsigned char *)m->id.idiag_src;
	static const unsigned char v6_loop[16] = { [15] = 1 };
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (m->idiag_family == AF_INET)
		return a[0] == 127;
	return !memcmp(a, v6_loop, 16) || (!memcmp(a, v4_mapped, 12) && a[12] == 127);
}

/* Dumps one family's listening sockets into seen[]; 0 when the dump ended well. */
static int dump(int nl, int family)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.r = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP, .idiag_states = 1u << TCP_LISTEN_STATE },
	};
	if (send(nl, &req, sizeof req, 0) != (ssize_t)sizeof req)
		return -1;
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -1;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (m->idiag_state != TCP_LISTEN_STATE || loopback(m))
				continue;
			unsigned port = ntohs(m->id.idiag_sport);
			seen[port / 8] |= 1u << (port % 8);
		}
	}
}

/* A netlink socket in the network namespace of pid, or -1 if it is gone. */
static int socket_in(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -1;
	int nl = -1;
	if (setns(ns, CLONE_NEWNET) == 0) {
		nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (setns(self_ns, CLONE_NEWNET) != 0) {
			perror("berth-listeners: could not come back to its own network namespace");
			exit(1);
		}
	}
	close(ns);
	return nl;
}

static void answer(long pid)
{
	memset(seen, 0, sizeof seen);
	int nl = socket_in(pid);
	int ok = nl >= 0 && dump(nl, AF_INET) == 0 && dump(nl, AF_INET6) == 0;
	if (nl >= 0)
		close(nl);
	printf("%ld", pid);
	if (!ok) {
		fputs(" -\n", stdout);
		return;
	}
	int n = 0;
	for (unsigned port = 1; port < 65536 && n < MAXPORTS; port++)
		if (seen[port / 8] & (1u << (port % 8)))
			printf(" %u", port), n++;
	putchar('\n');
}

int main(void)
{
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0) {
		perror("berth-listeners: /proc/self/ns/net");
		return 1;
	}
	char line[64];
	while (fgets(line, sizeof line, stdin)) {
		size_t len = strlen(line);
		int whole = len > 0 && line[len - 1] == '\n';
		if (!whole && !feof(stdin)) { /* too long: skip the rest of it */
			int c;
			while ((c = getchar()) != EOF && c != '\n')
				;
			fputs("? -\n", stdout);
			fflush(stdout);
			continue;
		}
		if (whole)
			line[--len] = 0;
		char *end;
		errno = 0;
		long pid = strtol(line, &end, 10);
		if (len == 0 || len > 10 || *end || errno || pid <= 0 || line[0] < '0' || line[0] > '9')
			fputs("? -\n", stdout);
		else
			answer(pid);
		fflush(stdout);
	}
	return 0;
}
