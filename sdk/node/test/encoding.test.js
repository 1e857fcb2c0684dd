// msgpack negotiation against the real server: the client asks for msgpack,
// decodes by Content-Type, and gives the same values as over JSON; a server
// that answers JSON (simulated by a relay that rewrites the Accept header in
// front of the real server) keeps working; PNG frames come as bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { GymClient, makeEnv, BadRequestError, NotImplementedError } from "../src/index.js";
import { startServer, HAS_TESTENVS, ALL_SPACES } from "./support/server.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/**
 * A TCP relay in front of the real server that replaces every request's
 * Accept header with `accept`, as a server that only speaks JSON would
 * behave; it keeps what the client sent.
 */
async function acceptRewriter(accept) {
  const upstream = new URL(server.baseURL);
  const seen = { sent: "" };
  const sockets = new Set();
  const proxy = net.createServer((socket) => {
    const outgoing = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(socket).add(outgoing);
    socket.on("data", (chunk) => {
      const text = chunk.toString("latin1");
      seen.sent += text;
      outgoing.write(Buffer.from(text.replace(/^accept: .*$/im, `accept: ${accept}`), "latin1"));
    });
    outgoing.pipe(socket);
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

/** reset, a few steps and a sample through `client`, from a fresh instance seeded alike. */
async function episode(client, envId, actions) {
  const id = await client.createEnv({ envId, seed: 7 });
  try {
    const answers = [await client.reset(id, { seed: 3 })];
    for (const action of actions) answers.push(await client.step(id, action));
    answers.push(await client.describeEnv(id).then((d) => [d.action_space, d.observation_space]));
    return answers;
  } finally {
    await client.closeEnv(id);
  }
}

test("by default the client asks for msgpack and the server answers it", async () => {
  const client = new GymClient({ baseURL: server.baseURL });
  assert.equal(client.encoding, "msgpack");
  const response = await client.request("POST", "/v1/envs/", { body: { env_id: "CartPole-v1" } });
  assert.equal(response.headers.get("content-type"), "application/msgpack");
  assert.match(response.body.instance_id, /^[0-9a-f]{8}$/);
  const reset = await client.request("POST", `/v1/envs/${response.body.instance_id}/reset/`, { body: { seed: 1 } });
  assert.equal(reset.headers.get("content-type"), "application/msgpack");
  assert.ok(reset.bytes.length < Buffer.byteLength(JSON.stringify(reset.body)), "msgpack is the smaller body");
  assert.equal(reset.body.observation.length, 4);
  await client.closeEnv(response.body.instance_id);
  client.close();
});

test("encoding: json asks for JSON only", async () => {
  const proxy = await acceptRewriter("application/json");
  const client = new GymClient({ baseURL: proxy.url, encoding: "json" });
  try {
    const response = await client.request("GET", "/v1/envs/");
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.match(proxy.seen.sent, /^accept: application\/json\r$/im);
  } finally {
    client.close();
    await proxy.stop();
  }
  assert.throws(() => new GymClient({ encoding: "cbor" }), TypeError);
});

test("msgpack and JSON answers give GymClient the same values, every space kind", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const viaMsgpack = new GymClient({ baseURL: server.baseURL });
  const viaJSON = new GymClient({ baseURL: server.baseURL, encoding: "json" });
  const action = { move: 2, flags: [1, 0, 1], levels: [1, 2], say: "abc", force: [0.25, -1.5] };
  const probe = await viaMsgpack.request("GET", "/v1/registry/");
  assert.equal(probe.headers.get("content-type"), "application/msgpack");
  const [fromMsgpack, fromJSON] = [await episode(viaMsgpack, ALL_SPACES, [action, action]), await episode(viaJSON, ALL_SPACES, [action, action])];
  assert.deepEqual(fromMsgpack, fromJSON);
  // info carries a float64 array, an int64 scalar, an infinite float and a bool-free int array.
  assert.deepEqual(fromMsgpack[1].info.force, [0.25, -1.5]);
  assert.equal(fromMsgpack[1].info.unbounded, "Infinity");
  viaMsgpack.close();
  viaJSON.close();
});

test("RemoteEnv gives the same CartPole episode whichever encoding travelled", async () => {
  const runs = [];
  for (const encoding of ["msgpack", "json"]) {
    const env = await makeEnv("CartPole-v1", { baseURL: server.baseURL, encoding, seed: 1 });
    try {
      const trace = [await env.reset({ seed: 42 })];
      for (let i = 0; i < 10; i += 1) trace.push(await env.step(i % 2));
      runs.push(trace);
    } finally {
      await env.close();
      env.client.close();
    }
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(typeof runs[0][1].observation[0], "number");
});

test("a server that answers JSON to a msgpack request keeps working", async () => {
  const proxy = await acceptRewriter("application/json");
  const env = await makeEnv("CartPole-v1", { baseURL: proxy.url });
  try {
    const { observation } = await env.reset({ seed: 42 });
    assert.equal(observation.length, 4);
    const { reward } = await env.step(0);
    assert.equal(reward, 1);
    assert.match(proxy.seen.sent, /^accept: application\/msgpack, application\/json;q=0.5\r$/im);
    const raw = await env.client.request("GET", "/v1/envs/");
    assert.equal(raw.headers.get("content-type"), "application/json");
  } finally {
    await env.close();
    env.client.close();
    await proxy.stop();
  }
});

test("arrays: typed gives typed arrays with dtype and shape, and RemoteEnv passes them through", async () => {
  const env = await makeEnv("CartPole-v1", { baseURL: server.baseURL, arrays: "typed" });
  const plain = await makeEnv("CartPole-v1", { baseURL: server.baseURL });
  try {
    const { observation } = await env.reset({ seed: 42 });
    assert.equal(observation.dtype, "float32");
    assert.deepEqual(observation.shape, [4]);
    assert.ok(observation.data instanceof Float32Array);
    assert.deepEqual([...observation.data], (await plain.reset({ seed: 42 })).observation);
    const step = await env.step(1);
    assert.ok(step.observation.data instanceof Float32Array);
    assert.deepEqual([...step.observation.data], (await plain.step(1)).observation);
  } finally {
    await env.close();
    await plain.close();
    env.client.close();
    plain.client.close();
  }
});

test("typed arrays from the server can be sent back: a sampled action, an observation", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const env = await makeEnv(ALL_SPACES, { baseURL: server.baseURL, arrays: "typed" });
  try {
    const { observation } = await env.reset({ seed: 5 });
    assert.ok(observation.box.data instanceof Float32Array);
    assert.ok(observation.multi_discrete.data instanceof BigInt64Array);
    assert.equal(await env.containsObservation(observation), true);
    const action = await env.sampleAction();
    assert.ok(action.force.data instanceof Float32Array && action.levels.data instanceof BigInt64Array);
    assert.equal(await env.containsAction(action), true);
    const { info } = await env.step(action);
    assert.deepEqual([...info.force.data], [...action.force.data]);
    assert.deepEqual(info.force.shape, [2]);
  } finally {
    await env.close();
    env.client.close();
  }
});

test("errors stay JSON and typed under msgpack negotiation", async () => {
  const client = new GymClient({ baseURL: server.baseURL });
  await assert.rejects(client.step("0badf00d", 0), (e) => e.code === "unknown_instance" && e.status === 400);
  client.close();
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(Buffer.from(bytes.subarray(12, 16)).toString("latin1"), "IHDR");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

test("render with format png returns the CartPole frame as PNG bytes, 600x400", async () => {
  for (const encoding of ["msgpack", "json"]) {
    const env = await makeEnv("CartPole-v1", { baseURL: server.baseURL, renderMode: "rgb_array", encoding });
    try {
      await env.reset({ seed: 1 });
      const png = await env.render({ format: "png" });
      assert.ok(png instanceof Uint8Array);
      assert.deepEqual(pngSize(png), { width: 600, height: 400 });
      const viaClient = await env.client.render(env.instanceId, { format: "png" });
      assert.deepEqual(pngSize(viaClient), { width: 600, height: 400 });
      const frame = await env.render();
      assert.equal(frame.length, 400);
      assert.equal(frame[0].length, 600);
      assert.deepEqual(frame[0][0], [255, 255, 255]);
    } finally {
      await env.close();
      env.client.close();
    }
  }
});

test("a PNG of a frame that is not rgb_array is refused with its code", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const client = new GymClient({ baseURL: server.baseURL });
  const id = await client.createEnv({ envId: ALL_SPACES, renderMode: "ansi" });
  try {
    await client.reset(id);
    await assert.rejects(client.render(id, { format: "png" }), (e) => e instanceof BadRequestError && e.code === "png_needs_rgb_array");
    await assert.rejects(client.render(id, { format: "gif" }), TypeError);
  } finally {
    await client.closeEnv(id);
    client.close();
  }
});

test("a server that answers a PNG request with JSON is a clear error, not bytes", async () => {
  const proxy = await acceptRewriter("application/json");
  const env = await makeEnv("CartPole-v1", { baseURL: proxy.url, renderMode: "rgb_array" });
  try {
    await env.reset({ seed: 1 });
    await assert.rejects(env.render({ format: "png" }), (e) => e instanceof NotImplementedError && /not image\/png/.test(e.message));
  } finally {
    await env.close();
    env.client.close();
    await proxy.stop();
  }
});
