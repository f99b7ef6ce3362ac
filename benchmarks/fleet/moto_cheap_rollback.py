"""moto's server (as tests/support/moto_server.py starts it) with one change for large fleet
benchmarks: TransactWriteItems snapshots only the items it touches instead of deep-copying
every table it names.

moto 5 copies the whole table before each transaction so that it can roll back; with the fleet
table holding n items a seal costs O(n) and sealing n keys O(n^2) in the server (about 0.1 ms per
item on this machine: 1,000 keys already need minutes). The client's calls are the same either
way; this only lets the benchmark reach 100 k keys. Rollback keeps moto's semantics: when the
transaction is cancelled every item it touched is put back as it was (or removed when it did not
exist). Used by benchmarks/fleet/run.py --moto cheap-rollback; never by tests.

Prints exactly one line on stdout, READY <port> (or MISSING <reason>), then serves until stdin
is closed.
"""
import copy
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "support"))


def patch() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    local = threading.local()

    def table_deepcopy(self, memo):
        if getattr(local, "in_transaction", False):
            return self  # the wrapper below restores the touched items itself
        cls = self.__class__
        clone = cls.__new__(cls)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            setattr(clone, name, copy.deepcopy(value, memo))
        return clone

    Table.__deepcopy__ = table_deepcopy
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        snapshots = []
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                current = self.get_item(op["TableName"], key)
                before = copy.deepcopy(current.to_json()["Attributes"]) if current is not None else None
                snapshots.append((op["TableName"], key, before))
            except Exception:  # malformed entries: moto's own code reports them
                pass
        local.in_transaction = True
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(snapshots):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            raise
        finally:
            local.in_transaction = False

    DynamoDBBackend.transact_write_items = transact_write_items


def main() -> int:
    try:
        from moto_server import start_serialized
        patch()
        server, port = start_serialized()
    except Exception as e:  # environment dependent
        print(f"MISSING moto's server is not usable ({type(e).__name__}: {e})", flush=True)
        return 0
    print("READY", port, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
