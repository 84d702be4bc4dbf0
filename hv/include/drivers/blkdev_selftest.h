/* A data round trip through any struct blkdev (drivers/blkdev_selftest.c). */
#ifndef HV_DRIVERS_BLKDEV_SELFTEST_H
#define HV_DRIVERS_BLKDEV_SELFTEST_H

struct blkdev;

/* Writes a pattern over the last 8 sectors, reads it back, restores the
 * original contents, and checks that bad requests are refused; polls
 * for completions. Prints one line; 0 if everything passed. */
int blkdev_selftest(struct blkdev *dev);

#endif
