/*
 * virtio-net NICs on PCI (drivers/virtio_net.c): each becomes a struct
 * netdev the network backend uses.
 */
#ifndef HV_DRIVERS_VIRTIO_NET_H
#define HV_DRIVERS_VIRTIO_NET_H

/* Finds the transitional virtio-net PCI functions (after pci_init),
 * brings each up with its receive queue filled, routes its interrupt and
 * registers it as a netdev. */
void virtio_net_init(void);

#endif
