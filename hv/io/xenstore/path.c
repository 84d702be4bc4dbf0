/*
 * Xenstore path syntax (xenstored's canonicalize and is_valid_nodename).
 *
 * A canonical path is "/" or "/" followed by components separated by
 * single slashes, each made of [A-Za-z0-9_@-], with no trailing slash,
 * at most XENSTORE_ABS_PATH_MAX bytes. A path without a leading slash is
 * relative to the requester's /local/domain/<domid>/ and may be at most
 * XENSTORE_REL_PATH_MAX bytes before the prefix is added. Names starting
 * with '@' are special event names ("@releaseDomain"), valid only where
 * the caller says so (watches).
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <io/xenstore/store.h>

#define DOMAIN_PREFIX_MAX sizeof("/local/domain/65535/")

static int path_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
	       ch == '_' || ch == '@';
}

static int chars_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!path_char_ok(s[i]))
			return 0;
	return 1;
}

/* Leading slash, no empty component, no trailing slash (except "/"). */
static int shape_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/')
		return 0;
	if (len == 1)
		return 1;
	if (s[len - 1] == '/')
		return 0;
	for (i = 1; i < len; i++)
		if (s[i] == '/' && s[i - 1] == '/')
			return 0;
	return 1;
}

size_t xs_path_rel_prefix(uint16_t domid)
{
	char buf[DOMAIN_PREFIX_MAX];

	return (size_t)snprintf(buf, sizeof(buf), "/local/domain/%u/", domid);
}

static char *join_relative(const struct xs_store *st, uint16_t domid,
			   const char *in, size_t len)
{
	size_t plen = xs_path_rel_prefix(domid);
	char *out = xs_alloc(st, plen + len + 1);

	if (!out)
		return NULL;
	snprintf(out, plen + 1, "/local/domain/%u/", domid);
	memcpy(out + plen, in, len);
	out[plen + len] = '\0';
	return out;
}

char *xs_path_canonical(const struct xs_store *st, uint16_t domid,
			const char *in, int special, int *err)
{
	size_t max = in[0] == '/' ? XENSTORE_ABS_PATH_MAX
				  : XENSTORE_REL_PATH_MAX;
	size_t len = strnlen(in, max + 1);
	char *out;

	*err = -XEN_EINVAL;
	if (len > max || !chars_ok(in, len))
		return NULL;
	if (in[0] == '@') {
		if (!special || len < 2)
			return NULL;
		out = xs_strndup(st, in, len);
	} else if (in[0] == '/') {
		if (!shape_ok(in, len))
			return NULL;
		out = xs_strndup(st, in, len);
	} else {
		out = join_relative(st, domid, in, len);
		if (out && !shape_ok(out, strlen(out))) {
			xs_free(st, out);
			return NULL;
		}
	}
	if (!out)
		*err = -XEN_ENOMEM;
	return out;
}

size_t xs_path_parent_len(const char *path, size_t plen)
{
	size_t i = plen;

	if (plen <= 1)
		return 0;
	while (i > 0 && path[i - 1] != '/')
		i--;
	if (i == 0)
		return 0;
	return i == 1 ? 1 : i - 1;
}

int xs_path_is_under(const char *anc, size_t alen, const char *path,
		     size_t plen)
{
	if (alen == 1 && anc[0] == '/')
		return plen >= 1 && path[0] == '/';
	if (plen < alen || memcmp(anc, path, alen))
		return 0;
	return plen == alen || path[alen] == '/';
}
