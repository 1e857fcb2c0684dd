"""Environments: create, list, describe, reset, step, render, close."""

from __future__ import annotations

import falcon

from .. import frames, params, spaces
from ..config import Parts
from ..errors import InvalidAction, InvalidParameter, MissingParameter, UnsupportedSpace
from ..instances import Instance
from ..values import to_wire


class EnvCollection:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        resp.media = {"all_envs": self.parts.table.env_ids()}

    def on_post(self, req, resp):
        body = params.read_object(req)
        env_id = params.required(body, "env_id")
        seed = params.seed_param(body)
        kwargs = params.optional(body, "kwargs", {})
        self.parts.kwargs_policy.check(env_id, kwargs)
        env = self.parts.backend.make(env_id, params.optional(body, "render_mode"), kwargs)
        instance = self.parts.table.add(env_id, env, seed=seed, kwargs=kwargs)
        resp.media = {"instance_id": instance.instance_id}


def describe_instance(instance: Instance, show_path: bool = False) -> dict:
    env, spec = instance.env, instance.env.spec
    return {
        "instance_id": instance.instance_id,
        "env_id": instance.env_id,
        "render_mode": env.render_mode,
        "render_modes": list(env.metadata.get("render_modes", [])),
        "max_episode_steps": spec.max_episode_steps if spec else None,
        "reward_threshold": spec.reward_threshold if spec else None,
        "nondeterministic": bool(spec.nondeterministic) if spec else False,
        "seed": instance.seed,
        "kwargs": to_wire(instance.kwargs),
        "episodes": instance.episodes,
        "total_steps": instance.total_steps,
        "episode_steps": instance.episode_steps,
        "action_space": spaces.describe(env.action_space),
        "observation_space": spaces.describe(env.observation_space),
        "recording": instance.recording.describe(show_path) if instance.recording else None,
        "broken": instance.failure(),
    }


class Env:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, instance_id):
        with self.parts.table.use(instance_id) as instance:
            resp.media = describe_instance(instance, self.parts.config.show_data_path)

    def on_delete(self, req, resp, instance_id):
        self.parts.table.close(instance_id)
        resp.status = falcon.HTTP_204


class Close:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        params.read_object(req)  # no parameters
        self.parts.table.close(instance_id)
        resp.status = falcon.HTTP_204


class Reset:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req)
        seed = params.seed_param(body)
        options = params.typed(body, "options", "object")
        timeout = params.deadline(body, self.parts.config.step_timeout)
        with self.parts.table.use(instance_id) as instance:
            observation, info = instance.reset(seed, options, timeout)
            self.parts.metrics.reset(instance.env_id)
            resp.media = {
                "observation": spaces.encode(instance.env.observation_space, observation),
                "info": to_wire(info),
            }


class Step:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req)
        if body.get("action") is None:
            raise MissingParameter("action")
        render = params.typed(body, "render", "boolean", False)
        timeout = params.deadline(body, self.parts.config.step_timeout)
        with self.parts.table.use(instance_id) as instance:
            action = decode_action(instance, body["action"])
            observation, reward, terminated, truncated, info = instance.step(action, timeout)
            self.parts.metrics.stepped(instance.env_id)
            result = {
                "observation": spaces.encode(instance.env.observation_space, observation),
                "reward": to_wire(reward),
                "terminated": terminated,
                "truncated": truncated,
                "done": terminated or truncated,
                "info": to_wire(info),
            }
            if render and instance.env.render_mode is not None:
                result["render"] = to_wire(instance.render(timeout))
            resp.media = result


def decode_action(instance: Instance, data) -> object:
    space = instance.env.action_space
    try:
        action = spaces.decode(space, data)
    except spaces.Unsupported:
        raise UnsupportedSpace(f"Actions of {type(space).__name__} spaces cannot be sent over HTTP")
    except ValueError as error:
        raise refused(
            data,
            f"Action is not an element of the action space {space}{_where(space, data)}: {error}",
        )
    if not spaces.member(space, action):
        raise refused(
            data,
            f"Action {params.echo_json(data)} is outside the action space {space}"
            f"{_where(space, data)}",
        )
    return action


def _where(space, data) -> str:
    """Where in the value it leaves the space, as a JSON pointer (and its JSON Schema)."""
    path = spaces.locate(space, data)
    return f" at {path}" if path else ""


def refused(data, message: str) -> Exception:
    """The original read "" and [] as no action at all; where they are real
    actions (Text, Sequence spaces) they never get here."""
    if params.is_blank(data):
        return MissingParameter("action")
    return InvalidAction(message)


class Render:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, instance_id):
        as_png = frames.wants_png(req)
        with self.parts.table.use(instance_id) as instance:
            if as_png:
                resp.content_type = falcon.MEDIA_PNG
                resp.cache_control = ["no-store"]
                resp.data = frames.png_frame(instance, self.parts.config.step_timeout)
                return
            if instance.env.render_mode is None:
                raise InvalidParameter(
                    f"Instance_id {instance_id} was created without a render_mode"
                )
            resp.media = {
                "render_mode": instance.env.render_mode,
                "frame": to_wire(instance.render(self.parts.config.step_timeout)),
            }
