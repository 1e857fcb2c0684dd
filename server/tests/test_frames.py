"""Frames as PNG images: negotiated on GET render, JSON staying the default."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from conftest import error_of
from gym_http_server.frames import encode_png


def png_of(response) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    return np.asarray(Image.open(io.BytesIO(response.content)))


def test_png_frame_is_the_json_frame_pixel_for_pixel(http, create):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1})
    as_json = np.asarray(http.get(f"/v1/envs/{instance_id}/render/").json()["frame"])
    by_param = png_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"))
    by_accept = png_of(http.get(f"/v1/envs/{instance_id}/render/", headers={"Accept": "image/png"}))
    assert by_param.shape == as_json.shape == (400, 600, 3)
    assert (by_param == as_json).all() and (by_accept == as_json).all()


def test_png_frame_changes_when_the_env_moves(http, create):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1})
    before = png_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"))
    for _ in range(5):
        http.post(f"/v1/envs/{instance_id}/step/", json={"action": 1})
    after = png_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"))
    assert not (before == after).all()


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, image/png;q=0.5", "text/html"]
)
def test_json_stays_the_default_whatever_the_client_accepts(http, create, accept):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/")
    headers = {"Accept": accept} if accept else {}
    response = http.get(f"/v1/envs/{instance_id}/render/", headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["render_mode"] == "rgb_array"


def test_format_parameter_wins_over_accept(http, create):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/")
    json_anyway = http.get(
        f"/v1/envs/{instance_id}/render/?format=json", headers={"Accept": "image/png"}
    )
    assert json_anyway.json()["render_mode"] == "rgb_array"
    png_of(
        http.get(
            f"/v1/envs/{instance_id}/render/?format=png", headers={"Accept": "application/json"}
        )
    )


def test_ansi_frames_stay_text_and_refuse_png(http, create):
    instance_id = create("FrozenLake-v1", render_mode="ansi")
    http.post(f"/v1/envs/{instance_id}/reset/")
    assert isinstance(http.get(f"/v1/envs/{instance_id}/render/").json()["frame"], str)
    error_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"), 400, "png_needs_rgb_array")
    error_of(
        http.get(f"/v1/envs/{instance_id}/render/", headers={"Accept": "image/png"}),
        400,
        "png_needs_rgb_array",
    )


def test_png_without_render_mode_is_png_needs_rgb_array(http, create):
    instance_id = create("CartPole-v1")
    http.post(f"/v1/envs/{instance_id}/reset/")
    error_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"), 400, "png_needs_rgb_array")


def test_render_before_the_first_reset_is_reset_needed(http, create):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    error_of(http.get(f"/v1/envs/{instance_id}/render/?format=png"), 400, "reset_needed")
    error_of(http.get(f"/v1/envs/{instance_id}/render/"), 400, "reset_needed")


@pytest.mark.parametrize("value", ["gif", "PNG", ""])
def test_unknown_format_is_invalid_parameter(http, create, value):
    instance_id = create("CartPole-v1", render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/")
    error_of(http.get(f"/v1/envs/{instance_id}/render/?format={value}"), 400, "invalid_parameter")


def test_png_of_unknown_instance_is_unknown_instance(http):
    error_of(http.get("/v1/envs/00000000/render/?format=png"), 400, "unknown_instance")


@pytest.mark.parametrize("shape", [(4, 5), (4, 5, 3), (4, 5, 4)])
def test_grey_rgb_and_rgba_frames_encode_losslessly(shape):
    frame = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    assert (np.asarray(Image.open(io.BytesIO(encode_png(frame)))) == frame).all()
