"""Monitor and upload: record an instance's episodes, then store the run."""

from __future__ import annotations

import logging

import falcon

from .. import errors, monitor, params
from ..config import Parts
from ..instances import Instance
from ..results import read_recording

log = logging.getLogger(__name__)


class MonitorStart:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req)
        directory = params.typed(body, "directory", "string", required_=True)
        force = params.flag(body, "force")
        resume = params.flag(body, "resume")
        video = monitor.video_schedule(params.optional(body, "video_callable", False))
        with self.parts.table.use(instance_id) as instance:
            check_can_film(instance, video)
            if instance.recording is not None:
                raise errors.AlreadyRecording(
                    f"Instance_id {instance_id} is already recording; call monitor/close first"
                )
            folder = self.parts.data_root.resolve(directory)
            self.prepare(folder, directory, instance.env_id, force=force, resume=resume)
            self.parts.data_root.make(folder)
            recording = monitor.Recording(
                instance.env,
                folder,
                instance.env_id,
                video,
                shown_as=self.parts.data_root.relative(folder),
            )
            instance.start_recording(recording)
            log.info("instance %s records into %r", instance_id, folder)
        resp.status = falcon.HTTP_204

    def prepare(self, folder, directory: str, env_id: str, *, force: bool, resume: bool) -> None:
        """gym's Monitor rules: a folder holding a recording needs force or resume,
        and resume adds only to a recording of the same environment (one
        recording, one env: upload reads it so)."""
        if not monitor.holds_recording(folder):
            return
        if resume:
            others = monitor.recorded_env_ids(folder) - {env_id}
            if others:
                raise errors.RecordingExists(
                    f"'{errors.echo(directory)}' holds a recording of "
                    f"{', '.join(sorted(map(repr, others)))}, not {env_id!r}: resume adds only "
                    'to a recording of the same environment; pass "force": true to replace '
                    "it, or record into another folder"
                )
            return
        if not force:
            raise errors.RecordingExists(
                f"'{errors.echo(directory)}' already holds a recording: pass \"force\": true "
                'to delete it, or "resume": true to add to it'
            )
        if folder in self.parts.table.recording_directories():
            raise errors.RecordingInProgress(
                f"Another instance is recording into '{errors.echo(directory)}' now"
            )
        monitor.clear_recording(folder)


def check_can_film(instance: Instance, video) -> None:
    if video is None:
        return
    if instance.env.render_mode != "rgb_array":
        raise errors.VideoNeedsRgbArray(
            f"Video needs frames: create the instance with render_mode 'rgb_array' "
            f'(POST /v1/envs/ {{"env_id": "{instance.env_id}", "render_mode": '
            '"rgb_array"}), or pass "video_callable": false'
        )
    if not monitor.video_available():
        raise errors.VideoUnavailable(
            "This server cannot write video: install gym-http-server[video] (moviepy) on it, "
            'or pass "video_callable": false'
        )


class MonitorClose:
    """Flush the statistics and finish the video; closing what is not open is fine."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        params.read_object(req)  # no parameters
        with self.parts.table.use(instance_id) as instance:
            instance.stop_recording()
        resp.status = falcon.HTTP_204


class Upload:
    """The original posted to OpenAI's scoreboard; this one stores the run locally."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp):
        body = params.read_object(req)
        training_dir = params.typed(body, "training_dir", "string", required_=True)
        api_key = params.typed(body, "api_key", "string", required_=True)
        algorithm_id = params.typed(body, "algorithm_id", "string")
        folder = self.parts.data_root.resolve(training_dir, "training_dir")
        if folder in self.parts.table.recording_directories():
            raise errors.RecordingInProgress(
                f"'{errors.echo(training_dir)}' is still being recorded: call monitor/close first"
            )
        run = read_recording(folder, training_dir)
        run_id, created = self.parts.results.add(
            run,
            training_dir=self.parts.data_root.relative(folder),
            api_key=api_key,
            algorithm_id=algorithm_id,
        )
        resp.media = {
            "run_id": run_id,
            "created": created,
            "env_id": run.env_id,
            "episodes": len(run.episode_rewards),
        }
