"""Uploaded runs: what OpenAI's scoreboard kept, kept locally in SQLite.

``upload`` reads a recorded folder (the Monitor layout, see ``monitor``) and
stores the run in ``server/results.sqlite3`` under the data root, where no
client folder can be. The API key is never stored: only an HMAC of it keyed
by this server's secret, which tells uploads of one uploader apart and
cannot be checked against guessed keys without that secret.
A run's id is derived from the recording's content, so uploading the same
recording twice finds the run stored the first time instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .dataroot import DataRoot
from .monitor import MANIFEST_GLOB

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    env_id TEXT NOT NULL,
    algorithm_id TEXT,
    uploader TEXT NOT NULL,
    training_dir TEXT NOT NULL,
    uploaded_at REAL NOT NULL,
    episodes INTEGER NOT NULL,
    mean_reward REAL,
    best_reward REAL,
    wall_time REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_env ON runs (env_id, uploaded_at);
"""
_SUMMARY = (
    "run_id, env_id, algorithm_id, uploader, training_dir, uploaded_at, "
    "episodes, mean_reward, best_reward, wall_time"
)


@dataclass
class RecordedRun:
    """Every episode of a folder's recordings, merged in time order."""

    env_id: str
    episode_rewards: list[float]
    episode_lengths: list[int]
    timestamps: list[float]
    initial_reset_timestamp: float | None
    videos: list[str]

    @property
    def wall_time(self) -> float:
        if not self.timestamps or self.initial_reset_timestamp is None:
            return 0.0
        return max(0.0, self.timestamps[-1] - self.initial_reset_timestamp)

    def fingerprint(self) -> str:
        content = json.dumps(
            [
                self.env_id,
                self.episode_rewards,
                self.episode_lengths,
                self.timestamps,
                self.initial_reset_timestamp,
            ]
        )
        return hashlib.sha256(content.encode()).hexdigest()[:16]


def read_recording(directory: Path, shown_as: str) -> RecordedRun:
    """The folder's manifests and stats files, as gym's ``load_results`` read them."""
    manifests = sorted(directory.glob(MANIFEST_GLOB)) if directory.is_dir() else []
    if not manifests:
        raise errors.NoRecording(f"'{errors.echo(shown_as)}' holds no recording (no manifest)")
    env_ids, episodes, starts, videos = set(), [], [], []
    for manifest_path in manifests:
        try:
            manifest = _read_json(manifest_path)
            env_ids.add(str(manifest["env_info"]["env_id"]))
            stats = _read_json(directory / Path(str(manifest["stats"])).name)
            if stats.get("initial_reset_timestamp") is not None:
                starts.append(float(stats["initial_reset_timestamp"]))
            columns = stats["timestamps"], stats["episode_rewards"], stats["episode_lengths"]
            episodes += [(float(t), float(r), int(n)) for t, r, n in zip(*columns, strict=True)]
            videos += [str(video[0]) for video in manifest.get("videos", [])]
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise errors.NoRecording(
                f"Recording {manifest_path.name} is incomplete or malformed: "
                f"{type(error).__name__}: {errors.echo(error)}"
            ) from None
    if len(env_ids) != 1:
        raise errors.NoRecording(
            f"'{errors.echo(shown_as)}' mixes recordings of several environments {sorted(env_ids)}"
        )
    episodes.sort(key=lambda episode: episode[0])
    return RecordedRun(
        env_id=env_ids.pop(),
        timestamps=[t for t, _, _ in episodes],
        episode_rewards=[r for _, r, _ in episodes],
        episode_lengths=[n for _, _, n in episodes],
        initial_reset_timestamp=min(starts) if starts else None,
        videos=sorted(videos),
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error  # never the server's absolute path
        raise errors.NoRecording(f"Recording file {path.name} cannot be read: {reason}") from None
    if not isinstance(data, dict):
        raise errors.NoRecording(f"Recording file {path.name} is not a JSON object")
    return data


def uploader_id(api_key: str, secret: bytes) -> str:
    return hmac.new(secret, api_key.encode(), hashlib.sha256).hexdigest()[:16]


class ResultsStore:
    """``results.sqlite3``: one row per uploaded run."""

    def __init__(self, data_root: DataRoot) -> None:
        self.data_root = data_root
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        """Opened on first use, under the lock."""
        if self._connection is None:
            path = self.data_root.results_path
            self._connection = sqlite3.connect(path, check_same_thread=False)
            self._connection.row_factory = sqlite3.Row
            with self._connection:
                self._connection.executescript(_SCHEMA)
        return self._connection

    def add(
        self, run: RecordedRun, *, training_dir: str, api_key: str, algorithm_id: str | None
    ) -> tuple[str, bool]:
        """The run's id, and whether it is new."""
        uploader, run_id = uploader_id(api_key, self.data_root.secret()), run.fingerprint()
        rewards = run.episode_rewards
        data = {
            "episode_rewards": rewards,
            "episode_lengths": run.episode_lengths,
            "timestamps": run.timestamps,
            "initial_reset_timestamp": run.initial_reset_timestamp,
            "videos": run.videos,
        }
        with self._lock, self._db:
            cursor = self._db.execute(
                f"INSERT OR IGNORE INTO runs ({_SUMMARY}, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    run.env_id,
                    algorithm_id,
                    uploader,
                    training_dir,
                    time.time(),
                    len(rewards),
                    sum(rewards) / len(rewards) if rewards else None,
                    max(rewards) if rewards else None,
                    run.wall_time,
                    json.dumps(data),
                ),
            )
        return run_id, cursor.rowcount == 1

    def runs(self, env_id: str | None = None, limit: int = 100) -> list[dict]:
        """Summaries, newest first."""
        query = f"SELECT {_SUMMARY} FROM runs"
        args: tuple = ()
        if env_id is not None:
            query, args = query + " WHERE env_id = ?", (env_id,)
        with self._lock:
            rows = self._db.execute(
                query + " ORDER BY uploaded_at DESC LIMIT ?", (*args, limit)
            ).fetchall()
        return [dict(row) for row in rows]

    def run(self, run_id: str) -> dict:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_SUMMARY}, data FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        if row is None:
            raise errors.UnknownRun(run_id)
        run = dict(row)
        run.update(json.loads(run.pop("data")))
        return run

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
