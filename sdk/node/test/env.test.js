import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GymClient, RemoteEnv, makeEnv, UnknownInstanceError, InvalidActionError } from "../src/index.js";
import { startServer, HAS_TESTENVS, ALL_SPACES } from "./support/server.js";

let server;
let client;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL });
});
after(() => server?.stop());

test("makeEnv creates an env that knows its spaces and spec", async () => {
  const env = await makeEnv("CartPole-v1", { baseURL: server.baseURL });
  try {
    assert.equal(env.envId, "CartPole-v1");
    assert.equal(env.actionSpace.name, "Discrete");
    assert.equal(env.observationSpace.name, "Box");
    assert.equal(env.spec.maxEpisodeSteps, 500);
  } finally {
    await env.close();
  }
});

test("a CartPole episode runs to its end with Gymnasium's step result", async () => {
  const env = await RemoteEnv.create(client, "CartPole-v1");
  try {
    const { observation, info } = await env.reset({ seed: 1 });
    assert.equal(observation.length, 4);
    assert.deepEqual(info, {});
    let result;
    let steps = 0;
    do {
      result = await env.step(await env.sampleAction());
      steps += 1;
      assert.deepEqual(Object.keys(result).sort(), ["info", "observation", "reward", "terminated", "truncated"]);
      assert.equal(result.reward, 1);
    } while (!result.terminated && !result.truncated && steps < 600);
    assert.ok(result.terminated || result.truncated);
    assert.equal((await env.describe()).episode_steps, steps);
  } finally {
    await env.close();
  }
});

test("reset with the same seed returns the same observation", async () => {
  const env = await makeEnv("CartPole-v1", { client });
  try {
    const first = await env.reset({ seed: 42 });
    await env.step(0);
    assert.deepEqual((await env.reset({ seed: 42 })).observation, first.observation);
  } finally {
    await env.close();
  }
});

test("the seed given at creation seeds the first reset", async () => {
  const a = await makeEnv("CartPole-v1", { client, seed: 9 });
  const b = await makeEnv("CartPole-v1", { client, seed: 9 });
  try {
    assert.deepEqual((await a.reset()).observation, (await b.reset()).observation);
  } finally {
    await a.close();
    await b.close();
  }
});

test("an invalid action is refused and leaves the episode untouched", async () => {
  const env = await makeEnv("CartPole-v1", { client });
  try {
    await env.reset({ seed: 3 });
    await assert.rejects(env.step(5), InvalidActionError);
    assert.equal((await env.describe()).episode_steps, 0);
    assert.equal(await env.containsAction(1), true);
    assert.equal(await env.containsAction(5), false);
  } finally {
    await env.close();
  }
});

test("close frees the instance and closing twice is harmless", async () => {
  const env = await makeEnv("CartPole-v1", { client });
  await env.close();
  await env.close();
  assert.equal(env.closed, true);
  assert.equal((await client.listEnvs())[env.instanceId], undefined);
  await assert.rejects(env.reset(), UnknownInstanceError);
});

test("every space kind round-trips: samples are members and decode to JS values", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const env = await makeEnv(ALL_SPACES, { client, kwargs: { length: 3 } });
  try {
    const { observation } = await env.reset({ seed: 0 });
    assert.deepEqual(Object.keys(observation).sort(), Object.keys(env.observationSpace.spaces).sort());
    assert.equal(typeof observation.text, "string");
    assert.ok(await env.containsObservation(observation));
    const action = await env.sampleAction();
    assert.ok(await env.containsAction(action));
    const step = await env.step(action);
    assert.equal(step.info.unbounded, Infinity, "non-finite info floats arrive as numbers");
    assert.equal(step.info.said, action.say);
    assert.equal(typeof step.reward, "number");
    assert.ok(await env.containsObservation(step.observation));
    const typed = { ...action, force: new Float32Array(action.force) };
    assert.equal((await env.step(typed)).terminated, false, "typed arrays are sent as arrays");
  } finally {
    await env.close();
  }
});

test("a non-finite action component travels as a string and is refused by a bounded Box", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const env = await makeEnv(ALL_SPACES, { client });
  try {
    await env.reset();
    const action = await env.sampleAction();
    assert.equal(await env.containsAction({ ...action, force: [Number.NaN, 0] }), false);
    await assert.rejects(env.step({ ...action, force: [Infinity, 0] }), InvalidActionError);
  } finally {
    await env.close();
  }
});

test("render returns the frame of an env created with a render mode", { skip: !HAS_TESTENVS && "needs testenvs" }, async () => {
  const env = await makeEnv(ALL_SPACES, { client, renderMode: "rgb_array" });
  try {
    await env.reset();
    const frame = await env.render();
    assert.deepEqual(frame, [[[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]]);
    const { render } = await env.step(await env.sampleAction(), { render: true });
    assert.equal(render[0][0][0], 1);
  } finally {
    await env.close();
  }
});
