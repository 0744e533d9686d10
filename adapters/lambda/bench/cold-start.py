#!/usr/bin/env python3
"""Cold start of the `bootstrap` binary: time from process spawn to its first
`GET /2018-06-01/runtime/invocation/next`, with the example manifests loaded and compiled.

A tiny fake Lambda Runtime API (loopback, one thread per connection) records when the first
`/next` arrives and never answers it; the process is then killed. Repeats N times per role and
prints min / median / p90 in milliseconds.

Also reports the CPU time (user + system) the process used until then, from its rusage after
the kill: it blocks on `/next`, so that is its cold-start work, and unlike wall time it does not
grow when other processes compete for the cores.

Usage: cold-start.py BOOTSTRAP [N]
"""

import http.server
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
LAMBDA = ROOT / "adapters" / "lambda"


class Api(http.server.BaseHTTPRequestHandler):
    first_next = None
    seen = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.endswith("/runtime/invocation/next"):
            if Api.first_next is None:
                Api.first_next = time.perf_counter()
            Api.seen.set()
            # Long-poll forever, as the real API does with no work; the process gets killed.
            time.sleep(5)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def manifests_dir() -> pathlib.Path:
    """The example manifests: both Terraform examples, plus the fixtures' log sensor."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="tripline-cold-"))
    files = sorted((ROOT / "infra/terraform/examples").glob("*/manifests/*.yaml"))
    files.append(LAMBDA / "tests/fixtures/manifests/sensor.yaml")
    for i, f in enumerate(files):
        shutil.copy(f, d / f"{i}-{f.name}")
    return d


def run(binary: str, env: dict, n: int) -> list:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    base = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "tripline",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "cold",
        "AWS_LAMBDA_LOG_GROUP_NAME": "cold",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_SESSION_TOKEN": "x",
        "TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN": "s3cret",
        "RUST_LOG": "warn",
    }
    base.update(env)
    times = []
    cpu = []
    for _ in range(n):
        Api.first_next = None
        Api.seen.clear()
        start = time.perf_counter()
        p = subprocess.Popen([binary], env=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if not Api.seen.wait(10):
            p.kill()
            out = p.communicate()[0].decode(errors="replace")
            raise SystemExit(f"no /next within 10 s; output:\n{out}")
        times.append((Api.first_next - start) * 1000)
        p.kill()
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = -9
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
    server.shutdown()
    return times, cpu


def report(name: str, result: tuple) -> None:
    t, cpu = sorted(result[0]), sorted(result[1])
    p90 = t[min(len(t) - 1, int(len(t) * 0.9))]
    print(f"{name}: n={len(t)} wall min={t[0]:.2f} median={statistics.median(t):.2f} "
          f"p90={p90:.2f} ms; cpu median={statistics.median(cpu):.2f} ms")


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    d = manifests_dir()
    try:
        routes = '{"webhook/deploy":["https://sqs.us-east-1.amazonaws.com/123456789012/q"]}'
        report("source", run(binary, {"TRIPLINE_ROLE": "source", "TRIPLINE_MANIFESTS": str(d),
                                      "TRIPLINE_ROUTES": routes,
                                      "TRIPLINE_CLAIM_BUCKET": "claims"}, n))
        report("sensor deploy-requests (http trigger)",
               run(binary, {"TRIPLINE_ROLE": "sensor", "TRIPLINE_MANIFESTS": str(d),
                            "TRIPLINE_SENSOR": "deploy-requests", "TRIPLINE_STATE_BUCKET": "state"}, n))
        report("sensor notify (log trigger)",
               run(binary, {"TRIPLINE_ROLE": "sensor", "TRIPLINE_MANIFESTS": str(d),
                            "TRIPLINE_SENSOR": "notify"}, n))
        report("sensor thumbnails (awsLambda trigger)",
               run(binary, {"TRIPLINE_ROLE": "sensor", "TRIPLINE_MANIFESTS": str(d),
                            "TRIPLINE_SENSOR": "thumbnails", "TRIPLINE_STATE_BUCKET": "state"}, n))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
