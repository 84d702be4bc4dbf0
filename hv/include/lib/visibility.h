/*
 * Included first in every hypervisor file (-include, see hv/Makefile).
 * The hypervisor is one static image built -fpie (include/arch/x86/
 * layout.h says why); marking every symbol hidden, declarations
 * included, makes GCC address all of them RIP-relative instead of
 * through a GOT the static link would have to relax to absolute
 * addresses, which do not fit in 32 bits in the canonical hole.
 */
#pragma GCC visibility push(hidden)
