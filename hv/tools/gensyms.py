#!/usr/bin/env python3
"""Generate the backtrace symbol table (an assembly file) from `nm -n`.

Only text symbols are listed, so linking the table into pvx.elf (as the
last loaded section, see arch/x86/pvx.ld.S) moves none of them.
Usage: gensyms.py [NM_OUTPUT] > syms.S   (no argument: an empty table)
"""
import sys


def text_symbols(lines):
    """One name per address; of aliases, the one without a leading
    underscore (start64_high rather than the linker-script _stext)."""
    best = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in ("T", "t"):
            continue
        addr, name = int(parts[0], 16), parts[2]
        if name.startswith(".L"):
            continue
        if addr not in best or (best[addr].startswith("_") and not name.startswith("_")):
            best[addr] = name
    return best.items()


def main() -> None:
    syms = []
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            syms = sorted(text_symbols(f))
    out = ['\t.section .syms, "a"', "\t.balign 8"]
    out.append("\t.globl hv_syms_count\nhv_syms_count:\n\t.quad %d" % len(syms))
    out.append("\t.globl hv_syms_addrs\nhv_syms_addrs:")
    out += ["\t.quad 0x%x" % a for a, _ in syms]
    out.append("\t.globl hv_syms_offs\nhv_syms_offs:")
    off = 0
    for _, name in syms:
        out.append("\t.long %d" % off)
        off += len(name) + 1
    out.append("\t.globl hv_syms_names\nhv_syms_names:")
    out += ['\t.asciz "%s"' % name for _, name in syms]
    out.append("\t.byte 0")
    print("\n".join(out))


if __name__ == "__main__":
    main()
