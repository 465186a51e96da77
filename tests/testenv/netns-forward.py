#!/usr/bin/env python3
"""netns-forward.py - TCP forwarder from the host network namespace into another one.

Usage: netns-forward.py LISTEN_HOST LISTEN_PORT NETNS_PATH TARGET_HOST TARGET_PORT [PORT_FILE]

Binds LISTEN_HOST:LISTEN_PORT (0 = any free port) in the namespace it was started in (the
host's), then switches itself into the network namespace NETNS_PATH (e.g.
/run/netns/berth-node) with setns(2): the listening socket stays in the host namespace,
every socket made afterwards (the upstream connections) is made inside NETNS_PATH. So the
host reaches TARGET_HOST:TARGET_PORT inside the namespace without any interface, route or
firewall rule in the host. The bound port is written to PORT_FILE (atomically) once listening.
One process, one thread per direction per connection; exits on SIGTERM/SIGINT.
Python standard library only.
"""
import ctypes
import os
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if hasattr(os, "setns"):  # Python 3.12+
            os.setns(fd, CLONE_NEWNET)
        else:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e), path)
    finally:
        os.close(fd)


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client, target):
    try:
        upstream = socket.create_connection(target, timeout=10)
        upstream.settimeout(None)
    except OSError as e:
        print(f"netns-forward: connect {target[0]}:{target[1]}: {e}", file=sys.stderr, flush=True)
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    t.start()
    pump(client, upstream)
    t.join()
    client.close()
    upstream.close()


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    lhost, lport, netns, thost, tport = sys.argv[1:6]
    port_file = sys.argv[6] if len(sys.argv) == 7 else None
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lhost, int(lport)))
    ls.listen(128)
    setns(netns)  # from here on, new sockets live in the target namespace
    port = ls.getsockname()[1]
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, port_file)
    print(f"netns-forward: {lhost}:{port} -> {netns} {thost}:{tport}", file=sys.stderr, flush=True)
    target = (thost, int(tport))
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c, target), daemon=True).start()


if __name__ == "__main__":
    main()
