"""Monitor and upload: validated like every request, then an honest 501.

Recording has its own design; until it lands these answer a documented
``not_implemented`` error rather than pretend to have recorded anything.
"""

from __future__ import annotations

from .. import params
from ..config import Parts
from ..errors import NotImplementedYet


class MonitorStart:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        body = params.read_object(req, self.parts.config.max_body_bytes)
        with self.parts.table.use(instance_id):
            params.typed(body, "directory", "string", required_=True)
        raise NotImplementedYet("Recording (monitor/start) is not implemented by this server yet")


class MonitorClose:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp, instance_id):
        params.read_json(req, self.parts.config.max_body_bytes)
        with self.parts.table.use(instance_id):
            pass
        raise NotImplementedYet("Recording (monitor/close) is not implemented by this server yet")


class Upload:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp):
        body = params.read_object(req, self.parts.config.max_body_bytes)
        params.typed(body, "training_dir", "string", required_=True)
        params.typed(body, "api_key", "string", required_=True)
        raise NotImplementedYet(
            "Uploading results is not implemented: the service it uploaded to is retired"
        )
