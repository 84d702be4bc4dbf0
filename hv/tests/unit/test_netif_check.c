/* Host tests of io/netif_check.c: what the network backend refuses on a
 * frontend's transmit ring before any grant is taken. */
#include <string.h>
#include <io/netif_check.h>
#include "test.h"

static struct netif_tx_request slot(uint16_t off, uint16_t size)
{
	struct netif_tx_request r;

	memset(&r, 0, sizeof(r));
	r.offset = off;
	r.size = size;
	return r;
}

static void test_single_and_multi_slot(void)
{
	struct netif_tx_request r[3] = { slot(100, 1514) };
	unsigned int first = 0;

	CHECK_EQ(netif_tx_check(r, 1, 1514, &first), NETIF_TX_OK);
	CHECK_EQ(first, 1514);
	/* 9014 bytes over three slots: 4096 - 2000 in the first. */
	r[0] = slot(2000, 9014);
	r[1] = slot(0, 4096);
	r[2] = slot(0, 9014 - 4096 - 2096);
	CHECK_EQ(netif_tx_check(r, 3, 12000, &first), NETIF_TX_OK);
	CHECK_EQ(first, 2096);
}

static void test_bad_packets(void)
{
	struct netif_tx_request r[NETIF_TX_MAX_SLOTS + 1];
	unsigned int i, first;

	for (i = 0; i <= NETIF_TX_MAX_SLOTS; i++)
		r[i] = slot(0, 10);
	r[0] = slot(0, 1000);
	CHECK_EQ(netif_tx_check(r, NETIF_TX_MAX_SLOTS + 1, 9000, &first),
		 NETIF_TX_TOO_MANY_SLOTS);
	CHECK_EQ(netif_tx_check(r, 0, 9000, &first), NETIF_TX_TOO_MANY_SLOTS);
	r[0] = slot(0, 13);
	CHECK_EQ(netif_tx_check(r, 1, 9000, &first), NETIF_TX_RUNT);
	r[0] = slot(0, 1515);
	CHECK_EQ(netif_tx_check(r, 1, 1514, &first), NETIF_TX_OVERSIZE);
	/* The first slot's share runs past its page. */
	r[0] = slot(4000, 200);
	CHECK_EQ(netif_tx_check(r, 1, 9000, &first), NETIF_TX_CROSSES_PAGE);
	/* A later slot runs past its page. */
	r[0] = slot(0, 3000);
	r[1] = slot(4095, 2);
	CHECK_EQ(netif_tx_check(r, 2, 9000, &first), NETIF_TX_CROSSES_PAGE);
	/* Later slots claim more than the total: no wrap-around. */
	r[0] = slot(0, 100);
	r[1] = slot(0, 101);
	CHECK_EQ(netif_tx_check(r, 2, 9000, &first), NETIF_TX_BAD_SIZES);
	r[1] = slot(0xffff, 0xffff);
	CHECK_EQ(netif_tx_check(r, 2, 9000, &first), NETIF_TX_CROSSES_PAGE);
	CHECK_STR(netif_tx_reason(NETIF_TX_OVERSIZE), "oversized");
}

int main(void)
{
	RUN(test_single_and_multi_slot);
	RUN(test_bad_packets);
	return TEST_DONE();
}
