"""A minimal DynamoDB-shaped HTTP/1.1 server on loopback for measuring client CPU per call.

It keeps connections alive (unlike moto, which closes every one) and answers at once with canned
DynamoDB JSON: PutItem -> {}, GetItem -> the item the benchmarks write, DescribeTable -> a
pk (S) / sk (N) table, CreateTable -> the same description. It stores nothing and checks no
signature: it exists so that the server is neither the bottleneck nor the cause of reconnects,
and both clients under test see identical answers.

Prints exactly one line on stdout, READY <port>, then serves until its stdin is closed.
"""
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEM = {
    "pk": {"S": "customer-1"}, "sk": {"N": "1"}, "dimension": {"S": "tokens_1m"},
    "quantity": {"N": "1001"}, "hour": {"N": "1764003600"}, "instance": {"S": "instance-a"},
    "sealed": {"BOOL": False},
    "license_arn": {"S": "arn:aws:license-manager::123456789012:license:l-0123456789abcdef"},
    "account": {"S": "123456789012"}, "tags": {"SS": ["a", "b"]},
}


def table(name):
    return {"TableName": name, "TableStatus": "ACTIVE", "ItemCount": 0,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        op = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        status = "200 OK"
        if op == "PutItem":
            answer = b"{}"
        elif op == "GetItem":
            answer = GET_ANSWER
        elif op in ("DescribeTable", "CreateTable"):
            name = json.loads(body).get("TableName", "bench")
            answer = json.dumps({"Table" if op == "DescribeTable" else "TableDescription": table(name)}).encode()
        else:
            status = "400 Bad Request"
            answer = json.dumps({"__type": "com.amazon.coral.validate#ValidationException",
                                 "message": f"loopback_dynamodb does not serve {op}"}).encode()
        # Headers and body in one write: separate small writes would meet the client's delayed
        # ACK (40 ms per call) and measure TCP, not the client.
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.0\r\n"
                         f"x-amzn-RequestId: loopback\r\nContent-Length: {len(answer)}\r\n\r\n".encode() + answer)

    def log_message(self, *args):  # no access log
        pass


GET_ANSWER = json.dumps({"Item": ITEM}).encode()


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY", server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
