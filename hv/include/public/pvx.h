/*
 * PVX additions to the Xen guest ABI, and the contract with the harness.
 *
 * Exit status: when the hypervisor stops, it writes one of these codes to
 * QEMU's isa-debug-exit device (I/O port 0xf4); QEMU then exits with
 * (code << 1) | 1, and harness/pvxlib/qemu.py maps it back. Keep the two
 * lists in sync (the harness unit tests parse this header to check).
 */
#ifndef HV_PUBLIC_PVX_H
#define HV_PUBLIC_PVX_H

#define PVX_DEBUG_EXIT_PORT 0xf4

#define PVX_EXIT_OK	      0 /* all domains powered off, or nothing to run */
#define PVX_EXIT_PANIC	      1 /* hypervisor panic (internal error) */
#define PVX_EXIT_HV_FAULT     2 /* unexpected exception in the hypervisor */
#define PVX_EXIT_CONFIG	      3 /* bad command line, module line or boot info */
#define PVX_EXIT_GUEST_CRASH  4 /* a domain crashed */
#define PVX_EXIT_GUEST_REBOOT 5 /* a domain asked for a reboot */
#define PVX_EXIT_SELFTEST     6 /* a boot-time self-test failed */
#define PVX_EXIT_NOMEM	      7 /* out of memory while building */

#endif
