"""The one folder the server writes to, and confining client paths to it.

Clients name recording directories as they did with the original server,
often as absolute paths on their own machine (``/tmp/cartpole-1``). Such a
path is read as a path *inside* the data root, so the original clients work
unchanged and no request can read, write or delete anything outside it.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import platformdirs

from . import errors
from .errors import echo

log = logging.getLogger(__name__)

MAX_PATH_CHARS = 1024
_SEPARATORS = re.compile(r"[/\\]+")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_data_dir() -> Path:
    """A per-user data folder (``~/.local/share/gym-http-server`` on Linux)."""
    return Path(platformdirs.user_data_dir("gym-http-server", appauthor=False))


class DataRoot:
    """Where recordings and the results database live."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self._given = Path(path) if path is not None else default_data_dir()
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The root, made on first use: an app that never records writes nothing."""
        if self._path is None:
            self._given.mkdir(parents=True, exist_ok=True)
            self._path = self._given.resolve()
        return self._path

    def resolve(self, client_path: str, name: str = "directory") -> Path:
        """The folder inside the root that ``client_path`` names.

        Separators may be ``/`` or ``\\``; a leading ``/`` or drive letter is
        dropped; ``..``, NUL and other control characters are refused; a
        symbolic link that leads out of the root is refused.
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
        root = self.path
        real = Path(os.path.realpath(root.joinpath(*parts)))
        if real != root and root not in real.parents:
            raise errors.InvalidDirectory(
                f"'{name}' leads outside the server's data folder: {echo(client_path)}"
            )
        if real.exists() and not real.is_dir():
            raise errors.InvalidDirectory(
                f"'{name}' names a file, not a folder: {echo(client_path)}"
            )
        return real

    def relative(self, path: Path) -> str:
        """How a folder inside the root is shown to clients."""
        return path.relative_to(self.path).as_posix()
