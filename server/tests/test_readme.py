"""The README's quick start runs verbatim against a live server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
DEFAULT = "http://127.0.0.1:5000"


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)


def run(block: str, base_url: str, cwd: Path | None = None) -> str:
    script = "set -euo pipefail\n" + block.replace(DEFAULT, base_url)
    out = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, cwd=cwd
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_quick_start_curl_session_prints_what_the_comments_say(base_url):
    block = next(b for b in shell_blocks() if "BASE=" in b)
    output = run(block, base_url)
    comments = [line[2:] for line in block.splitlines() if line.startswith("# {")]
    # The reset line is exact (seed 42); the others are shown with "..." elisions.
    assert comments[0] in output
    assert '"terminated":false,"truncated":false,"done":false' in output
    assert comments[2] in output
    assert '"envs":[' in output


def test_error_example_prints_what_the_comment_says(base_url):
    block = next(b for b in shell_blocks() if "FrozenLake-v0" in b)
    expected = next(line[2:] for line in block.splitlines() if line.startswith("# {"))
    assert run(block, base_url) == expected


def test_recording_session_records_uploads_and_reads_back(base_url):
    block = next(b for b in shell_blocks() if "monitor/start" in b)
    upload, listed = json_documents(run(block, base_url))
    assert upload["env_id"] == "CartPole-v1" and upload["episodes"] == 3
    assert upload["run_id"] in [run["run_id"] for run in listed["runs"]]


def test_png_frame_example_saves_a_png(base_url, tmp_path):
    block = next(b for b in shell_blocks() if "format=png" in b)
    assert run(block, base_url, cwd=tmp_path) == "image/png\nimage/png\n"
    assert (tmp_path / "frame.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def json_documents(text: str) -> list:
    """The JSON values curl printed one after another (without newlines)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        value, at = decoder.raw_decode(text, at)
        found.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def test_msgpack_example_prints_what_the_comment_says(base_url):
    block = next(
        b
        for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
        if "application/msgpack" in b
    )
    script = block.replace(DEFAULT, base_url)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first == "float32 (4,)"
    assert second.startswith("1.0 False [")


def test_batch_session_prints_what_the_comments_say(base_url):
    block = next(b for b in shell_blocks() if "/v1/vector_envs/" in b)
    output = run(block, base_url)
    reset, step = json_documents(output)
    assert [len(o) for o in reset["observations"]] == [4, 4, 4] and reset["infos"] == {}
    assert [len(o) for o in step["observations"]] == [4, 4, 4]
    comment = next(line for line in block.splitlines() if '"rewards"' in line)
    assert comment[comment.index('"rewards"') :] in output


def test_agents_example_shows_a_group_a_schema_and_a_refusal(base_url):
    block = next(b for b in shell_blocks() if "env_groups" in b)
    output = run(block, base_url)
    first = '{"question":"19 * 13 = ?","round":0,"score":0}'
    assert output.count(first) == 4
    assert '"type":"string","minLength":1,"maxLength":8' in output
    refusal = next(line[2:] for line in block.splitlines() if '"invalid_action"' in line)
    assert refusal in output


def test_mcp_registration_example_names_the_installed_command():
    config = json.loads(re.findall(r"```json\n(.*?)```", README.read_text(), flags=re.S)[-1])
    server = config["mcpServers"]["gym"]
    assert server["command"] == "gym-http-mcp" and "--server" in server["args"]
