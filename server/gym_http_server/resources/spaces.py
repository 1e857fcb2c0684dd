"""Action and observation spaces: describe, sample, membership."""

from __future__ import annotations

from .. import media, params, schemas, spaces
from ..config import Parts
from ..errors import MalformedJson, MissingParameter


class SpaceInfo:
    """``GET .../action_space/`` and ``.../observation_space/``."""

    def __init__(self, parts: Parts, attribute: str):
        self.parts = parts
        self.attribute = attribute

    def on_get(self, req, resp, instance_id):
        with self.parts.table.use(instance_id) as instance:
            resp.media = {"info": spaces.describe(getattr(instance.env, self.attribute))}


class SpaceSchema:
    """``GET .../action_space/json_schema`` and ``.../observation_space/json_schema``:
    the JSON Schema document of the space's wire values."""

    def __init__(self, parts: Parts, attribute: str):
        self.parts = parts
        self.attribute = attribute

    def on_get(self, req, resp, instance_id):
        with self.parts.table.use(instance_id) as instance:
            resp.media = schemas.document(getattr(instance.env, self.attribute))


class ActionSample:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, instance_id):
        with self.parts.table.use(instance_id) as instance:
            space = instance.env.action_space
            resp.media = {"action": spaces.encode(space, space.sample())}


def _path_value(text: str):
    """A path segment as JSON when it parses (``1``, ``[0.5]``), else as a string."""
    try:
        return media.load_json(text, "Path segment x")
    except MalformedJson:
        return text


class ActionContainsByPath:
    """``GET .../action_space/contains/{x}``, the original form.

    A class of its own: Falcon answers 405 with ``Allow`` from the responders
    a route's resource has, so each route gets exactly its own methods.
    """

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, instance_id, x):
        with self.parts.table.use(instance_id) as instance:
            resp.media = {"member": spaces.contains(instance.env.action_space, _path_value(x))}


class ActionContains:
    """``POST .../action_space/contains`` with ``{"action": value}``."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req)
        action = body.get("action")
        if action is None:  # "" and [] are values to test here (Text, Sequence)
            raise MissingParameter("action")
        with self.parts.table.use(instance_id) as instance:
            resp.media = {"member": spaces.contains(instance.env.action_space, action)}


class ObservationContains:
    """``{"observation": value}`` is a membership test; any other object keeps the
    original meaning: do these properties match the space's description?"""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req)
        with self.parts.table.use(instance_id) as instance:
            space = instance.env.observation_space
            if "observation" in body:
                member = spaces.contains(space, body["observation"])
            else:
                info = spaces.describe(space)
                member = all(key in info and info[key] == value for key, value in body.items())
            resp.media = {"member": member}
