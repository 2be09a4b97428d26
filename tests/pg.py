"""A throwaway PostgreSQL server for the tests, started from Debian's binaries on loopback."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PgServer:
    """A running private cluster; `url(db)` gives a SQLAlchemy URL."""

    port: int
    datadir: Path
    bindir: Path | None
    as_postgres: bool
    external_url: str | None = None

    def url(self, database: str = "postgres") -> str:
        if self.external_url:
            base = self.external_url.rsplit("/", 1)[0]
            return f"{base}/{database}"
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        full = list(cmd)
        if self.as_postgres:
            full = ["runuser", "-u", "postgres", "--", *full]
        return subprocess.run(full, check=True, capture_output=True, text=True, timeout=120)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode fast or immediate)."""
        if self.external_url or self.bindir is None:
            return
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w",
                  "stop")

    def start(self) -> None:
        """(Re)start the server and wait until it accepts connections."""
        if self.external_url or self.bindir is None:
            return
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60",
                  "-l", str(self.datadir / "server.log"), "-o",
                  f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c max_connections=200", "start")

    def destroy(self) -> None:
        """Stop the server and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def find_bindir() -> Path | None:
    """Return the newest Debian PostgreSQL bin directory, if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> PgServer | None:
    """Start a private cluster, or use REGIEBOT_TEST_POSTGRES_URL; None when neither exists."""
    external = os.environ.get("REGIEBOT_TEST_POSTGRES_URL")
    if external:
        return PgServer(port=0, datadir=Path("/nonexistent"), bindir=None, as_postgres=False,
                        external_url=external)
    bindir = find_bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="regiebot-pg-"))
    datadir = root / "data"
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    if as_postgres:
        os.chmod(root, 0o755)  # noqa: S103 - the postgres user must reach datadir
        datadir.mkdir()
        shutil.chown(datadir, "postgres", "postgres")
    server = PgServer(port=_free_port(), datadir=datadir, bindir=bindir,
                      as_postgres=as_postgres)
    server._run(str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    server.start()
    return server
