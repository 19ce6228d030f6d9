"""How many feed requests per second does `rota serve` answer, and how fast? A bounded load on loopback.

Generates the example team's home with 2027Q1 and 2027Q2, starts `rota serve` on it on a free loopback port, then
`--clients` concurrent clients (keep-alive connections; a minimal HTTP/1.1 client on asyncio) share `--requests`
GETs spread over every feed with its token, as calendar clients poll: most fetch the whole feed, every fourth
revalidates with If-None-Match (a 304). Prints requests/second, p50/p99 latency and errors, writes
results/feeds_load.json, and stops the server.

    uv run python benchmarks/feeds_load.py [--clients 50] [--requests 5000]

Client and server share the machine: on 2 cores the figures are a floor for the server, not its ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.common import print_table, write_json

ROOT = Path(__file__).resolve().parent.parent
TEAM_FILE = ROOT / "examples" / "team.yaml"
ROTA = Path(sys.executable).parent / "rota"
READY_TRIES = 100  # x 0.1 s
REVALIDATE_EVERY = 4  # every fourth request is a conditional GET, as a polling calendar client sends


@dataclass(frozen=True)
class Target:
    path: str  # with its ?token=
    etag: str


@dataclass
class Outcome:
    latencies_s: list[float]
    statuses: Counter[int | str]
    wall_s: float


@contextmanager
def served_rota() -> Iterator[tuple[str, Path]]:
    """A generated rota served by a real `rota serve` process; yields its base URL, stops it afterwards."""
    with tempfile.TemporaryDirectory(prefix="feeds-load-") as scratch:
        rota_dir = Path(scratch) / "payments"  # the example's home: its team file and two quarters beside it
        rota_dir.mkdir()
        shutil.copyfile(TEAM_FILE, rota_dir / "team.yaml")
        for quarter in ("2027Q1", "2027Q2"):
            generate = [ROTA, "generate", rota_dir, "--quarter", quarter, "--now", "2026-12-01", "-q"]
            subprocess.run(generate, check=True)
        port = _free_port()
        with open(Path(scratch) / "server.log", "wb") as log:
            process = subprocess.Popen([ROTA, "serve", rota_dir, "--port", str(port)], stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(process, base)
            yield base, rota_dir
        finally:
            process.terminate()
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(READY_TRIES):
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            process.wait(timeout=0.1)  # paces the tries and notices a server that died
        except subprocess.TimeoutExpired:
            continue
        raise SystemExit(f"rota serve exited with {process.returncode}")
    raise SystemExit("rota serve did not answer /healthz")


def targets(base: str, rota_dir: Path) -> list[Target]:
    tokens: dict[str, str] = json.loads((rota_dir / "feed-tokens.json").read_text())["tokens"]
    found = []
    for feed, token in sorted(tokens.items()):
        path = f"/calendar/{feed}.ics?token={token}"
        found.append(Target(path, httpx.get(base + path).headers["etag"]))
    return found


async def load(port: int, feeds: list[Target], clients: int, requests: int) -> Outcome:
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    issued = iter(range(requests))  # shared: each request number is taken by exactly one client

    async def client() -> None:
        connection = await Connection.open(port)
        try:
            for n in issued:
                target = feeds[n % len(feeds)]
                conditional = f"If-None-Match: {target.etag}\r\n" if n % REVALIDATE_EVERY == 0 else ""
                started = time.perf_counter()
                try:
                    statuses[await connection.get(target.path, conditional)] += 1
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    statuses[type(error).__name__] += 1
                    connection = await Connection.open(port)
                latencies.append(time.perf_counter() - started)
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Outcome(latencies, statuses, time.perf_counter() - started)


@dataclass
class Connection:
    """A bare keep-alive HTTP/1.1 client on asyncio streams. httpx's pool costs ~10 ms a request at 50
    connections on 2 cores, which would measure the client rather than the server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, path: str, extra_headers: str) -> int:
        """Send one GET, read the whole response; returns its status."""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next((int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.lower() == "content-length"), 0)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--requests", type=int, default=5000, help="requests in all (default 5000)")
    args = parser.parse_args()
    with served_rota() as (base, rota_dir):
        feeds = targets(base, rota_dir)
        outcome = asyncio.run(load(int(base.rsplit(":", 1)[1]), feeds, args.clients, args.requests))
    errors = sum(count for status, count in outcome.statuses.items() if status not in (200, 304))
    cuts = statistics.quantiles(outcome.latencies_s, n=100)
    result = {
        "clients": args.clients,
        "requests": len(outcome.latencies_s),
        "feeds": len(feeds),
        "requests_per_s": round(len(outcome.latencies_s) / outcome.wall_s, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "max_ms": round(max(outcome.latencies_s) * 1000, 2),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items(), key=str)},
        "wall_s": round(outcome.wall_s, 3),
        "cpus": os.cpu_count(),
    }
    print_table(
        f"rota serve on loopback: {args.clients} clients, {result['requests']} requests over {len(feeds)} feeds",
        ["requests/s", "p50 ms", "p99 ms", "max ms", "errors", "200", "304"],
        [
            [
                result["requests_per_s"],
                result["p50_ms"],
                result["p99_ms"],
                result["max_ms"],
                errors,
                outcome.statuses[200],
                outcome.statuses[304],
            ]
        ],
    )
    write_json("feeds_load.json", result)
    if errors:
        raise SystemExit(f"{errors} requests failed")


if __name__ == "__main__":
    main()
