# SPDX-License-Identifier: Apache-2.0
"""Summarise Switchyard gateway access logs.

The gateway writes one line per request:

    2031-04-02T09:14:07.118Z 10.4.1.7 key:k-42 "GET /orders/17 HTTP/1.1" 200 1834 41.7ms up=depot-2 rl=pass

fields: timestamp (UTC, ISO 8601), client address, client key (or "-"), the request line, status,
response bytes, latency with its unit (us, ms or s), the upstream that served it (or "-" when the
gateway answered itself) and the rate-limit verdict (pass, deny or off).

The report answers the questions on-call asks first: which routes are slow, which fail, who is
being rate limited, and how much of the file could not be read at all. Routes are normalised
(numeric ids and UUIDs become placeholders) so that /orders/17 and /orders/18 count together.

Usage:
    python 02-log-parser.py access.log [more.log.gz ...] [--json] [--top 5] [--since ISO]
    python 02-log-parser.py --self-test
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import re
import sys
import unittest
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Iterator, TextIO

LINE = re.compile(
    r"^(?P<ts>\S+) (?P<addr>\S+) (?P<key>\S+) "
    r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/(?P<version>[0-9.]+)" '
    r"(?P<status>\d{3}) (?P<bytes>\d+|-) "
    r"(?P<latency>\d+(?:\.\d+)?)(?P<unit>us|ms|s) "
    r"up=(?P<upstream>\S+) rl=(?P<rl>pass|deny|off)$"
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
UNIT_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# Keep a few examples of unreadable lines: enough to diagnose a format change, never the whole file.
MAX_BAD_SAMPLES = 5


@dataclass(frozen=True)
class Entry:
    when: datetime
    address: str
    client: str
    method: str
    route: str
    status: int
    size: int
    latency_ms: float
    upstream: str
    verdict: str


def normalise_route(target: str) -> str:
    """Drop the query string and replace id-like path segments with placeholders.

    >>> normalise_route("/orders/17/lines/3?expand=sku")
    '/orders/{id}/lines/{id}'
    >>> normalise_route("/parcels/0b9e4c6a-1d2f-4c3b-9a8e-7f6d5c4b3a21")
    '/parcels/{uuid}'
    """
    path = target.split("?", 1)[0].split("#", 1)[0] or "/"
    parts = []
    for segment in path.split("/"):
        if segment.isdigit():
            parts.append("{id}")
        elif UUID.match(segment):
            parts.append("{uuid}")
        else:
            parts.append(segment)
    return "/".join(parts) or "/"


def parse_time(text: str) -> datetime:
    """Parse the gateway's timestamps, which always end in Z; Python 3.10 does not accept the Z."""
    if not text.endswith("Z"):
        raise ValueError(f"timestamp without a Z suffix: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)


def parse_line(line: str) -> Entry:
    match = LINE.match(line.rstrip("\r\n"))
    if match is None:
        raise ValueError("does not match the access-log format")
    g = match.groupdict()
    return Entry(
        when=parse_time(g["ts"]),
        address=g["addr"],
        client=g["key"],
        method=g["method"],
        route=normalise_route(g["target"]),
        status=int(g["status"]),
        size=0 if g["bytes"] == "-" else int(g["bytes"]),
        latency_ms=float(g["latency"]) * UNIT_TO_MS[g["unit"]],
        upstream=g["upstream"],
        verdict=g["rl"],
    )


def nearest_rank(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile: an observed value, never an interpolation between two."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class RouteStats:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def add(self, entry: Entry) -> None:
        self.requests += 1
        self.statuses[f"{entry.status // 100}xx"] += 1
        if entry.status >= 500:
            self.errors += 1
        self.latencies.append(entry.latency_ms)

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "requests": self.requests,
            "error_ratio": round(self.errors / self.requests, 4),
            "p50_ms": round(nearest_rank(ordered, 0.50), 2),
            "p95_ms": round(nearest_rank(ordered, 0.95), 2),
            "p99_ms": round(nearest_rank(ordered, 0.99), 2),
            "max_ms": round(ordered[-1], 2),
            "statuses": dict(sorted(self.statuses.items())),
        }


@dataclass
class Report:
    lines: int = 0
    bad_lines: int = 0
    bad_samples: list[str] = field(default_factory=list)
    skipped_before_since: int = 0
    first: datetime | None = None
    last: datetime | None = None
    routes: dict[str, RouteStats] = field(default_factory=lambda: defaultdict(RouteStats))
    denied_by_client: Counter = field(default_factory=Counter)
    by_upstream: Counter = field(default_factory=Counter)
    gateway_answers: int = 0

    def add_bad(self, source: str, number: int, line: str, reason: str) -> None:
        self.bad_lines += 1
        if len(self.bad_samples) < MAX_BAD_SAMPLES:
            shown = line.rstrip("\r\n")
            if len(shown) > 120:
                shown = shown[:117] + "..."
            self.bad_samples.append(f"{source}:{number}: {reason}: {shown}")

    def add(self, entry: Entry) -> None:
        self.first = entry.when if self.first is None else min(self.first, entry.when)
        self.last = entry.when if self.last is None else max(self.last, entry.when)
        key = f"{entry.method} {entry.route}"
        self.routes[key].add(entry)
        if entry.verdict == "deny":
            self.denied_by_client[entry.client] += 1
        if entry.upstream == "-":
            self.gateway_answers += 1
        else:
            self.by_upstream[entry.upstream] += 1

    def to_dict(self, top: int) -> dict:
        read = self.lines - self.bad_lines
        return {
            "lines": self.lines,
            "read": read,
            "unreadable": self.bad_lines,
            "unreadable_samples": self.bad_samples,
            "skipped_before_since": self.skipped_before_since,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "routes": {k: v.summary() for k, v in sorted(self.routes.items())},
            "slowest_routes": [k for k, _ in self.slowest(top)],
            "most_denied_clients": self.denied_by_client.most_common(top),
            "upstreams": dict(sorted(self.by_upstream.items())),
            "answered_by_gateway": self.gateway_answers,
        }

    def slowest(self, top: int) -> list[tuple[str, float]]:
        scored = [(k, nearest_rank(sorted(v.latencies), 0.95)) for k, v in self.routes.items()]
        scored.sort(key=lambda kv: (-kv[1], kv[0]))
        return scored[:top]


def open_log(path: str) -> TextIO:
    """Plain or gzip by magic number, not by name: rotated files are not always renamed."""
    raw = open(path, "rb")
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", errors="replace")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


def numbered(source: str, handle: Iterable[str]) -> Iterator[tuple[str, int, str]]:
    for number, line in enumerate(handle, start=1):
        yield source, number, line


def build_report(lines: Iterable[tuple[str, int, str]], since: datetime | None = None) -> Report:
    report = Report()
    for source, number, line in lines:
        if not line.strip():
            continue
        report.lines += 1
        try:
            entry = parse_line(line)
        except ValueError as err:
            report.add_bad(source, number, line, str(err))
            continue
        if since is not None and entry.when < since:
            report.skipped_before_since += 1
            continue
        report.add(entry)
    return report


def render_text(report: Report, top: int) -> str:
    out = []
    span = f"{report.first:%Y-%m-%d %H:%M:%S} to {report.last:%H:%M:%S} UTC" if report.first else "no entries"
    out.append(f"{report.lines} lines, {report.bad_lines} unreadable, {span}")
    if report.skipped_before_since:
        out.append(f"{report.skipped_before_since} entries before --since were skipped")
    out.append("")
    out.append(f"{'route':40} {'reqs':>7} {'err%':>6} {'p50':>8} {'p95':>8} {'p99':>8}")
    for key, stats in sorted(report.routes.items(), key=lambda kv: -kv[1].requests):
        s = stats.summary()
        out.append(
            f"{key[:40]:40} {s['requests']:>7} {100 * s['error_ratio']:>5.1f}% "
            f"{s['p50_ms']:>6.1f}ms {s['p95_ms']:>6.1f}ms {s['p99_ms']:>6.1f}ms"
        )
    if report.denied_by_client:
        out.append("")
        out.append("rate limited most often:")
        for client, count in report.denied_by_client.most_common(top):
            out.append(f"  {client:30} {count:>6}")
    if report.bad_samples:
        out.append("")
        out.append("unreadable lines (first few):")
        out.extend(f"  {s}" for s in report.bad_samples)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Summarise Switchyard gateway access logs.")
    parser.add_argument("files", nargs="*", help="log files, plain or gzip")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--top", type=int, default=5, help="how many clients and routes to list")
    parser.add_argument("--since", help="ignore entries before this ISO time (with Z)")
    parser.add_argument("--self-test", action="store_true", help="run the built-in tests")
    args = parser.parse_args(argv)
    if args.self_test:
        result = unittest.main(argv=["log-parser"], exit=False, verbosity=1).result
        return 0 if result.wasSuccessful() else 1
    if not args.files:
        parser.error("give at least one log file")
    if args.top < 1:
        parser.error("--top must be at least 1")
    try:
        since = parse_time(args.since) if args.since else None
    except ValueError as err:
        parser.error(f"--since: {err}")
    sources = []
    for path in args.files:
        try:
            sources.append((path, open_log(path)))
        except OSError as err:
            print(f"cannot open {path}: {err.strerror}", file=sys.stderr)
            return 2

    def all_lines() -> Iterator[tuple[str, int, str]]:
        for path, handle in sources:
            with handle:
                yield from numbered(path, handle)

    report = build_report(all_lines(), since)
    if args.json:
        print(json.dumps(report.to_dict(args.top), indent=2))
    else:
        print(render_text(report, args.top))
    # Exit 1 when more than one line in a hundred was unreadable: the format probably changed.
    return 1 if report.lines and report.bad_lines * 100 > report.lines else 0


GOOD = [
    '2031-04-02T09:14:07.118Z 10.4.1.7 key:k-42 "GET /orders/17 HTTP/1.1" 200 1834 41.7ms up=depot-2 rl=pass',
    '2031-04-02T09:14:07.305Z 10.4.1.7 key:k-42 "GET /orders/18 HTTP/1.1" 200 1790 38.2ms up=depot-1 rl=pass',
    '2031-04-02T09:14:08.002Z 10.4.1.9 - "POST /search HTTP/1.1" 429 61 0.4ms up=- rl=deny',
    '2031-04-02T09:14:08.950Z 10.4.1.9 - "POST /search HTTP/1.1" 502 0 1.2s up=search-0 rl=pass',
    '2031-04-02T09:14:09.100Z 10.4.1.3 key:k-7 "GET /parcels/0b9e4c6a-1d2f-4c3b-9a8e-7f6d5c4b3a21 HTTP/2.0" 200 512 950us up=depot-2 rl=off',
]


class ParserTests(unittest.TestCase):
    def test_fields_and_units(self) -> None:
        entry = parse_line(GOOD[4])
        self.assertEqual(entry.route, "/parcels/{uuid}")
        self.assertAlmostEqual(entry.latency_ms, 0.95)
        self.assertEqual(entry.verdict, "off")
        self.assertEqual(parse_line(GOOD[3]).latency_ms, 1200.0)

    def test_ids_are_grouped(self) -> None:
        report = build_report(numbered("t", GOOD))
        self.assertEqual(report.routes["GET /orders/{id}"].requests, 2)

    def test_bad_lines_are_counted_and_sampled(self) -> None:
        lines = GOOD + ["garbage"] * 8 + ["2031-04-02 10.0.0.1 - \"GET / HTTP/1.1\" 200 1 1ms up=- rl=pass"]
        report = build_report(numbered("t", lines))
        self.assertEqual(report.bad_lines, 9)
        self.assertEqual(len(report.bad_samples), MAX_BAD_SAMPLES)
        self.assertTrue(report.bad_samples[0].startswith("t:6: does not match"))

    def test_denied_clients_and_gateway_answers(self) -> None:
        report = build_report(numbered("t", GOOD))
        self.assertEqual(report.denied_by_client["-"], 1)
        self.assertEqual(report.gateway_answers, 1)
        self.assertEqual(report.by_upstream["depot-2"], 2)

    def test_since_skips_older_entries(self) -> None:
        report = build_report(numbered("t", GOOD), parse_time("2031-04-02T09:14:08.500Z"))
        self.assertEqual(report.skipped_before_since, 3)
        self.assertEqual(sum(r.requests for r in report.routes.values()), 2)

    def test_nearest_rank_returns_observed_values(self) -> None:
        values = sorted([5.0, 1.0, 3.0, 2.0, 4.0])
        self.assertEqual(nearest_rank(values, 0.5), 3.0)
        self.assertEqual(nearest_rank(values, 0.95), 5.0)
        self.assertEqual(nearest_rank(values, 0.0), 1.0)
        with self.assertRaises(ValueError):
            nearest_rank([], 0.5)

    def test_slowest_routes_rank_by_p95(self) -> None:
        report = build_report(numbered("t", GOOD))
        self.assertEqual(report.slowest(1), [("POST /search", 1200.0)])

    def test_text_report_mentions_what_matters(self) -> None:
        text = render_text(build_report(numbered("t", GOOD + ["oops"])), top=3)
        self.assertIn("6 lines, 1 unreadable", text)
        self.assertIn("POST /search", text)
        self.assertIn("rate limited most often:", text)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
