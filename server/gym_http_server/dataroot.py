"""The one folder the server writes to, split in two, and confining client paths.

Clients name recording directories as they did with the original server,
often as absolute paths on their own machine (``/tmp/cartpole-1``). Such a
path is read as a path inside ``<data root>/recordings/``, a folder that
holds clients' folders and nothing else; what the server writes for itself
(the results database, its secret, the layout marker) lives in
``<data root>/server/``, which no client path can reach. So no folder name
a client picks can collide with a file of the server's.

Data roots written before this split (clients' folders and
``results.sqlite3`` side by side) are moved into it on first use.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import threading
import uuid
from pathlib import Path

import platformdirs

from . import errors
from .errors import echo

log = logging.getLogger(__name__)

MAX_PATH_CHARS = 1024
RECORDINGS = "recordings"
SERVER = "server"
LAYOUT_VERSION = "2"
# What the server kept in the root itself before the split.
LEGACY_SERVER_FILES = (
    "results.sqlite3",
    "results.sqlite3-journal",
    "results.sqlite3-wal",
    "results.sqlite3-shm",
)
_STAGING = ".recordings-"
_SEPARATORS = re.compile(r"[/\\]+")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_data_dir() -> Path:
    """A per-user data folder (``~/.local/share/gym-http-server`` on Linux)."""
    return Path(platformdirs.user_data_dir("gym-http-server", appauthor=False))


class DataRoot:
    """Where recordings (``recordings/``) and the server's own files (``server/``) live."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self._given = Path(path) if path is not None else default_data_dir()
        self._path: Path | None = None
        self._lock = threading.Lock()
        self._secret: bytes | None = None

    @property
    def path(self) -> Path:
        """The root, made (or brought to today's layout) on first use: an app
        that never records writes nothing."""
        if self._path is None:
            with self._lock:
                if self._path is None:
                    self._given.mkdir(parents=True, exist_ok=True)
                    root = self._given.resolve()
                    migrate_layout(root)
                    self._path = root
        return self._path

    @property
    def recordings(self) -> Path:
        """Clients' folders, and nothing else."""
        return self.path / RECORDINGS

    @property
    def server_files(self) -> Path:
        """What the server writes for itself; no client path leads here."""
        return self.path / SERVER

    @property
    def results_path(self) -> Path:
        return self.server_files / "results.sqlite3"

    def secret(self) -> bytes:
        """This server's random key (``server/secret``), made on first use and
        kept, so that what is keyed by it stays the same across restarts."""
        if self._secret is None:
            path = self.server_files / "secret"
            with self._lock:
                try:
                    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass
                else:
                    with os.fdopen(descriptor, "wb") as file:
                        file.write(secrets.token_bytes(32))
                self._secret = path.read_bytes()
        return self._secret

    def resolve(self, client_path: str, name: str = "directory") -> Path:
        """The folder inside ``recordings/`` that ``client_path`` names.

        Separators may be ``/`` or ``\\``; a leading ``/`` or drive letter is
        dropped; ``..``, NUL and other control characters, names the file
        system cannot hold, a file on the way and a symbolic link that leads
        out of ``recordings/`` are refused.
        """
        if len(client_path) > MAX_PATH_CHARS:
            raise errors.InvalidDirectory(f"'{name}' is longer than {MAX_PATH_CHARS} characters")
        if _CONTROL.search(client_path):
            raise errors.InvalidDirectory(f"'{name}' contains a NUL or control character")
        parts = [part for part in _SEPARATORS.split(client_path) if part not in ("", ".")]
        if parts and _WINDOWS_DRIVE.match(parts[0]):
            parts = parts[1:]
        if ".." in parts:
            raise errors.InvalidDirectory(f"'{name}' may not contain '..': {echo(client_path)}")
        if not parts:
            raise errors.InvalidDirectory(f"'{name}' names no folder: {echo(client_path)}")
        root = self.recordings
        check_names(parts, root, name)
        real = Path(os.path.realpath(root.joinpath(*parts)))
        if real != root and root not in real.parents:
            raise errors.InvalidDirectory(
                f"'{name}' leads outside the server's recordings folder: {echo(client_path)}"
            )
        for folder in (real, *real.parents):
            if folder == root:
                break
            if folder.exists() and not folder.is_dir():
                raise errors.InvalidDirectory(
                    f"'{name}' names a file, not a folder: {echo(client_path)}"
                )
        return real

    def make(self, folder: Path, name: str = "directory") -> None:
        """Make a resolved folder; what the file system refuses is the client's 400."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise errors.InvalidDirectory(
                f"'{name}' cannot be made here: {error.strerror}"
            ) from None

    def relative(self, path: Path) -> str:
        """How a folder inside ``recordings/`` is shown to clients."""
        return path.relative_to(self.recordings).as_posix()


def check_names(parts: list[str], root: Path, name: str) -> None:
    """Names the file system can hold: each part within NAME_MAX bytes, the
    whole within PATH_MAX, and encodable at all."""
    try:
        name_max = os.pathconf(root, "PC_NAME_MAX")
        path_max = os.pathconf(root, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        name_max, path_max = 255, 4096
    encoding = sys.getfilesystemencoding()
    try:
        sizes = [len(part.encode(encoding)) for part in parts]
    except UnicodeEncodeError:
        raise errors.InvalidDirectory(
            f"'{name}' has characters the server's file system cannot name"
        ) from None
    if max(sizes) > name_max:
        raise errors.InvalidDirectory(
            f"'{name}' has a folder name longer than {name_max} bytes, the file system's limit"
        )
    if len(bytes(root)) + sum(sizes) + len(sizes) >= path_max:
        raise errors.InvalidDirectory(f"'{name}' makes a path longer than {path_max} bytes")


def migrate_layout(root: Path) -> None:
    """Bring a data root to today's layout: clients' folders under
    ``recordings/``, the server's files under ``server/``.

    Before the split both lived in the root itself. Clients' folders are
    moved into a staging folder first and it is renamed last, so a folder a
    client once named ``recordings`` or ``server`` moves like any other, and
    a move cut short is finished on the next start.
    """
    marker = root / SERVER / "layout"
    staging = next((p for p in root.iterdir() if p.name.startswith(_STAGING) and p.is_dir()), None)
    if marker.is_file():
        if staging is not None and not (root / RECORDINGS).exists():
            os.rename(staging, root / RECORDINGS)  # the last step of a move cut short
        return
    resumed = staging is not None
    if staging is None:
        staging = root / f"{_STAGING}{uuid.uuid4().hex}"
        staging.mkdir()
    server_files, moved = [], 0
    for entry in root.iterdir():
        if entry == staging or (resumed and entry.name == SERVER):
            continue
        if entry.name in LEGACY_SERVER_FILES and entry.is_file() and not entry.is_symlink():
            server_files.append(entry)
            continue
        os.rename(entry, staging / entry.name)
        moved += 1
    (root / SERVER).mkdir(mode=0o700, exist_ok=True)
    for entry in server_files:
        os.rename(entry, root / SERVER / entry.name)
    marker.write_text(LAYOUT_VERSION + "\n")
    os.rename(staging, root / RECORDINGS)
    if moved or server_files:
        log.info(
            "data folder %s: moved %d recording folder(s) into %s/ and the results "
            "database into %s/",
            root,
            moved,
            RECORDINGS,
            SERVER,
        )
