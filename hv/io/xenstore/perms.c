/*
 * Node permissions in xenstored's model (docs/misc/xenstore.txt, "perms"
 * and perm_for_conn in tools/xenstored/core.c). A node's list starts with
 * the owner entry: the owner has full access (read, write, and the right
 * to change the permissions); its bits are the default for every domain
 * not named later. Entries 1.. grant one domain its own bits. Domain 0,
 * the hypervisor's backends, is privileged and has full access to every
 * node. On the wire an entry is one of n, r, w, b followed by the domid.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <io/xenstore/store.h>

#define FULL (XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER)

static const char perm_letters[] = "nrwb"; /* indexed by XS_PERM_* */

unsigned int xs_perm_for(uint16_t domid, const struct xs_perm *perms,
			 unsigned int n)
{
	unsigned int i;

	if (domid == XS_PRIV_DOMID || perms[0].domid == domid)
		return FULL;
	for (i = 1; i < n; i++)
		if (perms[i].domid == domid)
			return perms[i].perm;
	return perms[0].perm;
}

/* One "[nrwb]<decimal domid>" string of len bytes. */
static int parse_one(const char *s, size_t len, struct xs_perm *out)
{
	uint32_t id = 0;
	size_t i;
	const char *l = len ? strchr(perm_letters, s[0]) : NULL;

	if (!l || !*l || len < 2)
		return -XEN_EINVAL;
	for (i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -XEN_EINVAL;
		id = id * 10 + (uint32_t)(s[i] - '0');
		if (id > 0xffff)
			return -XEN_EINVAL;
	}
	out->domid = (uint16_t)id;
	out->perm = (uint8_t)(l - perm_letters);
	return 0;
}

int xs_perms_parse(const char *s, size_t len, unsigned int n,
		   struct xs_perm *out)
{
	unsigned int i;
	size_t one;

	for (i = 0; i < n; i++) {
		one = strnlen(s, len);
		if (one == len || parse_one(s, one, &out[i]))
			return -XEN_EINVAL;
		s += one + 1;
		len -= one + 1;
	}
	return len ? -XEN_EINVAL : 0;
}

int xs_perms_format(const struct xs_perm *p, unsigned int n, char *buf,
		    size_t size)
{
	size_t used = 0;
	unsigned int i;
	int w;

	for (i = 0; i < n; i++) {
		w = snprintf(buf + used, size - used, "%c%u",
			     perm_letters[p[i].perm & XS_PERM_BOTH],
			     p[i].domid);
		if (w < 0 || (size_t)w + 1 > size - used)
			return -XEN_E2BIG;
		used += (size_t)w + 1; /* keep the NUL */
	}
	return (int)used;
}
