/*
 * berth-dns: a tiny DNS responder that answers every query at once with
 * NXDOMAIN (authoritative). A session has no DNS by design; without an
 * answer, resolvers wait: glibc 5 s per try, and Docker's embedded DNS
 * (127.0.0.11 on user-defined networks inside the session) never replies
 * when its upstream refuses, so a nested `curl example.com` hung 20 s.
 *
 * Runs inside rootlesskit's network namespace (started by engine-child),
 * listening on 0.0.0.0:53 (UDP), so it answers on 127.0.0.1 for dockerd and
 * on the inner bridge gateway (172.17.0.1) for nested containers.
 * Build: gcc -Os -s -o berth-dns berth-dns.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 53, on = 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	/* Reply from the address the query was sent to (IP_PKTINFO): the
	 * namespace has several addresses, and a resolver drops an answer
	 * that comes from another one. */
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("berth-dns: bind");
		return 1;
	}
	for (;;) {
		unsigned char b[1500];
		union { char buf[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } c;
		struct sockaddr_in from;
		struct iovec iov = { b, sizeof(b) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
		ssize_t n = recvmsg(fd, &m, 0);
		if (n < 12 || (b[2] & 0x80))	/* too short, or a response */
			continue;
		size_t end = 12;
		int qd = (b[4] << 8) | b[5];
		if (qd == 1) {			/* keep the one question, drop the rest */
			while (end < (size_t)n && b[end] != 0 && (b[end] & 0xc0) == 0)
				end += b[end] + 1;
			end += 1 + 4;		/* root label, QTYPE, QCLASS */
			if (end > (size_t)n)
				continue;
		} else {
			b[4] = b[5] = 0;
		}
		b[2] = 0x80 | (b[2] & 0x79) | 0x04;	/* QR, opcode, AA, RD */
		b[3] = 0x80 | 3;			/* RA, RCODE=NXDOMAIN */
		memset(b + 6, 0, 6);			/* no AN, NS, AR records */

		struct in_pktinfo pi = { 0 };
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
			if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO)
				memcpy(&pi, CMSG_DATA(h), sizeof(pi));
		iov.iov_len = end;
		m.msg_controllen = sizeof(c.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = IP_PKTINFO;
		h->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi_spec_dst = pi.ipi_addr;	/* source = where the query went */
		pi.ipi_ifindex = 0;
		memcpy(CMSG_DATA(h), &pi, sizeof(pi));
		sendmsg(fd, &m, 0);
	}
}
