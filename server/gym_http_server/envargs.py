"""What a client may pass to an environment's constructor (``kwargs``).

A constructor is code run on the client's values, so three rules hold
before any backend runs one:

1. **No value names code to import.** Gymnasium (and the gym it wraps
   through shimmy) imports the module of any ``module:attr`` string it is
   asked to make, and a wrapper env that takes an env id hands the string
   straight to it. So any string in ``kwargs``, at any depth, key or value,
   whose text before a ``:`` is a dotted Python name is refused
   (``env_id_refused``), for every env, whatever is installed.
   ``catalog.checked`` applies this rule on every backend.
2. **Bounded size** (``--max-kwargs-bytes``, 1 KiB by default, measured as
   JSON): a constructor's work grows with what it is given (a 1000×1000
   FrozenLake ``desc`` took half a minute and 2 GB to build); within 1 KiB
   no registered Gymnasium env costs more than milliseconds
   (``kwargs_too_large``).
3. **Names**: any the constructor accepts, unless the operator lists them
   (``--allow-kwargs ENV_ID=NAME,...``); then only listed names of listed
   envs, plus ``render_mode`` and ``max_episode_steps``, which every env
   takes (``kwarg_not_allowed``). A batch never takes ``make_vec``'s own
   ``vector_kwargs`` or ``wrappers`` through ``kwargs``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import errors
from .errors import echo

DEFAULT_MAX_KWARGS_BYTES = 1024
ALWAYS_ALLOWED = frozenset({"render_mode", "max_episode_steps"})
# make_vec's own parameters: a client's kwargs are the env's, never these.
VECTOR_RESERVED = frozenset({"vector_kwargs", "wrappers"})
# ``module:attr`` as Gymnasium's make and load_env_creator read it.
_ENTRY_POINT = re.compile(r"^\s*[A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_\d]\w*)*\s*:")


def names_code(text: str) -> bool:
    """Whether a string would make Gymnasium (or gym) import a module."""
    return _ENTRY_POINT.match(text) is not None


def refuse_imports(value: Any, where: str = "kwargs") -> None:
    """``env_id_refused`` if any string in ``value`` names code to import."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if names_code(node):
                raise errors.EnvIdRefused(
                    f"'{where}' holds '{echo(node)}', which names a module to import; this "
                    "server never imports code on a client's say-so"
                )
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


def parse_allowed(entries: list[str] | tuple[str, ...]) -> dict[str, frozenset[str]]:
    """``--allow-kwargs ENV_ID=NAME,NAME`` (repeatable) as env id → names."""
    allowed: dict[str, set[str]] = {}
    for entry in entries:
        env_id, sep, names = entry.partition("=")
        if not sep or not env_id.strip():
            raise ValueError(f"--allow-kwargs wants ENV_ID=NAME[,NAME...], not {entry!r}")
        listed = {name.strip() for name in names.split(",") if name.strip()}
        allowed.setdefault(env_id.strip(), set()).update(listed)
    return {env_id: frozenset(names) for env_id, names in allowed.items()}


def json_size(value: Any) -> int:
    """Bytes of ``value`` written as JSON, arrays (from msgpack) by their data."""
    stack, size = [value], 0
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            size += 2 + len(node)
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            size += 2 + len(node)
            stack.extend(node)
        elif isinstance(node, str):
            size += len(node.encode("utf-8", "surrogatepass")) + 2
        elif isinstance(node, np.ndarray):
            size += max(node.nbytes, node.size)
        else:
            size += len(str(node))
    return size


@dataclass(frozen=True)
class KwargsPolicy:
    """The operator's rules 2 and 3; rule 1 holds whatever they are."""

    max_bytes: int = DEFAULT_MAX_KWARGS_BYTES
    # None: any name the constructor takes; otherwise env id -> names.
    allowed: Mapping[str, frozenset[str]] | None = field(default=None)

    def check(self, env_id: Any, kwargs: Any, *, vector: bool = False) -> None:
        if not isinstance(kwargs, dict) or not kwargs:
            return  # the catalog answers a kwargs that is not an object
        size = json_size(kwargs)
        if size > self.max_bytes:
            raise errors.KwargsTooLarge(
                f"'kwargs' is {size} bytes as JSON; this server accepts at most "
                f"{self.max_bytes} (--max-kwargs-bytes)"
            )
        names = set(kwargs)
        if vector and names & VECTOR_RESERVED:
            raise errors.KwargNotAllowed(
                f"'kwargs' may not set {sorted(names & VECTOR_RESERVED)}: they are the "
                "batch's own parameters, not the environment's"
            )
        if self.allowed is None:
            return
        from .catalog import find_spec  # the catalog checks kwargs with this module

        spec_id = find_spec(env_id).id
        refused = names - ALWAYS_ALLOWED - self.allowed.get(spec_id, frozenset())
        if refused:
            raise errors.KwargNotAllowed(
                f"This server does not let clients set {sorted(map(echo, refused))} of "
                f"{spec_id} (the operator's --allow-kwargs)"
            )
