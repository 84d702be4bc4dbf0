/*
 * memcheck: a guest memory checker for PVX's memory-virtualization modes.
 *
 * Each round maps SIZE MiB of anonymous memory, writes a pattern that
 * names the round and the page into every page, forks, and checks that
 * the child sees exactly the parent's data; the child then overwrites
 * every 8th page of its copy, and the parent checks that its own pages did not change
 * (copy-on-write kept them apart). It also write-protects and
 * re-enables the area (mprotect) and unmaps it. Any mismatch prints the
 * page, expected and found words, and exits 1.
 *
 * Usage: memcheck SIZE_MIB ROUNDS     prints "memcheck: ok ..." on success
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u

static uint64_t word(unsigned int round, size_t page, unsigned int who)
{
	return ((uint64_t)who << 56) ^ ((uint64_t)round << 40) ^ (page * 0x9e3779b97f4a7c15ull);
}

static void fill(uint64_t *p, size_t pages, unsigned int round, unsigned int who)
{
	for (size_t i = 0; i < pages; i++) {
		p[i * (PAGE / 8)] = word(round, i, who);
		p[i * (PAGE / 8) + PAGE / 8 - 1] = ~word(round, i, who);
	}
}

static int verify(const uint64_t *p, size_t pages, unsigned int round,
		  unsigned int who, const char *as)
{
	for (size_t i = 0; i < pages; i++) {
		uint64_t want = word(round, i, who);
		uint64_t a = p[i * (PAGE / 8)], b = p[i * (PAGE / 8) + PAGE / 8 - 1];

		if (a != want || b != ~want) {
			printf("memcheck: FAIL (%s) round %u page %zu: expected %016llx got %016llx/%016llx\n",
			       as, round, i, (unsigned long long)want,
			       (unsigned long long)a, (unsigned long long)~b);
			return 1;
		}
	}
	return 0;
}

/* The child writes every 8th page only, so the copies copy-on-write
 * makes stay small (the guest may have little more than SIZE free). */
#define CHILD_STRIDE 8

static int child(uint64_t *p, size_t pages, unsigned int round)
{
	if (verify(p, pages, round, 1, "child sees parent"))
		return 1;
	for (size_t i = 0; i < pages; i += CHILD_STRIDE)
		p[i * (PAGE / 8)] = word(round, i, 2);
	for (size_t i = 0; i < pages; i += CHILD_STRIDE)
		if (p[i * (PAGE / 8)] != word(round, i, 2)) {
			printf("memcheck: FAIL (child's own copy) page %zu\n", i);
			return 1;
		}
	return 0;
}

static int one_round(size_t pages, unsigned int round)
{
	size_t len = pages * PAGE;
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status, bad;
	pid_t pid;

	if (p == MAP_FAILED) {
		perror("memcheck: mmap");
		return 1;
	}
	fill(p, pages, round, 1);
	pid = fork();
	if (pid < 0) {
		perror("memcheck: fork");
		return 1;
	}
	if (pid == 0)
		_exit(child(p, pages, round));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	bad = verify(p, pages, round, 1, "parent after child wrote");
	if (!bad && (mprotect(p, len, PROT_READ) || mprotect(p, len, PROT_READ | PROT_WRITE)))
		bad = 1;
	if (!bad)
		bad = verify(p, pages, round, 1, "after mprotect");
	munmap(p, len);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	unsigned int rounds = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 2;
	size_t pages = mib * (1024 * 1024 / PAGE);

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned int r = 0; r < rounds; r++)
		if (one_round(pages, r))
			return 1;
	printf("memcheck: ok %u rounds of %lu MiB (map, touch, fork, verify, COW, mprotect, unmap)\n",
	       rounds, mib);
	return 0;
}
