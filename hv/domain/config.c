/*
 * Module lines to domain configurations (see include/domain/config.h).
 * GRUB passes a module2 line's words after the file name; some loaders
 * include the file name itself, so a leading word without '=' that looks
 * like a path is skipped.
 */
#include <lib/compiler.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <boot/cmdline.h>
#include <domain/config.h>

static const char *const roles[] = { "kernel", "ramdisk", "disk", NULL };
enum { ROLE_KERNEL, ROLE_RAMDISK, ROLE_DISK };

struct module_words {
	uint64_t dom, mem;
	unsigned int role;
	char cmdline[GUEST_CMDLINE_MAX];
	char vbd[200], vif[32];
	int has_dom, has_mem, has_cmdline, has_vbd, has_vif;
};

static int parse_field(const char **s, uint64_t *v)
{
	char num[24];
	size_t n = 0;

	while (**s && **s != ':' && n + 1 < sizeof(num))
		num[n++] = *(*s)++;
	num[n] = '\0';
	if (**s == ':')
		(*s)++;
	return parse_uint(num, v);
}

/* Parses START:COUNT of one extent, ending at '+' (more follow) or ':'
 * (the mode follows). */
static int parse_extent(const char **s, struct vbd_extent *e)
{
	char num[24];
	size_t n;
	uint64_t v[2];
	int i;

	for (i = 0; i < 2; i++) {
		for (n = 0;
		     **s && !strchr(i ? "+:" : ":", **s) && n + 1 < sizeof(num);
		     n++)
			num[n] = *(*s)++;
		num[n] = '\0';
		if (!**s || parse_uint(num, &v[i]))
			return -1;
		(*s)++;
	}
	*e = (struct vbd_extent){ v[0], v[1] };
	return e->start + e->count < e->start ? -1 : 0;
}

int vbd_parse(const char *spec, struct vbd_config *out, char *err,
	      size_t errlen)
{
	struct vbd_config v = { .nr_ext = 0 };
	uint64_t disk;
	const char *s = spec;
	int more = 1;

	if (parse_field(&s, &disk) || disk >= MAX_BOOT_DISKS)
		goto bad;
	while (more) {
		if (v.nr_ext == VBD_MAX_EXTENTS ||
		    parse_extent(&s, &v.ext[v.nr_ext]))
			goto bad;
		more = s[-1] == '+';
		v.nr_ext++;
	}
	if (strcmp(s, "r") && strcmp(s, "w"))
		goto bad;
	for (unsigned int i = 0; i < v.nr_ext; i++)
		if (v.ext[i].count == 0 && v.nr_ext > 1)
			goto bad;
	v.disk = (unsigned int)disk;
	v.writable = !strcmp(s, "w");
	*out = v;
	return 0;
bad:
	snprintf(err, errlen,
		 "vbd=%s: expected DISK:START:COUNT[+START:COUNT...]:r|w "
		 "(at most %u extents; COUNT 0, to the end, only alone), "
		 "e.g. 0:0:0:w",
		 spec, VBD_MAX_EXTENTS);
	return -1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vif_parse(const char *spec, struct vif_config *out, char *err,
	      size_t errlen)
{
	struct vif_config v;
	unsigned int i;
	int hi, lo;

	for (i = 0; i < 6; i++) {
		const char *p = spec + 3 * i;

		hi = hex_digit(p[0]);
		lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (lo < 0 || p[2] != (i < 5 ? ':' : '\0'))
			break;
		v.mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (i < 6 || (v.mac[0] & 1)) {
		snprintf(err, errlen,
			 "vif=%s: expected a unicast MAC address, e.g. "
			 "52:54:00:12:34:56",
			 spec);
		return -1;
	}
	*out = v;
	return 0;
}

static const char *skip_path(const char *s)
{
	const char *p = s;

	while (*p == ' ')
		p++;
	if (*p != '/')
		return s;
	while (*p && *p != ' ' && *p != '=')
		p++;
	return *p == '=' ? s : p;
}

static int check_module_words(const struct boot_info *bi, unsigned int i,
			      const struct module_words *mw, char *err,
			      size_t errlen)
{
	int kernel_keys = mw->has_mem || mw->has_cmdline || mw->has_vbd ||
			  mw->has_vif;

	if (mw->role == ROLE_DISK) {
		if (mw->has_dom || kernel_keys)
			snprintf(err, errlen,
				 "module %u: a disk belongs to the machine: no "
				 "dom=, mem=, cmdline=, vbd= or vif=",
				 i);
		return mw->has_dom || kernel_keys ? -1 : 0;
	}
	if (!mw->has_dom) {
		snprintf(err, errlen, "module %u: missing dom= (line: \"%s\")",
			 i, bi->mods[i].cmdline);
		return -1;
	}
	if (mw->role == ROLE_RAMDISK && kernel_keys) {
		snprintf(err, errlen,
			 "module %u: mem=, cmdline=, vbd= and vif= belong on "
			 "the "
			 "kernel module, not the ramdisk",
			 i);
		return -1;
	}
	return 0;
}

static int parse_module_line(const struct boot_info *bi, unsigned int i,
			     struct module_words *mw, config_warn_fn warn,
			     void *ctx, char *err, size_t errlen)
{
	const struct opt opts[] = {
		{ "dom", OPT_UINT, &mw->dom, .min = 0, .max = DOMID_MAX_BOOT },
		{ "mem", OPT_SIZE, &mw->mem, .min = DOMAIN_MEM_MIN },
		{ "role", OPT_CHOICE, &mw->role, .choices = roles },
		{ "cmdline", OPT_STRING, mw->cmdline,
		  .buflen = sizeof(mw->cmdline) },
		{ "vbd", OPT_STRING, mw->vbd, .buflen = sizeof(mw->vbd) },
		{ "vif", OPT_STRING, mw->vif, .buflen = sizeof(mw->vif) },
	};
	const char *line = skip_path(bi->mods[i].cmdline);
	struct cmdline_word w;
	char why[160];
	int rc;

	memset(mw, 0, sizeof(*mw));
	while ((rc = cmdline_next(&line, &w, why, sizeof(why))) > 0) {
		rc =
		    cmdline_apply(&w, opts, ARRAY_SIZE(opts), why, sizeof(why));
		if (rc < 0)
			break;
		if (rc == 0 && warn)
			warn(ctx, i, w.name);
		mw->has_dom |= !strcmp(w.name, "dom");
		mw->has_mem |= !strcmp(w.name, "mem");
		mw->has_cmdline |= !strcmp(w.name, "cmdline");
		mw->has_vbd |= !strcmp(w.name, "vbd");
		mw->has_vif |= !strcmp(w.name, "vif");
	}
	if (rc < 0) {
		snprintf(err, errlen, "module %u: %s", i, why);
		return -1;
	}
	return check_module_words(bi, i, mw, err, errlen);
}

static struct domain_config *find_or_add(struct boot_domains *out,
					 uint16_t domid)
{
	unsigned int d;

	for (d = 0; d < out->nr; d++)
		if (out->dom[d].domid == domid)
			return &out->dom[d];
	if (out->nr == MAX_BOOT_DOMAINS)
		return NULL;
	out->dom[out->nr] = (struct domain_config){
		.domid = domid,
		.mem_bytes = DOMAIN_MEM_DEFAULT,
		.kernel_mod = NO_MODULE,
		.ramdisk_mod = NO_MODULE,
	};
	return &out->dom[out->nr++];
}

static int add_module(struct boot_domains *out, unsigned int i,
		      const struct module_words *mw, char *err, size_t errlen)
{
	struct domain_config *d = find_or_add(out, (uint16_t)mw->dom);
	int *slot;

	if (!d) {
		snprintf(err, errlen, "module %u: more than %d domains", i,
			 MAX_BOOT_DOMAINS);
		return -1;
	}
	slot = mw->role == ROLE_KERNEL ? &d->kernel_mod : &d->ramdisk_mod;
	if (*slot != NO_MODULE) {
		snprintf(err, errlen,
			 "module %u: domain %u already has a %s (module %d)", i,
			 d->domid, roles[mw->role], *slot);
		return -1;
	}
	*slot = (int)i;
	if (mw->role == ROLE_KERNEL) {
		if (mw->has_mem)
			d->mem_bytes = mw->mem;
		strlcpy(d->cmdline, mw->cmdline, sizeof(d->cmdline));
		d->has_vbd = mw->has_vbd;
		if (mw->has_vbd && vbd_parse(mw->vbd, &d->vbd, err + 0, errlen))
			return -1;
		d->has_vif = mw->has_vif;
		if (mw->has_vif && vif_parse(mw->vif, &d->vif, err, errlen))
			return -1;
	}
	return 0;
}

static int add_disk(struct boot_domains *out, unsigned int i, char *err,
		    size_t errlen)
{
	if (out->nr_disks == MAX_BOOT_DISKS) {
		snprintf(err, errlen, "module %u: more than %d disks", i,
			 MAX_BOOT_DISKS);
		return -1;
	}
	out->disk_mod[out->nr_disks++] = (int)i;
	return 0;
}

int domain_config_parse(const struct boot_info *bi, struct boot_domains *out,
			config_warn_fn warn, void *ctx, char *err,
			size_t errlen)
{
	struct module_words mw;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < bi->nr_mods; i++) {
		if (parse_module_line(bi, i, &mw, warn, ctx, err, errlen))
			return -1;
		if (mw.role == ROLE_DISK ? add_disk(out, i, err, errlen)
					 : add_module(out, i, &mw, err, errlen))
			return -1;
	}
	for (i = 0; i < out->nr; i++) {
		if (out->dom[i].kernel_mod == NO_MODULE) {
			snprintf(err, errlen,
				 "domain %u has no kernel module (only a "
				 "ramdisk)",
				 out->dom[i].domid);
			return -1;
		}
	}
	return 0;
}
