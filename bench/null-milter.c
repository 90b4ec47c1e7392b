/*
 * null-milter.c - the ceiling of bench/compare-product.sh: a milter that decides nothing, as cheaply as a milter
 * can. One thread, epoll, non-blocking sockets with TCP_NODELAY; answers OPTNEG with the same steps as the access
 * milters (connect, HELO, MAIL, RCPT: no DATA, headers, body or UNKNOWN), SMFIR_CONTINUE to every other command
 * that takes a reply, nothing to macros and ABORT, and closes at QUIT.
 *
 * Usage: null-milter inet:PORT@HOST | unix:PATH
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SMFIP_NOHDRS 0x20
#define SMFIP_NOEOH 0x40
#define SMFIP_NOBODY 0x10
#define SMFIP_NOUNKNOWN 0x100
#define SMFIP_NODATA 0x200
#define MAX_FRAME (1024 * 1024)

struct conn {
	int fd;
	size_t len, cap;
	unsigned char *buf;
};

static int listen_on(const char *spec)
{
	int fd;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		const char *path = strchr(spec, ':') + 1;
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) != 0)
			return -1;
	} else if (strncmp(spec, "inet:", 5) == 0) {
		int port = atoi(spec + 5);
		const char *at = strchr(spec, '@');
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		if (inet_pton(AF_INET, at != NULL ? at + 1 : "127.0.0.1", &in.sin_addr) != 1)
			return -1;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0)
			return -1;
	} else {
		return -1;
	}
	return listen(fd, 1024) == 0 ? fd : -1;
}

static void reply(struct conn *c, unsigned char code, const unsigned char *data, uint32_t n)
{
	unsigned char out[32];
	uint32_t len = htonl(n + 1);
	memcpy(out, &len, 4);
	out[4] = code;
	memcpy(out + 5, data, n);
	if (write(c->fd, out, 5 + n) < 0 && errno != EAGAIN)
		perror("null-milter: write");
}

/* Handles every complete frame in the buffer; returns -1 to close the connection. */
static int frames(struct conn *c)
{
	size_t at = 0;
	int rc = 0;
	while (c->len - at >= 5) {
		uint32_t n;
		memcpy(&n, c->buf + at, 4);
		n = ntohl(n);
		if (n < 1 || n > MAX_FRAME) {
			rc = -1;
			break;
		}
		if (c->len - at < 4 + (size_t)n)
			break;
		unsigned char cmd = c->buf[at + 4];
		const unsigned char *data = c->buf + at + 5;
		if (cmd == 'O' && n >= 13) {
			uint32_t version, f1;
			memcpy(&version, data, 4);
			memcpy(&f1, data + 8, 4);
			f1 = htonl(ntohl(f1) & (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA));
			uint32_t v = htonl(6), actions = 0;
			unsigned char o[12];
			memcpy(o, &v, 4);
			memcpy(o + 4, &actions, 4);
			memcpy(o + 8, &f1, 4);
			(void)version;
			reply(c, 'O', o, 12);
		} else if (cmd == 'Q') {
			rc = -1;
			break;
		} else if (cmd != 'D' && cmd != 'A' && cmd != 'K') {
			reply(c, 'c', NULL, 0);
		}
		at += 4 + (size_t)n;
	}
	memmove(c->buf, c->buf + at, c->len - at);
	c->len -= at;
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: null-milter inet:PORT@HOST | unix:PATH\n");
		return 2;
	}
	int lfd = listen_on(argv[1]);
	if (lfd < 0) {
		perror("null-milter: cannot listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	struct epoll_event events[256];
	for (;;) {
		int k = epoll_wait(ep, events, 256, -1);
		for (int i = 0; i < k; i++) {
			struct conn *c = events[i].data.ptr;
			if (c == NULL) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					int one = 1;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					c = calloc(1, sizeof(*c));
					c->fd = fd;
					c->cap = 4096;
					c->buf = malloc(c->cap);
					struct epoll_event ce = { .events = EPOLLIN, .data.ptr = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
				}
				continue;
			}
			for (;;) {
				if (c->cap - c->len < 4096) {
					if (c->cap >= MAX_FRAME + 4096)
						goto close_it;
					c->cap *= 2;
					c->buf = realloc(c->buf, c->cap);
				}
				ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
				if (r > 0) {
					c->len += (size_t)r;
					if (frames(c) != 0)
						goto close_it;
					continue;
				}
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					break;
close_it:
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c->buf);
				free(c);
				break;
			}
		}
	}
}
