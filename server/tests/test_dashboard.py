"""The dashboard and the API docs in a real browser: Debian's Chromium, driven
by Playwright, against a real server on a loopback port. Where Chromium cannot
run, every test here is SKIPPED with the reason."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from gym_http_server.testing import running_server

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (requirements-dev.txt)"
)
expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parents[2] / "reports" / "screenshots"
LOCAL_SCHEMES = {"data", "blob"}


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"browser tests need Chromium, and there is none at {CHROMIUM} "
            "(make test installs Debian's chromium when run as root)"
        )
    with playwright_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except playwright_api.Error as error:
            pytest.skip(f"browser tests need Chromium, and it cannot run here: {error}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server():
    with running_server() as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


class Visit:
    """A browser tab that records every request and every error of the page,
    and lets no request leave the machine."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 1100})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route(lambda url: not is_local(url), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self.on_console)

    def on_console(self, message) -> None:
        # API errors the page shows are logged as failed loads; anything else
        # (a CSP refusal, an exception) is an error of the page itself.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


@pytest.fixture
def visit(browser):
    tab = Visit(browser)
    yield tab
    tab.context.close()


def create(client, **fields) -> str:
    response = client.post("/v1/envs/", json={"env_id": "CartPole-v1", **fields})
    assert response.status_code == 200, response.text
    return response.json()["instance_id"]


PIXELS = """img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  canvas.getContext("2d").drawImage(img, 0, 0);
  return canvas.toDataURL();
}"""


def pixels_change(image, before: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if image.evaluate(PIXELS) != before:
            return True
        time.sleep(0.1)
    return False


def test_dashboard_lists_a_live_instance_and_its_frame_follows_the_steps(server, visit):
    instance_id = create(server, render_mode="rgb_array")
    server.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 3})
    page = visit.page
    page.goto(f"{server.base_url}/dashboard")
    row = page.locator(f'#instances tr[data-instance-id="{instance_id}"]')
    expect(row).to_contain_text("CartPole-v1")
    expect(row).to_contain_text("rgb_array")
    image = page.locator(f'figure.frame[data-instance-id="{instance_id}"] img')
    page.wait_for_function("img => img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [600, 400]
    before = image.evaluate(PIXELS)
    for _ in range(8):
        server.post(f"/v1/envs/{instance_id}/step/", json={"action": 1})
    expect(row.locator("td").nth(3)).to_have_text("8")
    assert pixels_change(image, before), "the frame did not follow the steps"
    server.post(f"/v1/envs/{instance_id}/close/")
    expect(row).to_have_count(0)
    assert not visit.errors


def record_and_upload(client, episodes: int) -> dict:
    instance_id = create(client)
    folder = f"/runs/dashboard-{instance_id}"
    assert (
        client.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": folder}
        ).status_code
        == 204
    )
    for episode in range(episodes):
        client.post(f"/v1/envs/{instance_id}/reset/", json={"seed": episode})
        while not client.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).json()["done"]:
            pass
    assert client.post(f"/v1/envs/{instance_id}/monitor/close/").status_code == 204
    client.post(f"/v1/envs/{instance_id}/close/")
    upload = client.post(
        "/v1/upload/", json={"training_dir": folder, "api_key": "me", "algorithm_id": "always-left"}
    )
    assert upload.status_code == 200, upload.text
    return client.get(f"/v1/results/{upload.json()['run_id']}").json()


def test_uploaded_run_is_listed_and_plotted_one_point_per_episode(server, visit):
    run = record_and_upload(server, episodes=4)
    live = create(server, render_mode="rgb_array")  # for the screenshot
    server.post(f"/v1/envs/{live}/reset/", json={"seed": 5})
    page = visit.page
    page.goto(f"{server.base_url}/dashboard")
    row = page.locator(f'#runs tr[data-run-id="{run["run_id"]}"]')
    expect(row).to_contain_text("always-left")
    row.get_by_role("link").click()
    points = page.locator("#runs svg.plot circle.episode")
    expect(points).to_have_count(4)
    labels = [points.nth(i).locator("title").text_content() for i in range(4)]
    assert labels == [
        f"episode {i + 1}: reward {int(r)}" for i, r in enumerate(run["episode_rewards"])
    ]
    expect(page.locator("#runs .plot-title")).to_contain_text(run["run_id"])
    page.wait_for_function("() => document.querySelector('figure.frame img')?.naturalWidth > 0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)
    server.post(f"/v1/envs/{live}/close/")
    assert not visit.errors


def test_unknown_run_shows_the_api_error(server, visit):
    visit.page.goto(f"{server.base_url}/dashboard#run=0000000000000000")
    problem = visit.page.locator("#runs .plot-error")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("No uploaded run has the id 0000000000000000 (unknown_run)")


def test_stopped_server_shows_a_readable_message_not_a_blank_panel(visit):
    with running_server() as url:
        visit.page.goto(f"{url}/dashboard")
        expect(visit.page.locator("#instances .empty")).to_be_visible()
    problem = visit.page.locator("#instances .error")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("did not answer")


def test_docs_render_swagger_ui_with_every_operation(server, visit, spec):
    operations = [
        op for item in spec["paths"].values() for key, op in item.items() if key != "parameters"
    ]
    visit.page.goto(f"{server.base_url}/docs")
    expect(visit.page.locator(".opblock")).to_have_count(len(operations))
    expect(visit.page.locator("#swagger-ui")).to_contain_text("Render the current frame")
    assert not visit.errors


def test_pages_request_nothing_but_this_server(server, visit):
    instance_id = create(server, render_mode="rgb_array")
    server.post(f"/v1/envs/{instance_id}/reset/")
    page = visit.page
    page.goto(f"{server.base_url}/")
    page.wait_for_function("() => document.querySelector('figure.frame img')?.naturalWidth > 0")
    page.goto(f"{server.base_url}/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    server.post(f"/v1/envs/{instance_id}/close/")
    assert any("/render/?format=png" in url for url in visit.requests)
    assert any(url.endswith("/openapi.yaml") for url in visit.requests)
    outside = [url for url in visit.requests if not is_local(url)]
    assert not outside, outside
    assert not visit.errors, visit.errors


def test_a_token_protected_server_is_watched_with_its_token_in_the_fragment(visit):
    with (
        running_server("--token", "dashboard-secret") as url,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer dashboard-secret"}) as client,
    ):
        instance_id = create(client)
        page = visit.page
        page.goto(f"{url}/dashboard")
        expect(page.locator("#instances")).to_contain_text("unauthorized")
        expect(page.locator("#instances")).to_contain_text("#token=")
        page.goto(f"{url}/dashboard#token=dashboard-secret")
        page.reload()
        row = page.locator(f'#instances tr[data-instance-id="{instance_id}"]')
        expect(row).to_contain_text("CartPole-v1")
        assert not any("dashboard-secret" in request for request in visit.requests)
        client.post(f"/v1/envs/{instance_id}/close/")


def test_docs_try_it_out_calls_the_server_the_page_came_from(server, visit):
    """Not a fixed 127.0.0.1:5000: the spec's server URL is relative."""
    page = visit.page
    page.goto(f"{server.base_url}/docs")
    block = page.locator(".opblock", has_text="/healthz").first
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    expect(block.locator(".live-responses-table")).to_contain_text("200")
    assert f"{server.base_url}/healthz" in visit.requests
    assert not visit.errors


def test_dashboard_lists_a_batch_and_counts_its_sub_envs(server, visit):
    batch = server.post("/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 3})
    assert batch.status_code == 200, batch.text
    vector_id = batch.json()["vector_id"]
    page = visit.page
    page.goto(f"{server.base_url}/dashboard")
    row = page.locator(f'#batches tr[data-vector-id="{vector_id}"]')
    expect(row).to_contain_text("CartPole-v1")
    expect(row.locator("td").nth(2)).to_have_text("3")
    health = server.get("/healthz").json()
    expect(page.locator("#batches .summary")).to_contain_text(
        f"{health['sub_envs']} of {health['max_envs']} environments"
    )
    server.post(f"/v1/vector_envs/{vector_id}/close/")
    expect(row).to_have_count(0)
    assert not visit.errors
