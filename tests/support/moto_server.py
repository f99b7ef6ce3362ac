"""Starts moto's server (DynamoDB and every other moto service) on a free loopback port for
one test fixture.

Prints exactly one line on stdout:
  READY <port>
or
  MISSING <reason>
then serves until its stdin is closed (the fixture closes it to stop the server).

moto's server answers every connection on a thread of its own, but moto's backends are not
thread-safe: an UpdateItem that creates an item first stores it with its key alone and sets the
attributes afterwards, and a cancelled TransactWriteItems restores a deep copy of every table it
named, so a concurrent request can read a half-written item, lose a write that was acknowledged,
or fail with "dictionary changed size during iteration" (seen in the fleet tests). DynamoDB
itself applies each write atomically, so start_serialized() runs one request at a time through
moto; connections still have their own threads (keep-alive needs them), and a request's body is
read before the lock is taken, so a client that stalls mid-request holds up only itself. An SQS
ReceiveMessage is the one exception: moto long-polls by sleeping inside the request, and a
SendMessage must be able to end that wait.
Other launchers (tests/interop/moto, benchmarks/) import start_serialized() from here.
"""
import io
import logging
import sys
import threading


def waits(environ, body: bytes) -> bool:
    """True for an SQS ReceiveMessage (JSON or query protocol), which may wait for messages."""
    return environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.ReceiveMessage" or b"Action=ReceiveMessage" in body


def start_serialized(ip_address: str = "127.0.0.1"):
    """Starts moto on a free port of ip_address; returns (server, port). Raises ImportError
    when moto's server is not installed."""
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        if length:
            body = stream.read(int(length))
        elif environ.get("wsgi.input_terminated"):
            body = stream.read()  # chunked: werkzeug ends the stream at the last chunk
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if waits(environ, body):
            return app(environ, start_response)
        with lock:
            result = app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return [payload]

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log in the test output
    server = make_server(ip_address, 0, one_at_a_time, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def main() -> int:
    try:
        server, port = start_serialized()
    except Exception as e:  # environment dependent
        print(f"MISSING moto's server is not importable ({type(e).__name__}: {e})", flush=True)
        return 0
    print("READY", port, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
