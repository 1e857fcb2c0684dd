// Batches against the real server: create, list, describe, reset, step, close.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GymClient, BadRequestError, UnknownInstanceError } from "../src/index.js";
import { startServer } from "./support/server.js";

let server;
let client;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL });
});
after(() => server?.stop());

test("a batch of 3 CartPoles is created, listed, described, reset, stepped and closed", async () => {
  const id = await client.createVectorEnv({ envId: "CartPole-v1", numEnvs: 3, seed: 7 });
  assert.match(id, /^[0-9a-f]{8}$/);
  assert.deepEqual((await client.listVectorEnvs())[id], { env_id: "CartPole-v1", num_envs: 3 });
  const description = await client.describeVectorEnv(id);
  assert.equal(description.num_envs, 3);
  assert.equal(description.autoreset_mode, "NextStep");
  assert.deepEqual(description.observation_space.shape, [3, 4]);

  const first = await client.resetVectorEnv(id);
  assert.equal(first.observations.length, 3);
  assert.deepEqual((await client.resetVectorEnv(id, { seed: 7 })).observations, first.observations);
  const step = await client.stepVectorEnv(id, [0, 1, 0]);
  assert.deepEqual(step.rewards, [1, 1, 1]);
  assert.deepEqual(step.terminations, [false, false, false]);
  assert.deepEqual(step.truncations, [false, false, false]);
  assert.equal(step.observations[2].length, 4);

  await client.closeVectorEnv(id);
  assert.equal((await client.listVectorEnvs())[id], undefined);
  await assert.rejects(client.closeVectorEnv(id), (error) => error instanceof UnknownInstanceError && error.code === "unknown_vector");
});

test("bad batches of actions are coded errors", async () => {
  const id = await client.createVectorEnv({ envId: "CartPole-v1", numEnvs: 2, vectorizationMode: "sync" });
  try {
    await assert.rejects(client.stepVectorEnv(id, [0, 1]), (error) => error.code === "reset_needed");
    await client.resetVectorEnv(id, { seed: 1 });
    await assert.rejects(client.stepVectorEnv(id, [0]), (error) => error instanceof BadRequestError && error.code === "wrong_batch_size");
    await assert.rejects(client.stepVectorEnv(id, [0, 3]), (error) => error.code === "invalid_action");
  } finally {
    await client.closeVectorEnv(id);
  }
  await assert.rejects(client.createVectorEnv({ envId: "CartPole-v1", numEnvs: 0 }), (error) => error.code === "invalid_parameter");
});
