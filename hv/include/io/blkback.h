/* The block backend: a domain's VBD served over Xen's blkif protocol. */
#ifndef HV_IO_BLKBACK_H
#define HV_IO_BLKBACK_H

struct domain;
struct vbd_config;

/* Gives d the VBD vbd as xvda (xenstore nodes, state InitWait); the
 * ring connects when the frontend says it is ready. 0 or negative errno
 * with the reason printed. */
int blkback_setup(struct domain *d, const struct vbd_config *vbd);
/* Runs ready device completions and serves the ring (also called before
 * the vCPU blocks, for devices that are polled). */
void blkback_poll(struct domain *d);

#endif
