#!/usr/bin/env python3
# A DHCP client as address-less firmware is: a UDP socket on port 68 of an interface with no IPv4
# address, which the kernel hands only replies to the limited broadcast (255.255.255.255) or to the
# offered address. Sends one DISCOVER (x86-64 UEFI, arch 7) and prints the OFFER: yiaddr and file.
# usage: dhcp-discover.py INTERFACE MAC [TIMEOUT_SECONDS]
import os
import socket
import struct
import sys

interface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
xid = os.getpid() & 0xFFFFFFFF
header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, bytes(4), bytes(4), bytes(4), bytes(4), mac.ljust(16, b"\0"), bytes(64), bytes(128))
options = b"\x63\x82\x53\x63" + bytes([53, 1, 1]) + bytes([93, 2, 0, 7]) + bytes([60, 9]) + b"PXEClient" + bytes([55, 3, 1, 3, 67, 255])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
sock.bind(("0.0.0.0", 68))
sock.settimeout(timeout)
sock.sendto(header + options, ("255.255.255.255", 67))
while True:
    try:
        data, _ = sock.recvfrom(2048)
    except socket.timeout:
        print("no offer")
        sys.exit(1)
    if len(data) >= 240 and struct.unpack("!I", data[4:8])[0] == xid:
        yiaddr = socket.inet_ntoa(data[16:20])
        file = data[108:236].split(b"\0", 1)[0].decode("latin1")
        print(f"offer {yiaddr} file {file}")
        sys.exit(0)
