# PVX: a paravirtualizing x86-64 hypervisor and the reproduction package
# for "Xen and the Art of Virtualization" (SOSP 2003). See README.md.
#
#   make               build the hypervisor (hv/pvx.elf)
#   make test          every test suite; ends with "N passed, N failed"
#   make run           boot the hypervisor alone in QEMU
#   make deps          install the Debian packages the project needs
#
# Every target depends on deps, so a fresh Debian 12 machine needs no
# manual step. deps is quiet and quick when everything is installed.

PYTHON ?= python3
PVX    := $(PYTHON) harness/pvx

# Debian packages, by what needs them.
DEPS_BUILD   := build-essential gcc make binutils libxen-dev clang-format python3
DEPS_BOOT    := qemu-system-x86 grub-pc-bin grub-common xorriso mtools
DEPS_GUEST   := busybox-static cpio xz-utils gzip zstd e2fsprogs
# Headers of Debian's current kernel (the stock guest): the hostile
# test module guests/kmods/ptattack.c is built against them.
DEPS_KMOD    := linux-headers-amd64
DEPS_KERNEL  := bc bison flex libelf-dev libssl-dev dwarves kmod rsync ccache
DEPS_WORK    := iperf3 fio gnuplot-nox iproute2
DEPS         := $(DEPS_BUILD) $(DEPS_BOOT) $(DEPS_GUEST) $(DEPS_KMOD) $(DEPS_KERNEL) $(DEPS_WORK)

all: hv

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' $(DEPS) 2>/dev/null \
		| awk '$$2 == "ii" {print $$1}' | sort | comm -13 - $$(printf '%s\n' $(DEPS) | sort > .deps.want; echo .deps.want)); \
	rm -f .deps.want; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

hv: deps
	@$(MAKE) -s -C hv

test: deps hv
	@$(PVX) test

# The patched guest kernel (guests/linux): cached under $PVX_CACHE/linux,
# so an unchanged second run does no work.
guests: deps
	@$(PYTHON) guests/linux/build.py

run: deps hv
	$(PVX) boot hv --hv-args "selftest"

# The main job: the quick set of harness/experiments/sets.toml (SOSP'03
# Tables 3-5 on native Linux, PVX and Debian's Xen 4.17; batching; the
# memory modes), then every report under paper/. Resumable: run it again
# after an interruption and it continues; run it again after it finished
# and it only rewrites the reports (`harness/pvx reproduce --new` starts
# over). `reproduce` is the full-length set.
reproduce-quick: deps hv
	@$(PVX) reproduce --quick

reproduce: deps hv
	@$(PVX) reproduce --full

HV_C_FILES = $(shell find hv -name '*.[ch]' -not -path 'hv/build/*' | sort)

format:
	clang-format -i $(HV_C_FILES)

format-check:
	@clang-format --dry-run -Werror $(HV_C_FILES)

clean:
	$(MAKE) -s -C hv clean
	rm -rf build

.PHONY: all deps hv test run guests reproduce-quick reproduce format format-check clean
