"""Starts the awsmp-emulator binary on an ephemeral port and waits for its ready line.

Shared by the SDK interop tests: the emulator is a separate process, as users run it.
"""
import os
import select
import signal
import subprocess
import tempfile
import time


class EmulatorProcess:
    """A running awsmp-emulator; use as a context manager (SIGTERM and wait on exit)."""

    def __init__(self, binary, *extra_args, ready_timeout=30.0):
        self.ca_dir = tempfile.TemporaryDirectory(prefix="awsmp-interop-")
        self.ca_file = os.path.join(self.ca_dir.name, "ca.pem")
        args = [binary, "--port", "0", "--ca-file", self.ca_file, *extra_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.endpoint = None
        deadline = time.monotonic() + ready_timeout
        line = ""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        fields = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f) if line.startswith("awsmp-emulator ready") else {}
        if "endpoint" not in fields:
            self.stop()
            raise RuntimeError("awsmp-emulator did not get ready: %r %s" % (line, self.proc.stderr.read()))
        self.endpoint = fields["endpoint"]
        if fields.get("ca_file") not in (self.ca_file, "-"):
            raise RuntimeError("unexpected CA path in ready line: %r" % line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.ca_dir.cleanup()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
