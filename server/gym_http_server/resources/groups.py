"""Groups: N instances of one environment created or reset in one request,
all with one seed and options (the same-seed rollouts of GRPO-style trainers).

The instances of a group are ordinary instances (stepped, rendered, closed,
counted and evicted one by one); only their creation and reset are shared.
A group is all or nothing: one that does not fit the capacity, or whose
reset fails, leaves no instance behind.
"""

from __future__ import annotations

from .. import params, spaces
from ..config import Parts
from ..errors import ApiError, InvalidParameter, TooManyEnvs
from ..instances import add_group
from ..values import to_wire


class GroupCollection:
    """``POST /v1/env_groups``: create ``count`` instances and reset them."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp):
        body = params.read_object(req)
        env_id = params.required(body, "env_id")
        count = params.as_integer(params.required(body, "count"))
        if count is None or count < 1:
            raise InvalidParameter("Parameter 'count' must be a positive integer")
        seed = params.seed_param(body)
        options = params.typed(body, "options", "object")
        kwargs = params.optional(body, "kwargs", {})
        render_mode = params.optional(body, "render_mode")
        timeout = params.deadline(body, self.parts.config.step_timeout)
        self.parts.kwargs_policy.check(env_id, kwargs)
        table = self.parts.table
        if count > table.max_envs:
            raise TooManyEnvs(
                f"A group of {count} is larger than this server's limit of "
                f"{table.max_envs} environments"
            )
        table.capacity.check(count)  # before building any of them
        envs = []
        try:
            for index in range(count):
                copy_kwargs = kwargs if index == 0 else unchecked(kwargs)
                envs.append(self.parts.backend.make(env_id, render_mode, copy_kwargs))
        except BaseException:
            for env in envs:
                env.close()
            raise
        group = add_group(table, env_id, envs, seed=seed, kwargs=kwargs)
        ids = [instance.instance_id for instance in group]
        try:
            resp.media = {"instance_ids": ids, **reset_all(self.parts, ids, seed, options, timeout)}
        except BaseException:
            for instance_id in ids:
                close_quietly(table, instance_id)
            raise


class GroupReset:
    """``POST /v1/env_groups/reset``: reset existing instances with one seed."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp):
        body = params.read_object(req)
        ids = params.required(body, "instance_ids")
        if (
            not isinstance(ids, list)
            or not all(isinstance(i, str) for i in ids)
            or len(set(ids)) != len(ids)
        ):
            raise InvalidParameter(
                "Parameter 'instance_ids' must be an array of distinct instance ids"
            )
        seed = params.seed_param(body)
        options = params.typed(body, "options", "object")
        timeout = params.deadline(body, self.parts.config.step_timeout)
        for instance_id in ids:  # every one known before any is reset
            with self.parts.table.use(instance_id):
                pass
        resp.media = reset_all(self.parts, ids, seed, options, timeout)


def unchecked(kwargs: dict) -> dict:
    """The kwargs of a group's later copies. Gymnasium's passive env checker
    inspects an environment's implementation on its first reset and step;
    the group's first copy is checked, and copies of the same class with the
    same kwargs would only repeat it (it is half the cost of a copy)."""
    return {**kwargs, "disable_env_checker": True}


def reset_all(
    parts: Parts, ids: list[str], seed: int | None, options: dict | None, timeout: float | None
) -> dict:
    observations, infos = [], []
    for instance_id in ids:
        with parts.table.use(instance_id) as instance:
            observation, info = instance.reset(seed, options, timeout)
            parts.metrics.reset(instance.env_id)
            observations.append(spaces.encode(instance.env.observation_space, observation))
            infos.append(to_wire(info))
    return {"observations": observations, "infos": infos}


def close_quietly(table, instance_id: str) -> None:
    try:
        table.close(instance_id)
    except ApiError:
        pass
