"""The PVX harness: builds boot images, runs QEMU, runs tests and experiments.

Standard library only (Python 3.11). Module map:
  paths     where things are (repository, build outputs, cache)
  exitcodes the hypervisor's exit statuses, read from hv/include/public/pvx.h
  images    GRUB2 boot images (grub.cfg rendering, grub-mkrescue)
  qemu      the one place that starts QEMU; accelerator probing
  console   console stream filtering and logging
  boot      `pvx boot`
  testrun   `pvx test`: every suite, one summary line
  boottests the QEMU boot tests of the hypervisor
  cli       argument parsing
"""
