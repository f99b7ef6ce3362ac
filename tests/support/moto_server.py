"""Starts moto's server (DynamoDB and every other moto service) on a free loopback port for
one test fixture.

Prints exactly one line on stdout:
  READY <port>
or
  MISSING <reason>
then serves until its stdin is closed (the fixture closes it to stop the server).
"""
import logging
import sys


def main() -> int:
    try:
        from moto.server import ThreadedMotoServer
    except Exception as e:  # environment dependent
        print(f"MISSING moto's server is not importable ({type(e).__name__}: {e})", flush=True)
        return 0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log in the test output
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
