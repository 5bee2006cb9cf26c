"""A throw-away PostgreSQL server for a benchmark, started as ``.ci/postgres`` starts one for the tests.

initdb into a temporary folder, start on a free loopback port (as the ``postgres`` user when run as root,
since PostgreSQL refuses root), hand out fresh databases, stop and delete everything at the end.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text


class NoServer(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) are not on this machine."""


def server_binaries() -> Path:
    """The folder of initdb and pg_ctl: $PG_BIN, the PATH, or Debian's /usr/lib/postgresql/<n>/bin."""
    candidates = [os.environ.get("PG_BIN")]
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("pg_ctl") or "").parent))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                         reverse=True)
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise NoServer("no PostgreSQL server binaries (initdb, pg_ctl): install PostgreSQL or set PG_BIN")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """``with PostgresServer() as server: url = server.database("name")``."""

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="warroom-bench-pg-"))
        self.port = _free_port()
        self._as_server: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = os.environ.get("PG_USER", "postgres")
            self._as_server = ["runuser", "-u", user, "--"]
            shutil.chown(self.folder, user)
        self.url = f"postgresql+psycopg://warroom@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_server, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PostgresServer:
        data = self.folder / "db"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "warroom", "--auth=trust", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "start", "-o", options)
        return self

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far: its processes alive and those ended."""
        tick = os.sysconf("SC_CLK_TCK")
        try:
            main = int((self.folder / "db" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0
        used = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if pid == main:  # its own time and that of the backends it has reaped
                used += sum(int(f) for f in fields[11:15])
            elif parent == main:
                used += int(fields[11]) + int(fields[12])
        return used / tick

    def database(self, name: str) -> str:
        """A new, empty database; its URL (the bot migrates it at start)."""
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        finally:
            admin.dispose()
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # it never started
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "db"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()
