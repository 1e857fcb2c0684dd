"""Batches of environments: create, list, describe, reset, step, close."""

from __future__ import annotations

import falcon

from .. import params, spaces
from ..config import Parts
from ..errors import InvalidParameter, NumEnvsTooLarge
from ..values import to_wire
from ..vectors import MODES, VectorInstance, async_limit


class VectorCollection:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        resp.media = {"all_vector_envs": self.parts.vectors.listing()}

    def on_post(self, req, resp):
        body = params.read_object(req)
        env_id = params.required(body, "env_id")
        num_envs = self.num_envs(body)
        mode = params.optional(body, "vectorization_mode")
        if mode is not None and mode not in MODES:
            raise InvalidParameter(f"Parameter 'vectorization_mode' must be one of {list(MODES)}")
        if mode == "async" and num_envs > async_limit():
            raise NumEnvsTooLarge(
                f"'async' runs a worker process per sub-environment; this server allows "
                f"at most {async_limit()}, not {num_envs}"
            )
        seed = params.seed_param(body)
        kwargs = params.optional(body, "kwargs", {})
        self.parts.kwargs_policy.check(env_id, kwargs, vector=True)
        self.parts.table.capacity.check(num_envs)  # before building a thousand envs
        env, mode = self.parts.backend.make_vec(env_id, num_envs, mode, kwargs)
        batch = self.parts.vectors.add(env_id, env, mode, seed=seed, kwargs=kwargs)
        resp.media = {"vector_id": batch.vector_id}

    def num_envs(self, body: dict) -> int:
        num_envs = params.as_integer(params.required(body, "num_envs"))
        if num_envs is None or num_envs < 1:
            raise InvalidParameter("Parameter 'num_envs' must be a positive integer")
        limit = self.parts.config.max_num_envs
        if num_envs > limit:
            raise NumEnvsTooLarge(
                f"num_envs {num_envs} exceeds this server's limit of {limit} per batch"
            )
        return num_envs


def describe_vector(batch: VectorInstance) -> dict:
    env, spec = batch.env, batch.env.spec
    return {
        "vector_id": batch.vector_id,
        "env_id": batch.env_id,
        "num_envs": batch.size,
        "vectorization_mode": batch.vectorization_mode,
        "autoreset_mode": batch.autoreset_mode,
        "max_episode_steps": spec.max_episode_steps if spec else None,
        "seed": batch.seed,
        "kwargs": to_wire(batch.kwargs),
        "resets": batch.resets,
        "steps": batch.steps,
        "single_action_space": spaces.describe(env.single_action_space),
        "single_observation_space": spaces.describe(env.single_observation_space),
        "action_space": spaces.describe(env.action_space),
        "observation_space": spaces.describe(env.observation_space),
        "broken": batch.failure(),
    }


class Vector:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, vector_id):
        with self.parts.vectors.use(vector_id) as batch:
            resp.media = describe_vector(batch)

    def on_delete(self, req, resp, vector_id):
        self.parts.vectors.close(vector_id)
        resp.status = falcon.HTTP_204


class VectorClose:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, vector_id):
        params.read_object(req)  # no parameters
        self.parts.vectors.close(vector_id)
        resp.status = falcon.HTTP_204


class VectorReset:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, vector_id):
        body = params.read_object(req)
        seed = params.seed_param(body)
        options = params.typed(body, "options", "object")
        timeout = params.deadline(body, self.parts.config.step_timeout)
        with self.parts.vectors.use(vector_id) as batch:
            observations, infos = batch.reset(seed, options, timeout)
            resp.media = {
                "observations": spaces.encode(batch.env.observation_space, observations),
                "infos": to_wire(infos),
            }


class VectorStep:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, vector_id):
        body = params.read_object(req)
        timeout = params.deadline(body, self.parts.config.step_timeout)
        with self.parts.vectors.use(vector_id) as batch:
            actions = batch.decode_actions(body.get("actions"))
            observations, rewards, terminations, truncations, infos = batch.step(actions, timeout)
            resp.media = {
                "observations": spaces.encode(batch.env.observation_space, observations),
                "rewards": to_wire(rewards),
                "terminations": to_wire(terminations),
                "truncations": to_wire(truncations),
                "infos": to_wire(infos),
            }
