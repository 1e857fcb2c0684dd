// Every endpoint method against the real server, and the transport's
// timeouts, retries and headers. Faults are injected in front of the real
// server (a failing fetch, a silent socket), never in place of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  GymClient, APIConnectionError, APITimeoutError, APIUserAbortError, UnknownInstanceError, InternalServerError,
} from "../src/index.js";
import { startServer, HAS_TESTENVS, ALL_SPACES } from "./support/server.js";

let server;
let client;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL });
});
after(() => server?.stop());

/** A fetch that records each call, fails the first `failures` of them without sending, then uses the real one. */
function flakyFetch(failures) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    if (calls.length <= failures) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    return fetch(url, init);
  };
  return { fetchImpl, calls };
}

test("health, registry and listEnvs describe the server", async () => {
  const health = await client.health();
  assert.equal(health.status, "ok");
  assert.equal(typeof health.version, "string");
  const registry = await client.registry();
  assert.ok(registry.some((entry) => entry.env_id === "CartPole-v1"));
  assert.equal(typeof (await client.listEnvs()), "object");
});

test("an instance is created, listed, described, used and closed", async () => {
  const id = await client.createEnv({ envId: "CartPole-v1", seed: 5 });
  assert.match(id, /^[0-9a-f]{8}$/);
  assert.equal((await client.listEnvs())[id], "CartPole-v1");
  const description = await client.describeEnv(id);
  assert.equal(description.env_id, "CartPole-v1");
  assert.equal(description.seed, 5);
  assert.deepEqual(await client.actionSpace(id), description.action_space);
  assert.deepEqual(await client.observationSpace(id), description.observation_space);

  const first = await client.reset(id, { seed: 11 });
  assert.equal(first.observation.length, 4);
  assert.deepEqual((await client.reset(id, { seed: 11 })).observation, first.observation);
  const action = await client.sampleAction(id);
  assert.ok(await client.containsAction(id, action));
  assert.equal(await client.containsAction(id, 2), false);
  assert.ok(await client.containsObservation(id, first.observation));
  assert.equal(await client.containsObservation(id, [1, 2]), false);

  const step = await client.step(id, action);
  assert.equal(step.reward, 1);
  assert.equal(step.done, step.terminated || step.truncated);
  assert.equal((await client.describeEnv(id)).total_steps, 1);

  await client.closeEnv(id);
  assert.equal((await client.listEnvs())[id], undefined);
  await assert.rejects(client.closeEnv(id), UnknownInstanceError);
});

test("createEnv passes kwargs and renderMode, and render returns the frame", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const id = await client.createEnv({ envId: ALL_SPACES, renderMode: "ansi", kwargs: { length: 2 } });
  try {
    await client.reset(id);
    const action = await client.sampleAction(id);
    assert.equal((await client.step(id, action)).terminated, false);
    const last = await client.step(id, action, { render: true });
    assert.equal(last.terminated, true);
    assert.equal(last.render, "t=2\n");
    assert.deepEqual(await client.render(id), { render_mode: "ansi", frame: "t=2\n" });
  } finally {
    await client.closeEnv(id);
  }
});

test("reset passes options through to the environment", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const id = await client.createEnv(ALL_SPACES);
  try {
    const { info } = await client.reset(id, { options: { level: 3 } });
    assert.deepEqual(info.options, { level: 3 });
  } finally {
    await client.closeEnv(id);
  }
});

test("a bearer token and extra headers are sent on every request", async () => {
  const { fetchImpl, calls } = flakyFetch(0);
  const authed = new GymClient({ baseURL: server.baseURL, token: "s3cret", fetch: fetchImpl, headers: { "x-trace": "1" } });
  await authed.health();
  const sent = calls[0].init.headers;
  assert.equal(sent.get("authorization"), "Bearer s3cret");
  assert.equal(sent.get("x-trace"), "1");
  assert.match(sent.get("user-agent"), /^gym-http-client-node\//);
});

test("a GET is retried after a connection failure and then reaches the server", async () => {
  const { fetchImpl, calls } = flakyFetch(1);
  const retrying = new GymClient({ baseURL: server.baseURL, fetch: fetchImpl, maxRetries: 2 });
  assert.equal((await retrying.health()).status, "ok");
  assert.equal(calls.length, 2);
});

test("create, reset and step are never retried", async () => {
  const id = await client.createEnv("CartPole-v1");
  try {
    for (const call of [(c) => c.createEnv("CartPole-v1"), (c) => c.reset(id), (c) => c.step(id, 0)]) {
      const { fetchImpl, calls } = flakyFetch(1);
      const retrying = new GymClient({ baseURL: server.baseURL, fetch: fetchImpl, maxRetries: 3 });
      await assert.rejects(call(retrying), APIConnectionError);
      assert.equal(calls.length, 1);
    }
  } finally {
    await client.closeEnv(id);
  }
});

test("retries give up after maxRetries", async () => {
  const { fetchImpl, calls } = flakyFetch(10);
  const retrying = new GymClient({ baseURL: server.baseURL, fetch: fetchImpl, maxRetries: 1 });
  await assert.rejects(retrying.listEnvs(), APIConnectionError);
  assert.equal(calls.length, 2);
});

test("a retried close that finds the instance gone counts as closed", async () => {
  const id = await client.createEnv("CartPole-v1");
  let sent = 0;
  // The first attempt reaches the server and closes the instance, but its answer is lost.
  const losingFetch = async (url, init) => {
    sent += 1;
    const response = await fetch(url, init);
    if (sent === 1) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    return response;
  };
  const retrying = new GymClient({ baseURL: server.baseURL, fetch: losingFetch, maxRetries: 2 });
  await retrying.closeEnv(id);
  assert.equal(sent, 2);
  assert.equal((await client.listEnvs())[id], undefined);
});

test("a silent server times out with APITimeoutError", async () => {
  const sockets = new Set();
  const silent = net.createServer((socket) => sockets.add(socket));
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = silent.address();
    const slow = new GymClient({ baseURL: `http://127.0.0.1:${port}`, timeoutMs: 200, maxRetries: 0 });
    const started = Date.now();
    await assert.rejects(slow.health(), APITimeoutError);
    assert.ok(Date.now() - started < 5000);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("a per-call timeoutMs overrides the client's, and other requests still answer", async () => {
  const sockets = new Set();
  const silent = net.createServer((socket) => sockets.add(socket));
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = silent.address();
    const patient = new GymClient({ baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const started = Date.now();
    const waiting = patient.health({ timeoutMs: 300 });
    assert.equal((await client.health()).status, "ok");
    await assert.rejects(waiting, APITimeoutError);
    const waited = Date.now() - started;
    assert.ok(waited >= 290 && waited < 5000, `timed out after ${waited} ms`);
    patient.close();
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("the caller's AbortSignal stops a request", async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(client.health({ signal: controller.signal }), APIUserAbortError);
});

test("the low-level request returns error answers without throwing", async () => {
  const response = await client.request("POST", "/v1/envs/0badf00d/reset");
  assert.equal(response.status, 400);
  assert.equal(response.body.code, "unknown_instance");
  const raw = await client.request("POST", "/v1/envs/", { rawBody: "{not json" });
  assert.equal(raw.body.code, "malformed_json");
});

test("a GET answered 503 with Retry-After is retried after that wait", async () => {
  const calls = [];
  const busyOnce = async (url, init) => {
    calls.push(Date.now());
    if (calls.length === 1) {
      return new Response(JSON.stringify({ message: "busy", code: "internal_error" }), {
        status: 503, headers: { "retry-after": "0.3", "content-type": "application/json" },
      });
    }
    return fetch(url, init);
  };
  const retrying = new GymClient({ baseURL: server.baseURL, fetch: busyOnce, maxRetries: 1 });
  assert.equal((await retrying.health()).status, "ok");
  assert.equal(calls.length, 2);
  assert.ok(calls[1] - calls[0] >= 280, `waited ${calls[1] - calls[0]} ms`);
});

test("a step answered 503 is not retried and surfaces as InternalServerError", async () => {
  let calls = 0;
  const busy = async () => {
    calls += 1;
    return new Response(JSON.stringify({ message: "busy", code: "internal_error" }), { status: 503 });
  };
  const retrying = new GymClient({ baseURL: server.baseURL, fetch: busy, maxRetries: 3 });
  await assert.rejects(retrying.step("0badf00d", 0), (e) => e instanceof InternalServerError && e.status === 503);
  assert.equal(calls, 1);
});

/** A TCP relay in front of the real server that counts connections and keeps what clients sent. */
async function relay() {
  const upstream = new URL(server.baseURL);
  const seen = { connections: 0, sent: "" };
  const sockets = new Set();
  const proxy = net.createServer((socket) => {
    seen.connections += 1;
    const outgoing = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(socket).add(outgoing);
    socket.on("data", (chunk) => { seen.sent += chunk.toString("latin1"); });
    socket.pipe(outgoing).pipe(socket);
    socket.on("error", () => outgoing.destroy());
    outgoing.on("error", () => socket.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => proxy.close(resolve));
  };
  return { url: `http://127.0.0.1:${proxy.address().port}`, seen, stop };
}

test("steps reuse one keep-alive connection, and close() lets it go", async () => {
  const proxy = await relay();
  const viaProxy = new GymClient({ baseURL: proxy.url });
  try {
    const id = await viaProxy.createEnv("CartPole-v1");
    await viaProxy.reset(id, { seed: 1 });
    for (let i = 0; i < 20; i += 1) await viaProxy.step(id, i % 2);
    await viaProxy.closeEnv(id);
    assert.equal(proxy.seen.connections, 1);
    viaProxy.close();
    assert.equal((await viaProxy.health()).status, "ok");
    assert.equal(proxy.seen.connections, 2);
  } finally {
    viaProxy.close();
    await proxy.stop();
  }
});

test("the token, extra headers and body length go out with each request", async () => {
  const proxy = await relay();
  const authed = new GymClient({ baseURL: proxy.url, token: "s3cret", headers: { "X-Trace": "1" } });
  try {
    const response = await authed.request("POST", "/v1/envs/", { body: { env_id: "CartPole-v1" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    const [head, body] = proxy.seen.sent.split("\r\n\r\n");
    const lines = head.toLowerCase().split("\r\n");
    for (const line of ["authorization: bearer s3cret", "x-trace: 1", "content-type: application/json"]) {
      assert.ok(lines.includes(line), `${line} in ${head}`);
    }
    assert.ok(lines.includes(`content-length: ${Buffer.byteLength(body)}`), head);
    assert.equal(body, '{"env_id":"CartPole-v1"}');
    await authed.closeEnv(response.body.instance_id);
  } finally {
    authed.close();
    await proxy.stop();
  }
});
