/*
 * Table 3 "slct TCP", after lmbench's `lat_select -n 100 tcp`.
 *
 * lmbench connects one TCP socket to a server on the loopback address,
 * dup()s it until it holds n descriptors, and times select() asking whether
 * those n descriptors are writable, with a zero timeout.  Every descriptor
 * is a connected TCP socket with an empty send buffer, so select() polls
 * each one and finds it ready.  This suite does the same, except that the
 * listening and accepted ends live in this process (lmbench forks a server
 * that accepts and then blocks) and select() is given max fd + 1 (lmbench
 * passes n, which leaves the highest few descriptors unscanned).
 *
 * The socket is bound to 127.0.0.1 on an ephemeral port.  In an initramfs
 * the loopback interface is down until someone runs `ip link set lo up`;
 * the error then says so instead of printing a meaningless number.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"

struct select_arg {
	fd_set set;
	int nfds; /* highest descriptor in set, plus one */
};

static int body_select(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct select_arg *a = arg;
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0) {
		fd_set w = a->set;
		struct timeval tv = { 0, 0 };

		if (select(a->nfds, NULL, &w, NULL, &tv) < 0) {
			lmb_error("select: %s", strerror(errno));
			return -1;
		}
	}
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

/* A connected loopback pair; returns 0 and sets *client and *server. */
static int tcp_loopback_pair(int *client, int *server)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = -1;

	*client = *server = -1;
	if (lfd < 0) {
		lmb_error("socket(AF_INET): %s", strerror(errno));
		return -1;
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) || listen(lfd, 1)) {
		lmb_error("bind/listen on 127.0.0.1: %s (is the loopback "
			  "interface up? run `ip link set lo up`)",
			  strerror(errno));
		goto out;
	}
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 ||
	    connect(*client, (struct sockaddr *)&sin, sizeof(sin))) {
		lmb_error("connect to 127.0.0.1:%d: %s (is the loopback "
			  "interface up? run `ip link set lo up`)",
			  ntohs(sin.sin_port), strerror(errno));
		goto out;
	}
	*server = accept(lfd, NULL, NULL);
	if (*server < 0) {
		lmb_error("accept: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc && *client >= 0)
		close(*client);
	close(lfd);
	return rc;
}

/* dup() client until the set holds count descriptors. */
static int fill_set(struct select_arg *a, int client, int count)
{
	FD_ZERO(&a->set);
	a->nfds = 0;
	for (int i = 0; i < count; i++) {
		int fd = dup(client);

		if (fd < 0 || fd >= FD_SETSIZE) {
			lmb_error("dup of socket #%d: %s", i,
				  fd < 0 ? strerror(errno) : "past FD_SETSIZE");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		FD_SET(fd, &a->set);
		if (fd + 1 > a->nfds)
			a->nfds = fd + 1;
	}
	return 0;
}

static void close_set(struct select_arg *a)
{
	for (int fd = 0; fd < a->nfds; fd++)
		if (FD_ISSET(fd, &a->set))
			close(fd);
}

void bench_select(const struct lmb_config *cfg)
{
	struct select_arg a = { .nfds = 0 };
	struct lmb_result res;
	struct lmb_params p = { 0 };
	int client, server;

	if (!lmb_wanted("select_tcp"))
		return;
	if (tcp_loopback_pair(&client, &server)) {
		lmb_report_last_error("select_tcp");
		return;
	}
	if (fill_set(&a, client, cfg->select_fds) ||
	    lmb_measure(cfg, body_select, &a, 1, &res)) {
		lmb_report_last_error("select_tcp");
		goto out;
	}
	lmb_param_num(&p, "fds", cfg->select_fds);
	lmb_param_str(&p, "fd_type", "tcp");
	lmb_param_str(&p, "readiness", "write");
	lmb_report(cfg, "select_tcp", &res, &p);
out:
	close_set(&a);
	close(client);
	close(server);
}
