/*
 * lmb-hello: the program exec_proc and sh_proc start, after lmbench's
 * hello.c.  It writes one line and exits; the benchmark closes its stdout
 * first, so the write fails and nothing is printed.
 */
#include <unistd.h>

int main(void)
{
	ssize_t rc = write(1, "Hello world\n", 12);

	(void)rc;
	return 0;
}
