"""Serve a large course: N replicas of the app on loopback ports behind nginx with sticky sessions.

Usage: .venv/bin/python -m deploy.serve_replicas [--replicas 4] [--port 8500] [--address 127.0.0.1]

Each replica is `streamlit run app.py` started by scripts/serve.py on 127.0.0.1:<free port> (warmed up, one
BLAS/torch thread per computing thread); nginx (``apt-get install -y nginx``, needed only for this) listens on
``--address:--port`` and keeps each browser on the replica that served its first request (a cookie; see
deploy/nginx.conf). ``--address 0.0.0.0`` serves the room; the replicas themselves stay on loopback. All replicas
share one cookie secret, so a browser moved to another replica (its replica stopped) still passes the XSRF check
on uploads. Ctrl-C stops nginx and every replica.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scripts.screenshot import free_port
from scripts.serve import lan_address
from scripts.serve import start as start_app

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"


def nginx_config(listen: str, replica_ports: list[int]) -> str:
    """deploy/nginx.conf with the listening address and one upstream line per replica filled in."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in replica_ports)
    return TEMPLATE.read_text().replace("@LISTEN@", listen).replace("@UPSTREAM_SERVERS@", servers)


@dataclass
class Replicas:
    """N app replicas and the nginx in front of them, started by :func:`start_replicas`."""

    url: str
    """What browsers open (nginx)."""
    replica_ports: list[int]
    apps: list[subprocess.Popen]
    nginx: subprocess.Popen
    prefix: Path
    """nginx's folder: its configuration, pid, logs (``logs/access.log``: which replica served what)."""

    def routes(self) -> dict[str, set[str]]:
        """Sticky id → the replicas (``127.0.0.1:<port>``) that served requests carrying it, from nginx's log."""
        served: dict[str, set[str]] = defaultdict(set)
        log = self.prefix / "logs" / "access.log"
        if not log.exists():
            return {}
        for line in log.read_text().splitlines():
            parts = line.split(" ", 4)
            if len(parts) >= 4 and parts[2] != "-":
                # a retried request lists every upstream tried ("a, b"); the last one answered
                served[parts[1]].add(parts[2].split(",")[-1].strip())
        return dict(served)

    def stop(self) -> None:
        """Stop nginx (gracefully: the requests in flight finish), then every replica, and remove nginx's folder."""
        if self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
        for app in self.apps:
            if app.poll() is None:
                app.terminate()
        for proc in (self.nginx, *self.apps):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.time() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


def start_replicas(n: int, port: int | None = None, address: str = "127.0.0.1", nginx: str | None = None) -> Replicas:
    """Start ``n`` replicas on free loopback ports and nginx on address:port (a free port when None); returned
    once nginx answers. Raises RuntimeError when nginx is not installed."""
    nginx = nginx or shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx); it is needed only for replicas")
    port = port or free_port()
    ports = [free_port() for _ in range(n)]
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(start_app, p, "127.0.0.1", None, True, shared) for p in ports]
        apps = []
        errors = []
        for future in futures:
            try:
                apps.append(future.result())
            except Exception as error:  # one replica failed: stop the others before reporting it
                errors.append(error)
    if errors:
        for proc in apps:
            proc.kill()
        raise RuntimeError(f"a replica did not start: {errors[0]}")
    prefix = Path(tempfile.mkdtemp(prefix="mlp-nginx-"))
    # mkdtemp makes it 0700; nginx started as root runs its workers as `nobody`, and they buffer large responses
    # (Plotly's 4.7 MB bundle to a slow browser) and uploads in temp/: without this they failed with "13:
    # Permission denied" and the browser got a cut-off script ("Failed to fetch dynamically imported module").
    prefix.chmod(0o755)
    for sub in ("logs", "temp"):
        (prefix / sub).mkdir()
    (prefix / "nginx.conf").write_text(nginx_config(f"{address}:{port}", ports))
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    proxy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    replicas = Replicas(f"http://127.0.0.1:{port}", ports, apps, proxy, prefix)
    try:
        _wait_http(f"{replicas.url}/_stcore/health", 20)
    except RuntimeError:
        error = proxy.stderr.read().decode() if proxy.poll() is not None else ""
        replicas.stop()
        raise RuntimeError(f"nginx did not come up: {error.strip()}") from None
    return replicas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="app processes (about one per core)")
    parser.add_argument("--port", type=int, default=8500, help="the port students open")
    parser.add_argument("--address", default="127.0.0.1", help="0.0.0.0 to serve the room's network")
    args = parser.parse_args()
    replicas = start_replicas(args.replicas, args.port, args.address)
    host = (lan_address() or "<this machine's address>") if args.address in ("0.0.0.0", "") else args.address
    print(f"ML Playground, {args.replicas} replicas behind nginx: http://{host}:{args.port}", flush=True)
    try:
        while all(proc.poll() is None for proc in (replicas.nginx, *replicas.apps)):
            time.sleep(1)
        print("a replica or nginx stopped; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        replicas.stop()


if __name__ == "__main__":
    main()
