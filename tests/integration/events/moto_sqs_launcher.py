"""Starts moto's server on a free loopback port for the events integration tests.

Prints one line on stdout, then serves until its stdin is closed:
  READY <port>
or
  FAIL <reason>          (the test fails on it: moto is installed on every machine that runs it)
Queues are created by the tests themselves through the SQS JSON protocol.
"""
import logging
import sys


def main() -> int:
    try:
        from moto.server import ThreadedMotoServer
    except Exception as e:  # pragma: no cover - environment dependent
        print(f"FAIL moto is not importable: {e}", flush=True)
        return 0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print("READY", port, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
