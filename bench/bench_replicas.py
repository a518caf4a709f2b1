"""Benchmark: the class of bench_load through nginx in front of two app replicas (deploy/), sticky by cookie.

deploy/serve_replicas.py starts two `streamlit run app.py` replicas on loopback ports and nginx in front of them
(deploy/nginx.conf: `hash $mlp_replica consistent`, the cookie set on a browser's first response). The load of
bench_load runs through nginx unchanged; then nginx's access log (which replica served each request, with the
request's sticky id) and each browser context's cookie show, per touring session, the replicas that served it:
every session must have stayed on one (its page loads, scripts, media and its websocket), and the sessions must
have spread over both replicas. The figure times are against the same phase without trainers, as in bench_load.

Run: .venv/bin/python -m bench.bench_replicas [--quick]   (needs chromium and nginx: apt-get install -y nginx)
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

from bench.bench_load import load, report
from deploy.serve_replicas import start_replicas

REPLICAS = 2


def stickiness(cookies: dict[int, dict[str, str]], routes: dict[str, set[str]]) -> tuple[int, int, Counter, list[str]]:
    """(sessions served by exactly one replica, sessions checked, sessions per replica, what each other session
    got: the replicas that served it, or no cookie)."""
    sticky, checked, per_replica, others = 0, 0, Counter(), []
    for session, session_cookies in sorted(cookies.items()):
        cookie = session_cookies.get("mlp_replica")
        served = routes.get(cookie or "", set())
        checked += 1
        if len(served) == 1:
            sticky += 1
            per_replica[next(iter(served))] += 1
        else:
            others.append(f"session {session}: " + (", ".join(sorted(served)) if cookie else "no cookie"))
    return sticky, checked, per_replica, others


def run(quick: bool = False) -> str:
    replicas = start_replicas(REPLICAS)
    try:
        result = asyncio.run(load(replicas.url, quick))
        routes = replicas.routes()
        nginx_log = (replicas.prefix / "logs" / "error.log").read_text().splitlines()
        answered = (replicas.prefix / "logs" / "access.log").read_text().splitlines()
    finally:
        replicas.stop()
    sticky, checked, per_replica, others = stickiness(result.cookies, routes)
    failed = [line for line in nginx_log if any(level in line for level in ("[error]", "[crit]", "[alert]"))]
    # what the browsers got: the access log's status field ($msec $mlp_replica $upstream_addr $status "request")
    statuses = [(line, line.split(" ", 4)[3] if line.count(" ") >= 3 else "") for line in answered]
    server_errors = [line for line, status in statuses if status.isdigit() and int(status) >= 500]
    setup = (
        f"{REPLICAS} replicas of `streamlit run app.py` (scripts/serve.py, loopback ports) behind nginx "
        "(`python -m deploy.serve_replicas`: cookie stickiness, websocket upgrade), the load of bench_load "
        f"through nginx{' — quick run' if quick else ''}. RSS and CPU columns are left out (several servers)."
    )
    lines, _ = report(result, "## A class through nginx and two replicas — `python -m bench.bench_replicas`", setup)
    spread = ", ".join(f"{count} on {replica}" for replica, count in sorted(per_replica.items()))
    lines += [
        "",
        f"Goal every session stays on one replica: {'**met**' if sticky == checked and checked else '**not met**'} "
        f"({sticky} of {checked} touring sessions served by exactly one replica for all their requests, the "
        f"websocket included{'; ' + '; '.join(others) if others else ''}). Goal the sessions spread over the "
        f"replicas: {'**met**' if len(per_replica) == REPLICAS else '**not met**'} ({spread}). nginx answered "
        f"{len(server_errors)} of {len(answered)} requests with a 5xx status"
        f"{' (' + server_errors[0][:160] + ')' if server_errors else ''} and logged {len(failed)} errors"
        f"{': ' + failed[0][:200] if failed else ''}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
