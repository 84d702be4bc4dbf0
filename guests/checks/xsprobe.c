/*
 * xsprobe: talks to PVX's in-hypervisor xenstore from inside a PV guest,
 * through Linux's /dev/xen/xenbus (the raw wire protocol of
 * <xen/io/xs_wire.h>): reads the domain's own nodes, writes and reads
 * back, lists a directory, runs a transaction, and checks the errors a
 * guest must get (ENOENT, EACCES). Prints one line per check and
 * "xsprobe: N passed, M failed"; exits 1 if any failed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { XS_DIRECTORY = 1, XS_READ = 2, XS_TRANSACTION_START = 6,
       XS_TRANSACTION_END = 7, XS_WRITE = 11, XS_RM = 13, XS_ERROR = 16 };

struct msg {
	uint32_t type, req_id, tx_id, len;
	char body[4096];
};

static int fd, passed, failed;

static int request(uint32_t type, uint32_t tx, const char *a, const char *b,
		   size_t blen, struct msg *reply)
{
	struct msg m = { type, 7, tx, 0, { 0 } };
	size_t alen = strlen(a) + 1;

	memcpy(m.body, a, alen);
	m.len = (uint32_t)alen;
	if (b) {
		memcpy(m.body + alen, b, blen);
		m.len += (uint32_t)blen;
	}
	if (write(fd, &m, 16 + m.len) != (ssize_t)(16 + m.len))
		return -1;
	if (read(fd, reply, 16) != 16 || reply->len >= sizeof(reply->body) ||
	    (reply->len && read(fd, reply->body, reply->len) != (ssize_t)reply->len))
		return -1;
	reply->body[reply->len] = '\0';
	return 0;
}

static void check(const char *what, int ok, const struct msg *r)
{
	printf("xsprobe: %-52s %s (type %u: \"%.40s\")\n", what, ok ? "ok" : "FAIL",
	       r->type, r->body);
	ok ? passed++ : failed++;
}

static int is_error(const struct msg *r, const char *name)
{
	return r->type == XS_ERROR && !strcmp(r->body, name);
}

int main(void)
{
	struct msg r;
	uint32_t tx;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/xen/xenbus", O_RDWR);
	if (fd < 0) {
		perror("xsprobe: /dev/xen/xenbus");
		return 2;
	}
	request(XS_READ, 0, "domid", NULL, 0, &r);
	check("read own domid", r.type == XS_READ && !strcmp(r.body, "1"), &r);
	request(XS_WRITE, 0, "data/pvx-test", "hello", 5, &r);
	check("write a node in own area", r.type == XS_WRITE, &r);
	request(XS_READ, 0, "data/pvx-test", NULL, 0, &r);
	check("read it back", r.type == XS_READ && !strcmp(r.body, "hello"), &r);
	request(XS_DIRECTORY, 0, "data", NULL, 0, &r);
	check("list the directory", r.type == XS_DIRECTORY && !strcmp(r.body, "pvx-test"), &r);
	request(XS_READ, 0, "no/such/node", NULL, 0, &r);
	check("read a missing node: ENOENT", is_error(&r, "ENOENT"), &r);
	request(XS_WRITE, 0, "/local/domain/0/pvx-test", "x", 1, &r);
	check("write into domain 0's area: EACCES", is_error(&r, "EACCES"), &r);
	request(XS_TRANSACTION_START, 0, "", NULL, 0, &r);
	tx = (uint32_t)strtoul(r.body, NULL, 10);
	check("start a transaction", r.type == XS_TRANSACTION_START && tx, &r);
	request(XS_WRITE, tx, "data/pvx-test", "in-tx", 5, &r);
	request(XS_TRANSACTION_END, tx, "T", NULL, 0, &r);
	check("commit it", r.type == XS_TRANSACTION_END, &r);
	request(XS_READ, 0, "data/pvx-test", NULL, 0, &r);
	check("the committed write is visible", !strcmp(r.body, "in-tx"), &r);
	request(XS_RM, 0, "data/pvx-test", NULL, 0, &r);
	check("remove it", r.type == XS_RM, &r);
	printf("xsprobe: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
