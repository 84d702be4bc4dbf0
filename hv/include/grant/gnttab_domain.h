/*
 * A domain's grant table inside the hypervisor: the table of
 * grant/grant_table.c over real frames (grant/gnttab_domain.c), and
 * where the domain keeps it.
 */
#ifndef HV_GRANT_GNTTAB_DOMAIN_H
#define HV_GRANT_GNTTAB_DOMAIN_H

struct domain;
struct grant_table;

/*
 * The domain's table, provided by the domain code (e.g. `return
 * &d->grant_table;` with a struct grant_table member in struct domain,
 * zeroed by domain_create). NULL, or a table gnttab_domain_init has not
 * set up (max_frames 0), makes the hypercall answer -ENOSYS, and Linux
 * then runs without grant tables (no PV block or network devices).
 */
struct grant_table *domain_grant_table(struct domain *d);

/* Set up d's table (GNTTAB_MAX_FRAMES at most, one frame now); call
 * after the domain's frame-table ownership exists. 0 or -XEN_ENOMEM. */
int gnttab_domain_init(struct domain *d);

#endif
