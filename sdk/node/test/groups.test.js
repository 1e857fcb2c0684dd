// Groups, JSON Schemas, Graph and OneOf values against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GymClient, UnknownInstanceError, decodeValue } from "../src/index.js";
import { startServer } from "./support/server.js";

let server;
let client;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL });
});
after(() => server?.stop());

test("a group of same-seed copies starts alike, steps apart and resets alike", async () => {
  const group = await client.createGroup({ envId: "CartPole-v1", count: 3, seed: 5 });
  const ids = group.instance_ids;
  try {
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(group.observations, [group.observations[0], group.observations[0], group.observations[0]]);
    const left = await client.step(ids[0], 0);
    const right = await client.step(ids[1], 1);
    assert.notDeepEqual(left.observation, right.observation);
    const again = await client.resetGroup(ids, { seed: 5 });
    assert.deepEqual(again.observations, group.observations);
    await assert.rejects(client.resetGroup([ids[0], "no-such-id"], { seed: 1 }),
      (error) => error instanceof UnknownInstanceError && error.code === "unknown_instance");
  } finally {
    for (const id of ids) await client.closeEnv(id);
  }
});

test("the action space's JSON Schema describes the actions step takes", async () => {
  const id = await client.createEnv("GymHttp/Arithmetic-v0");
  try {
    const schema = await client.actionSpaceJsonSchema(id);
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(schema.type, "string");
    assert.equal(schema.maxLength, 8);
    assert.equal((await client.observationSpaceJsonSchema(id)).type, "object");
  } finally {
    await client.closeEnv(id);
  }
});

test("Graph and OneOf values decode in their spaces and step", async () => {
  const id = await client.createEnv({ envId: "GymHttpTest/GraphOneOf-v0", seed: 2 });
  try {
    const space = await client.observationSpace(id);
    const { observation } = await client.reset(id, { seed: 2 });
    const decoded = /** @type {any} */ (decodeValue(space, observation));
    assert.equal(decoded.graph.nodes.length, 3);
    assert.equal(decoded.choice.length, 2);
    const step = await client.step(id, { graph: { nodes: [1, 0] }, choice: [1, "ab"] });
    assert.equal(step.reward, 3);
  } finally {
    await client.closeEnv(id);
  }
});

test("a OneOf of a Box decodes its non-finite strings", () => {
  const space = { name: "OneOf", spaces: [{ name: "Discrete", n: 2 }, { name: "Box", shape: [2] }] };
  assert.deepEqual(decodeValue(space, [1, ["Infinity", 0.5]]), [1, [Infinity, 0.5]]);
  assert.deepEqual(decodeValue(space, [0, 1]), [0, 1]);
});
