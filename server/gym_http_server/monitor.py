"""Recording an instance's episodes in the original gym Monitor's file layout.

Gymnasium's own wrappers do the recording: ``RecordEpisodeStatistics``
measures every episode and ``RecordVideo`` films the chosen ones. This module
only names and writes the files the way gym's Monitor did, so tools that read
``openaigym.*`` folders keep working:

- ``openaigym.manifest.<infix>.manifest.json``: which stats and video files belong together;
- ``openaigym.episode_batch.<infix>.stats.json``: ``episode_lengths``,
  ``episode_rewards``, ``episode_types``, ``timestamps``, ``initial_reset_timestamp``;
- ``openaigym.video.<infix>.video000000.mp4`` (and ``.meta.json``) per filmed episode.

Statistics are written after every finished episode (to a temporary file,
then renamed), so a stop at any moment never loses a finished episode.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.wrappers import RecordEpisodeStatistics, RecordVideo

from . import errors
from .params import as_integer

PREFIX = "openaigym."
MANIFEST_GLOB = "openaigym.manifest.*.manifest.json"
# The wrapper's info key; taken out again before info reaches the client.
_STATS_KEY = "gym_http_server.episode"
_monitor_ids = itertools.count()


def video_schedule(video_callable: Any) -> Callable[[int], bool] | None:
    """``false``: no video; ``true``: gym's schedule (0, 1, 8, 27, ... then every
    1000th); an integer N: every Nth episode."""
    if video_callable is None or video_callable is False:
        return None
    if video_callable is True:
        return gym_schedule
    every = as_integer(video_callable)
    if every is not None and every >= 1:
        return lambda episode: episode % every == 0
    raise errors.InvalidParameter(
        "Parameter 'video_callable' must be false, true or a positive integer N (every Nth episode)"
    )


def gym_schedule(episode: int) -> bool:
    """Gymnasium's ``capped_cubic_video_schedule``, whose module needs moviepy
    to import: imported only once a video is really being filmed."""
    from gymnasium.utils.save_video import capped_cubic_video_schedule

    return capped_cubic_video_schedule(episode)


def holds_recording(directory: Path) -> bool:
    return directory.is_dir() and any(directory.glob(MANIFEST_GLOB))


def recorded_env_ids(directory: Path) -> set[str]:
    """The env ids the folder's manifests name (unreadable ones name none)."""
    env_ids = set()
    for manifest in directory.glob(MANIFEST_GLOB):
        try:
            env_id = json.loads(manifest.read_text())["env_info"]["env_id"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(env_id, str):
            env_ids.add(env_id)
    return env_ids


def clear_recording(directory: Path) -> list[str]:
    """Delete the ``openaigym.``-prefixed files of this folder, and nothing else."""
    removed = []
    for entry in os.scandir(directory):
        if entry.name.startswith(PREFIX) and (entry.is_symlink() or entry.is_file()):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed


def write_json(path: Path, data: dict) -> None:
    """Whole or not at all: a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


class MonitorVideo(RecordVideo):
    """``RecordVideo`` with gym Monitor's file names, reporting each finished video."""

    def __init__(
        self,
        env: gym.Env,
        folder: Path,
        infix: str,
        trigger: Callable[[int], bool],
        on_video: Callable[[str, int], None],
    ):
        with warnings.catch_warnings():  # "overwriting existing videos": names are unique
            warnings.simplefilter("ignore")
            super().__init__(
                env, str(folder), episode_trigger=trigger, name_prefix=f"{PREFIX}video.{infix}"
            )
        self.on_video = on_video
        self._filmed_episode = -1

    def start_recording(self, video_name: str) -> None:
        self._filmed_episode = self.episode_id
        super().start_recording(f"{self.name_prefix}.video{self.episode_id:06}")

    def stop_recording(self) -> None:
        name, had_frames = self._video_name, bool(self.recorded_frames)
        super().stop_recording()
        if had_frames:
            self.on_video(f"{name}.mp4", self._filmed_episode)


class Recording:
    """One monitor session on one instance: wraps its env until closed."""

    def __init__(
        self,
        env: gym.Env,
        directory: Path,
        env_id: str,
        video: Callable[[int], bool] | None,
        shown_as: str,
    ) -> None:
        self.directory = directory
        self.shown_as = shown_as
        self.env_id = env_id
        self.inner = env
        self.infix = f"{next(_monitor_ids)}.{os.getpid()}"
        self.stats_path = directory / f"{PREFIX}episode_batch.{self.infix}.stats.json"
        self.manifest_path = directory / f"{PREFIX}manifest.{self.infix}.manifest.json"
        self.initial_reset_timestamp: float | None = None
        self.episode_lengths: list[int] = []
        self.episode_rewards: list[float] = []
        self.timestamps: list[float] = []
        self.videos: list[tuple[str, str]] = []
        directory.mkdir(parents=True, exist_ok=True)
        wrapped: gym.Env = RecordEpisodeStatistics(env, stats_key=_STATS_KEY)
        if video is not None:
            wrapped = MonitorVideo(wrapped, directory, self.infix, video, self._add_video)
        self.env = wrapped
        self._flush()

    @property
    def has_video(self) -> bool:
        return isinstance(self.env, MonitorVideo)

    def after_reset(self) -> None:
        if self.initial_reset_timestamp is None:
            self.initial_reset_timestamp = time.time()
            self._flush()

    def after_step(self, info: dict) -> None:
        """Take the wrapper's statistics out of ``info``; keep a finished episode."""
        episode = info.pop(_STATS_KEY, None)
        if episode is not None:
            self.episode_rewards.append(float(episode["r"]))
            self.episode_lengths.append(int(episode["l"]))
            self.timestamps.append(time.time())
            self._flush()

    def close(self) -> gym.Env:
        """Finish the video under way, write everything, and hand back the bare env."""
        if isinstance(self.env, MonitorVideo) and self.env.recording:
            self.env.stop_recording()
        self._flush()
        return self.inner

    def describe(self, show_path: bool = False) -> dict:
        """``path`` (absolute, on the server) only where the operator opted in."""
        described = {
            "directory": self.shown_as,
            "episodes": len(self.episode_rewards),
            "video": self.has_video,
            "videos": [video for video, _ in self.videos],
        }
        if show_path:
            described["path"] = str(self.directory)
        return described

    def _add_video(self, name: str, episode: int) -> None:
        meta = name.removesuffix(".mp4") + ".meta.json"
        write_json(self.directory / meta, {"episode_id": episode, "content_type": "video/mp4"})
        self.videos.append((name, meta))
        self._flush()

    def _flush(self) -> None:
        write_json(
            self.stats_path,
            {
                "initial_reset_timestamp": self.initial_reset_timestamp,
                "timestamps": self.timestamps,
                "episode_lengths": self.episode_lengths,
                "episode_rewards": self.episode_rewards,
                "episode_types": ["t"] * len(self.episode_lengths),
            },
        )
        write_json(
            self.manifest_path,
            {
                "stats": self.stats_path.name,
                "videos": self.videos,
                "env_info": {"gym_version": gym.__version__, "env_id": self.env_id},
            },
        )


@functools.cache
def video_available() -> bool:
    """Whether RecordVideo can write here: moviepy (and its ffmpeg) import."""
    try:
        importlib.import_module("moviepy.video.io.ImageSequenceClip")
    except ImportError:
        return False
    return True
