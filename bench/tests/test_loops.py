"""The bench's clients against real servers on loopback."""

import json
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, HTTPServer

import held
import peers
import pytest
from loops import Client, RemoteStepper


@pytest.fixture(scope="module")
def served():
    """This server on loopback, and its process id (for its memory)."""
    with ExitStack() as stack:
        url, process = peers.serve_ours(stack)
        yield url, process.pid


def test_held_sessions_all_hold_and_the_servers_memory_is_read(served):
    url, pid = served
    count, seconds, mib = held.hold_http(url, 8, pid)
    assert count == 8 and seconds > 0 and mib > 10
    assert Client(url).call("GET", "/v1/envs/")["all_envs"] != {}


def test_remote_stepper_steps_through_episodes(served):
    stepper = RemoteStepper(Client(served[0]), "CartPole-v1", 2)
    for i in range(600):  # longer than CartPole-v1's 500-step limit: it resets
        stepper(i)


class OneShot(BaseHTTPRequestHandler):
    """HTTP/1.0, as Werkzeug's development server answers: one request per connection."""

    def do_GET(self):  # noqa: N802
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_client_opens_a_new_connection_after_an_http_1_0_answer():
    httpd = HTTPServer(("127.0.0.1", 0), OneShot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        client = Client(f"http://127.0.0.1:{httpd.server_port}")
        assert [client.call("GET", f"/{i}")["path"] for i in range(3)] == ["/0", "/1", "/2"]
    finally:
        httpd.shutdown()
