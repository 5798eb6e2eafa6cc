/*
 * berth-term: the sandbox's terminal server. The host opens one TCP
 * connection per shell; each runs one program on a pty of its own, so a
 * keystroke costs one write in and one read out (not a `docker exec` each).
 *
 * Host -> server: frames of 1 byte type, 4 bytes big-endian length (at most
 * 65536), payload. 'o' OPEN (first, once): cols, rows (uint16 BE), then
 * NUL-terminated strings: cwd, NAME=VALUE entries added to our environment,
 * an empty string, argv. 'd' DATA: bytes for the pty. 'r' RESIZE: cols, rows.
 * Anything else closes the connection. Server -> host: "\0BTERM1\n" once the
 * program is forked, then the pty's raw output; closed when the program ends.
 * 'x' RUN instead of OPEN (a lesson's check): the same payload, but the program
 * gets /dev/null as input and a pipe as output, no terminal; its output comes
 * back after the preamble as 'd' frames, then one 'x' frame of 4 bytes, its
 * exit status (128 + the signal if one ended it), then the connection closes.
 *
 * Runs as the visitor's uid (started by berth-entrypoint as `berth-term
 * 61022`), so everything it reads is untrusted: one poll loop, nothing that
 * blocks, at most 64 connections of two 64 KiB buffers each. Connections from
 * 127.0.0.0/8 or from our own address (the visitor's nested containers come
 * through slirp from there) are refused unless BERTH_TERM_ALLOW_LOCAL=1.
 * Build: gcc -Os -Wall -Wextra -Werror -s -o berth-term berth-term.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 64
#define MAXFRAME 65536
#define IBUF (MAXFRAME + 5)
#define OBUF 65536

enum { NEW, RUNNING, ENDED };

struct conn {
	int sock, pty, state;
	int run, status, told;		/* a RUN: its exit status once reaped (-1 before), the 'x' frame sent */
	pid_t pid;			/* until reaped */
	size_t ipos, ilen, wdone;	/* frames at in[ipos..+ilen); wdone of the head DATA written */
	size_t ohead, olen;		/* ring of pty output for the socket */
	unsigned char in[IBUF], out[OBUF];
};

static struct conn *conns[MAXCONN];
static int sigpipe[2];

/* Sessions of programs whose host hung up, ended for good once their grace is over. */
#define HUP_GRACE_MS 200
static struct { pid_t sid; long long at; } ending[MAXCONN];

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* The session of /proc/PID/stat ("pid (comm) state ppid pgrp session ..."), or -1. */
static pid_t session_of(int pid)
{
	char path[64], b[512], *p;
	int fd, sid = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = 0;
	if (!(p = strrchr(b, ')')) || sscanf(p + 1, " %*c %*d %*d %d", &sid) != 1)
		return -1;
	return sid;
}

/*
 * Ends every process of a session: the program and all it started (background
 * jobs, a fork bomb), stopped first so none can fork while the others die.
 * Signals only, no fork of our own: a fork bomb's process limit would refuse it.
 */
static void end_session(pid_t sid)
{
	for (int round = 0; round < 8; round++) {
		struct dirent *e;
		DIR *d = opendir("/proc");
		int found = 0;

		if (!d)
			return;
		while ((e = readdir(d))) {
			int pid = atoi(e->d_name);

			if (pid > 0 && session_of(pid) == sid) {
				kill(pid, round < 2 ? SIGSTOP : SIGKILL);
				found++;
			}
		}
		closedir(d);
		if (!found)
			return;
	}
}

/* Ends the sessions whose grace is over; returns ms until the next one is due (-1: none). */
static int end_due(void)
{
	long long t = now_ms(), next = -1;

	for (int i = 0; i < MAXCONN; i++) {
		if (!ending[i].sid)
			continue;
		if (ending[i].at <= t) {
			int reused = 0;

			/* Its pid, reused by a program we started since: not that one's session. */
			for (int j = 0; j < MAXCONN; j++)
				reused |= conns[j] && conns[j]->pid == ending[i].sid;
			if (!reused)
				end_session(ending[i].sid);
			ending[i].sid = 0;
		} else if (next < 0 || ending[i].at - t < next) {
			next = ending[i].at - t;
		}
	}
	return next;
}

static void on_sigchld(int sig)
{
	int e = errno;

	if (write(sigpipe[1], &sig, 1) < 0) {
		/* full: a wakeup is pending anyway */
	}
	errno = e;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int winsize(const unsigned char *p, struct winsize *ws)
{
	*ws = (struct winsize){ .ws_col = p[0] << 8 | p[1], .ws_row = p[2] << 8 | p[3] };
	return ws->ws_col && ws->ws_row ? 0 : -1;
}

/* The program has ended (or the pty said so): drain its output, drop input. */
static void end(struct conn *c)
{
	c->state = ENDED;
	c->ipos = c->ilen = c->wdone = 0;
}

static void drop(struct conn *c)
{
	shutdown(c->sock, SHUT_RDWR);
	close(c->sock);
	if (c->pty >= 0)
		close(c->pty);
	if (c->pid > 0) {
		/* Before setsid() in the child there is no group yet. */
		if (kill(-c->pid, SIGHUP) < 0)
			kill(c->pid, SIGHUP);
		kill(-c->pid, SIGCONT);
		/* A shell saves its history on SIGHUP; then its whole session ends
		 * (at once when every slot waits already: never left running). */
		int i = 0;

		while (i < MAXCONN && ending[i].sid)
			i++;
		if (i == MAXCONN)
			end_session(c->pid);
		else
			ending[i].sid = c->pid, ending[i].at = now_ms() + HUP_GRACE_MS;
	}
	free(c);
}

static void child(int slave, int run, char *cwd, char *env, char *args, char *end, int argc)
{
	char **av = calloc(argc + 1, sizeof(*av)), *argv0 = args;
	sigset_t none;
	int i = 0;

	/* Every signal as a login gives it: we were started in the background by a
	 * script, with SIGINT and SIGQUIT ignored, and a shell cannot undo an
	 * ignore it inherits (Ctrl-C would stop nothing). */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (!run)
		ioctl(slave, TIOCSCTTY, 0);
	if (slave < 3)		/* dup2 onto itself would keep FD_CLOEXEC */
		slave = fcntl(slave, F_DUPFD, 3);
	if (run) {
		int null = open("/dev/null", O_RDONLY);

		if (null != 0) {
			dup2(null, 0);
			close(null);
		}
	} else {
		dup2(slave, 0);
	}
	dup2(slave, 1);
	dup2(slave, 2);
	close(slave);
	if (chdir(cwd) < 0 && chdir("/") < 0) {
		/* run it wherever we are */
	}
	for (; *env; env += strlen(env) + 1)
		putenv(env);
	for (; av && args < end; args += strlen(args) + 1)
		av[i++] = args;
	if (av)
		execvp(av[0], av);
	dprintf(1, "berth-term: cannot run %s: %s\r\n", argv0, strerror(errno));
	_exit(127);
}

/* OPEN (or RUN): check the payload whole, then start the program on a new pty (a pipe). */
static int start(struct conn *c, unsigned char *p, uint32_t n, int run)
{
	char *cwd = (char *)p + 4, *end = (char *)p + n, *env, *args, *s, *name;
	struct winsize ws;
	int argc = 0, m, slave;
	pid_t pid;

	if (n < 5 || p[n - 1] || winsize(p, &ws) < 0)
		return -1;
	env = s = cwd + strlen(cwd) + 1;
	for (; s < end && *s; s += strlen(s) + 1)
		if (*s == '=' || !strchr(s, '='))
			return -1;
	if (s >= end)
		return -1;
	for (args = ++s; s < end; s += strlen(s) + 1)
		argc++;
	if (!argc)
		return -1;
	if (run) {
		int pp[2];

		if (pipe2(pp, O_CLOEXEC) < 0)
			return -1;
		if (fcntl(pp[0], F_SETFL, O_NONBLOCK) < 0) {
			close(pp[0]);
			close(pp[1]);
			return -1;
		}
		m = pp[0];
		slave = pp[1];
		goto forked;
	}
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0)
		return -1;
	/* The slave is opened here, not in the child, so the master never
	 * sees "no slave" (EIO) before the child has it. */
	if (fcntl(m, F_SETFD, FD_CLOEXEC) < 0 || fcntl(m, F_SETFL, O_NONBLOCK) < 0 ||
	    grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)) ||
	    ioctl(m, TIOCSWINSZ, &ws) < 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		close(m);
		return -1;
	}
forked:
	if ((pid = fork()) == 0)
		child(slave, run, cwd, env, args, end, argc);
	close(slave);
	if (pid < 0) {
		close(m);
		return -1;
	}
	c->pty = m;
	c->pid = pid;
	c->run = run;
	c->state = RUNNING;
	memcpy(c->out, "\0BTERM1\n", 8);	/* the ring is still empty */
	c->olen = 8;
	return 0;
}

/* A complete frame at the head of the input means its DATA waits for the pty. */
static int stalled(struct conn *c)
{
	return c->ilen >= 5 && c->ilen >= 5 + be32(c->in + c->ipos + 1);
}

static int parse(struct conn *c)
{
	while (c->ilen >= 5) {
		unsigned char *f = c->in + c->ipos;
		uint32_t len = be32(f + 1);
		struct winsize ws;

		if (len > MAXFRAME)
			return -1;
		if (c->ilen < 5 + len)
			break;
		if (f[0] == 'd' && c->state == RUNNING) {
			while (c->wdone < len) {
				ssize_t n = write(c->pty, f + 5 + c->wdone, len - c->wdone);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0 && errno == EAGAIN)
					return 0;
				if (n <= 0)	/* the program is gone */
					break;
				c->wdone += n;
			}
			c->wdone = 0;
		} else if (f[0] == 'r' && c->state == RUNNING && len == 4) {
			if (winsize(f + 5, &ws) < 0)
				return -1;
			ioctl(c->pty, TIOCSWINSZ, &ws);
		} else if ((f[0] != 'o' && f[0] != 'x') || c->state != NEW || start(c, f + 5, len, f[0] == 'x') < 0) {
			return -1;
		}
		c->ipos += 5 + len;
		c->ilen -= 5 + len;
	}
	if (!c->ilen)
		c->ipos = 0;
	return 0;
}

/* Bytes into the ring, which has room for them. */
static void put(struct conn *c, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		c->out[(c->ohead + c->olen++) % OBUF] = p[i];
}

/* A frame of a RUN into the ring: type, 4-byte length, payload. */
static void put_frame(struct conn *c, unsigned char type, const unsigned char *p, uint32_t n)
{
	unsigned char h[5] = { type, n >> 24, n >> 16, n >> 8, n };

	put(c, h, 5);
	put(c, p, n);
}

/* Whether the ring takes another read (a RUN's: with its frame header). */
static int has_room(struct conn *c)
{
	return c->olen < OBUF - (c->run ? 6 : 0);
}

/* pty -> ring, while the ring has room; a RUN's output as 'd' frames. */
static void pump(struct conn *c)
{
	while (c->pty >= 0 && has_room(c)) {
		size_t t = (c->ohead + c->olen) % OBUF;
		size_t k = OBUF - (t < c->ohead ? c->olen : t);
		unsigned char b[4096];
		ssize_t n;

		if (c->run) {
			k = OBUF - c->olen - 5 < sizeof(b) ? OBUF - c->olen - 5 : sizeof(b);
			n = read(c->pty, b, k);
			if (n > 0) {
				put_frame(c, 'd', b, n);
				continue;
			}
		} else if ((n = read(c->pty, c->out + t, k)) > 0) {
			c->olen += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && c->state != ENDED)
			break;
		close(c->pty);	/* EOF, EIO, or all read after the end */
		c->pty = -1;
		end(c);
	}
}

/* ring -> socket. */
static int flush(struct conn *c)
{
	while (c->olen) {
		size_t k = c->olen < OBUF - c->ohead ? c->olen : OBUF - c->ohead;
		ssize_t n = write(c->sock, c->out + c->ohead, k);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->ohead = (c->ohead + n) % OBUF;
		c->olen -= n;
	}
	c->ohead = 0;
	return 0;
}

/* One poll round for one connection; -1: drop it. */
static int service(struct conn *c, short srev, short prev)
{
	if (srev & (POLLERR | POLLHUP | POLLRDHUP))
		return -1;	/* the host is gone */
	if (prev & (POLLERR | POLLHUP))
		end(c);
	if (srev & POLLIN) {
		ssize_t n;

		if (c->state == ENDED) {
			n = read(c->sock, c->in, IBUF);		/* discarded */
		} else {
			size_t want = c->ilen < 5 ? 5 : 5 + be32(c->in + c->ipos + 1);

			/* Moves a frame at most twice: linear in input. */
			if (c->ipos + want > IBUF) {
				memmove(c->in, c->in + c->ipos, c->ilen);
				c->ipos = 0;
			}
			n = read(c->sock, c->in + c->ipos + c->ilen, IBUF - c->ipos - c->ilen);
			if (n > 0)
				c->ilen += n;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
	}
	if (((srev & POLLIN) || (prev & POLLOUT)) && c->state != ENDED && parse(c) < 0)
		return -1;
	if (c->pty >= 0 && (prev || c->state == ENDED))
		pump(c);
	/* A RUN's status, after all its output, once the program is reaped. */
	if (c->run && c->state == ENDED && c->pty < 0 && c->status >= 0 && !c->told && c->olen <= OBUF - 9) {
		unsigned char st[4] = { 0, 0, 0, c->status };

		put_frame(c, 'x', st, 4);
		c->told = 1;
	}
	if (flush(c) < 0)
		return -1;
	return c->state == ENDED && c->pty < 0 && !c->olen && (!c->run || c->told) ? -1 : 0;
}

static void reap(void)
{
	char b[64];
	pid_t pid;
	int st;

	while (read(sigpipe[0], b, sizeof(b)) > 0 || errno == EINTR)
		;
	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		for (int i = 0; i < MAXCONN; i++)
			if (conns[i] && conns[i]->pid == pid) {
				conns[i]->pid = 0;
				conns[i]->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WTERMSIG(st) & 127);
				end(conns[i]);
			}
	}
}

static void take(int lfd, int local)
{
	for (;;) {
		struct sockaddr_in peer, self;
		socklen_t pl = sizeof(peer), sl = sizeof(self);
		int s = accept4(lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i = 0, on = 1;
		struct conn *c;

		if (s < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (s < 0)
			return;
		while (i < MAXCONN && conns[i])
			i++;
		if (i == MAXCONN || getsockname(s, (struct sockaddr *)&self, &sl) < 0 ||
		    peer.sin_family != AF_INET ||
		    (!local && (peer.sin_addr.s_addr == self.sin_addr.s_addr ||
				ntohl(peer.sin_addr.s_addr) >> 24 == 127)) ||
		    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0 ||
		    !(c = malloc(sizeof(*c)))) {
			close(s);
			continue;
		}
		c->sock = s;	/* not the buffers: untouched pages cost nothing */
		c->pty = -1;
		c->state = NEW;
		c->pid = 0;
		c->run = c->told = 0;
		c->status = -1;
		c->ipos = c->ilen = c->wdone = c->ohead = c->olen = 0;
		conns[i] = c;
	}
}

int main(int argc, char **argv)
{
	int port = argc == 2 ? atoi(argv[1]) : 0, on = 1, lfd;
	int local = getenv("BERTH_TERM_ALLOW_LOCAL") && !strcmp(getenv("BERTH_TERM_ALLOW_LOCAL"), "1");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };

	if (port <= 0 || port > 65535) {
		fputs("usage: berth-term PORT\n", stderr);
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0) {
		perror("berth-term: bind");
		return 1;
	}
	if (pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	for (;;) {
		struct pollfd pf[2 + 2 * MAXCONN] = {
			{ .fd = lfd, .events = POLLIN }, { .fd = sigpipe[0], .events = POLLIN } };

		for (int i = 0; i < MAXCONN; i++) {
			struct conn *c = conns[i];
			struct pollfd *s = &pf[2 + 2 * i], *t = s + 1;

			s->fd = t->fd = -1;
			if (!c)
				continue;
			s->fd = c->sock;
			s->events = POLLRDHUP | (stalled(c) ? 0 : POLLIN) | (c->olen ? POLLOUT : 0);
			t->events = (has_room(c) ? POLLIN : 0) |
				    (c->state == RUNNING && stalled(c) ? POLLOUT : 0);
			/* Not polled when unwanted: a closed slave would report
			 * POLLHUP at once, every time. */
			if (c->pty >= 0 && t->events)
				t->fd = c->pty;
		}
		if (poll(pf, 2 + 2 * MAXCONN, end_due()) < 0)
			continue;
		if (pf[1].revents)
			reap();
		for (int i = 0; i < MAXCONN; i++)
			if (conns[i] && service(conns[i], pf[2 + 2 * i].revents, pf[3 + 2 * i].revents) < 0) {
				drop(conns[i]);
				conns[i] = NULL;
			}
		if (pf[0].revents)
			take(lfd, local);
	}
}
