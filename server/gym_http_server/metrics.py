"""What the server is doing, for Prometheus (``GET /metrics``) and, at
``--log-level debug``, one access-log line per request.

Each app has its own CollectorRegistry, so several apps in one process (as in
tests) count apart. Label children are looked up once and kept, so a request
costs two dictionary hits, one counter increment and one histogram
observation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

access_log = logging.getLogger("gym_http_server.access")

# From a bare round trip (~100 µs) to a slow environment build.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    def __init__(
        self,
        live_instances: Callable[[], int],
        broken_envs: Callable[[], int] = lambda: 0,
        live_vector_envs: Callable[[], int] = lambda: 0,
        live_sub_envs: Callable[[], int] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._requests = Counter(
            "gym_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self._latency = Histogram(
            "gym_http_request_duration_seconds",
            "Time from request to response, by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._steps = Counter(
            "gym_http_steps", "Environment steps, by env id", ["env_id"], registry=r
        )
        self._resets = Counter(
            "gym_http_resets", "Environment resets, by env id", ["env_id"], registry=r
        )
        self._evictions = Counter(
            "gym_http_evictions", "Instances closed by the idle reaper", registry=r
        )
        live = Gauge("gym_http_live_instances", "Environment instances alive now", registry=r)
        live.set_function(live_instances)
        broken = Gauge(
            "gym_http_broken_envs",
            "Instances and batches whose process died or "
            "whose call overran its deadline, not yet closed",
            registry=r,
        )
        broken.set_function(broken_envs)
        batches = Gauge(
            "gym_http_live_vector_envs", "Batches of environments alive now", registry=r
        )
        batches.set_function(live_vector_envs)
        sub_envs = Gauge(
            "gym_http_live_sub_envs",
            "Environments alive now, counted as "
            "--max-envs counts them: one per instance, num_envs per batch",
            registry=r,
        )
        sub_envs.set_function(live_sub_envs or live_instances)
        self._children: dict[tuple, object] = {}

    def _child(self, metric, *labels):
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self._requests, method, route, str(status)).inc()
        self._child(self._latency, route).observe(seconds)

    def stepped(self, env_id: str) -> None:
        self._child(self._steps, env_id).inc()

    def reset(self, env_id: str) -> None:
        self._child(self._resets, env_id).inc()

    def evicted(self, count: int) -> None:
        self._evictions.inc(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


CONTENT_TYPE = CONTENT_TYPE_LATEST


class RequestMetrics:
    """Falcon middleware: count and time every request, by route template
    (never the path itself, so ids make no new series); log it at debug.
    The log line names route, status and duration only, never headers."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def process_request(self, req, resp) -> None:
        req.context.started = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        seconds = time.perf_counter() - req.context.get("started", time.perf_counter())
        route = req.uri_template or "unmatched"
        status = resp.status_code
        self.metrics.request(req.method, route, status, seconds)
        if access_log.isEnabledFor(logging.DEBUG):
            access_log.debug("%s %s %d %.2f ms", req.method, route, status, seconds * 1000)
