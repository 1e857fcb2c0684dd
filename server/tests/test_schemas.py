"""Each space's JSON Schema against the server's own decoding, by hypothesis.

For every space of the shared list, hypothesis draws wire values: samples
of the space, and samples bent at one place (a number pushed just past a
bound, a wrong type, a key dropped or added, an array cut or grown, a
string off the charset). The schema and ``spaces.contains`` must agree on
every one: schema-valid values decode into the space, the rest are refused.
Most examples run here in-process; test_envs' HTTP test steps a bounded
sample through a real server.
"""

from __future__ import annotations

import math
import random

import numpy as np
import orjson
import pytest
from gymnasium import spaces as gs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_spaces_codec import IDS, TESTING_SPACES

from conftest import error_of
from gym_http_server import media, schemas, spaces

EXAMPLES_PER_SPACE = 460
VALUES_PER_EXAMPLE = 2  # the sample and a bent copy
CHECKED = [0]  # values compared, over the session (the report's count)
JUNK = [
    None,
    True,
    False,
    "",
    "a",
    "NaN",
    "Infinity",
    "-Infinity",
    "\n",
    "é",
    0,
    -1,
    1,
    2,
    7,
    1.5,
    -0.0,
    2**63,
    -(2**63) - 1,
    1e300,
    [],
    {},
    [[]],
    {"nodes": []},
]


def wire(data):
    return orjson.loads(media.dump_json(data))


def near(rng: random.Random, number):
    """A number at or just beyond ``number``, where float32 rounding and bounds bite."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return rng.choice(JUNK)
    x = float(number)
    up32 = float(np.nextafter(np.float32(x), np.float32(math.inf)))
    steps = [
        x,
        np.nextafter(x, math.inf),
        np.nextafter(x, -math.inf),
        up32,
        float(np.nextafter(np.float32(x), np.float32(-math.inf))),
        (x + up32) / 2,
        x + 1,
        x - 1,
        x + 0.5,
        -x,
        3.4028235e38,
        3.4028236e38,
        0.1,
        0.7,
    ]
    values = [float(v) for v in steps if math.isfinite(v)]
    if isinstance(number, int):
        values += [number + 1, number - 1, number + 256, -number]
    return rng.choice(values)


def bent(rng: random.Random, data):
    """``data`` with one place changed (or, sometimes, none)."""
    if isinstance(data, dict) and data:
        key = rng.choice(sorted(data))
        choice = rng.randrange(5)
        if choice == 0:
            return {k: v for k, v in data.items() if k != key}
        if choice == 1:
            return {**data, "extra": 0}
        return {**data, key: bent(rng, data[key])}
    if isinstance(data, list):
        choice = rng.randrange(7)
        if choice == 0:
            return data[:-1]
        if choice == 1:
            return data + [rng.choice(data or JUNK)]
        if choice == 2:
            return [data]
        if data and choice < 6:
            index = rng.randrange(len(data))
            return data[:index] + [bent(rng, data[index])] + data[index + 1 :]
        return data
    if isinstance(data, str):
        return rng.choice([data, data + "\n", data + "z", data[:-1], data * 2, *JUNK])
    return near(rng, data) if rng.random() < 0.8 else rng.choice(JUNK)


def graph_gap(space, data) -> bool:
    """What JSON Schema cannot say about a Graph (links name existing nodes,
    one link per edge): those refusals are decode's alone, by design."""
    try:
        spaces.decode(space, data)
    except ValueError as error:
        return "edge_links" in str(error) and (
            "out of range" in str(error) or "one link per edge" in str(error)
        )
    return False


def contains_graph(space) -> bool:
    if isinstance(space, gs.Graph):
        return True
    children = getattr(space, "spaces", None) or []
    if isinstance(children, dict):
        children = children.values()
    feature = [space.feature_space] if isinstance(space, gs.Sequence) else []
    return any(contains_graph(sub) for sub in [*children, *feature])


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_schema_is_valid_2020_12_and_accepts_samples(space):
    document = wire(schemas.document(space))
    Draft202012Validator.check_schema(document)
    validator = Draft202012Validator(document)
    space.seed(1)
    for _ in range(20):
        value = wire(spaces.encode(space, space.sample()))
        assert validator.is_valid(value), list(validator.iter_errors(value))[:1]


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_schema_and_decode_agree_on_every_value(space):
    validator = Draft202012Validator(wire(schemas.document(space)))
    graphs = contains_graph(space)

    @settings(
        max_examples=EXAMPLES_PER_SPACE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.integers(0, 2**31 - 1))
    def agree(seed):
        space.seed(seed)
        rng = random.Random(seed)
        sample = wire(spaces.encode(space, space.sample()))
        for value in [sample] + [bent(rng, sample) for _ in range(VALUES_PER_EXAMPLE - 1)]:
            valid, member = validator.is_valid(value), spaces.contains(space, value)
            CHECKED[0] += 1
            if graphs and valid and not member and graph_gap(space, value):
                continue
            assert valid == member, (value, list(validator.iter_errors(value))[:1])

    agree()


def test_float32_bounds_are_exact_after_rounding():
    box = gs.Box(0.1, 0.7, (1,), np.float32)
    validator = Draft202012Validator(schemas.document(box))
    top = schemas.json_schema(box)["anyOf"][0]["items"]["maximum"]
    assert np.float32(top) <= np.float32(0.7) < np.float32(np.nextafter(top, 1.0))
    for value in (top, float(np.nextafter(top, 1.0)), 0.7, 0.1, 0.09999999):
        assert validator.is_valid([value]) == spaces.contains(box, [value]), value


def test_text_schema_refuses_a_trailing_newline_and_foreign_characters():
    validator = Draft202012Validator(schemas.document(gs.Text(4, min_length=0, charset="ab")))
    assert validator.is_valid("ab") and validator.is_valid("")
    assert not validator.is_valid("ab\n") and not validator.is_valid("abc")
    assert not validator.is_valid("aaaaa")


HTTP_VALUES = 40  # per env: a bounded sample through a real server


@pytest.mark.parametrize("env_id", ["GymHttpTest/AllSpaces-v0", "GymHttpTest/GraphOneOf-v0"])
def test_step_takes_what_the_served_schema_accepts_and_names_where_it_refuses(http, create, env_id):
    instance_id = create(env_id, seed=7, kwargs={"length": 1000})
    base = f"/v1/envs/{instance_id}"
    validator = Draft202012Validator(http.get(f"{base}/action_space/json_schema").json())
    observation_schema = Draft202012Validator(
        http.get(f"{base}/observation_space/json_schema").json()
    )
    rng = random.Random(7)
    assert observation_schema.is_valid(http.post(f"{base}/reset").json()["observation"])
    verdicts = set()
    for _ in range(HTTP_VALUES):
        action = bent(rng, http.get(f"{base}/action_space/sample").json()["action"])
        response = http.post(f"{base}/step", json={"action": action})
        if validator.is_valid(action):
            assert response.status_code == 200, (action, response.text)
            body = response.json()
            assert observation_schema.is_valid(body["observation"])
            if body["done"]:
                http.post(f"{base}/reset")
        else:
            body = error_of(response, 400, "invalid_action")
            if isinstance(action, dict) and set(action) == set(validator.schema["required"]):
                assert " at /" in body["message"], body
        verdicts.add(response.status_code)
    assert verdicts == {200, 400}
