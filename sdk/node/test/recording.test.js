// Recording a run, uploading it and reading it back, against a real server
// with its own data folder, so the results store starts empty.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GymClient, RemoteEnv, NotFoundError, BadRequestError } from "../src/index.js";
import { startServer } from "./support/server.js";

let server;
let client;
let dataDir;
before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "gym-http-client-data-"));
  server = await startServer(["--data-dir", dataDir]);
  client = new GymClient({ baseURL: server.baseURL });
});
after(async () => {
  client?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Record `episodes` seeded CartPole episodes into `directory`; resolves to their returns. */
async function record(directory, episodes) {
  const env = await RemoteEnv.create(client, "CartPole-v1");
  const returns = [];
  try {
    await client.monitorStart(env.instanceId, { directory, force: true });
    for (let e = 0; e < episodes; e += 1) {
      await env.reset({ seed: 100 + e });
      let total = 0;
      for (let i = 0; ; i += 1) {
        const { reward, terminated, truncated } = await env.step(i % 3 === 0 ? 1 : 0);
        total += reward;
        if (terminated || truncated) break;
      }
      returns.push(total);
    }
    await client.monitorClose(env.instanceId);
  } finally {
    await env.close();
  }
  return returns;
}

test("upload answers the stored run, and the same recording again names it with created false", async () => {
  const returns = await record("/runs/cartpole-a", 3);
  const first = await client.upload({ trainingDir: "/runs/cartpole-a", apiKey: "secret", algorithmId: "every-third" });
  assert.deepEqual(Object.keys(first).sort(), ["created", "env_id", "episodes", "run_id"]);
  assert.equal(first.created, true);
  assert.equal(first.env_id, "CartPole-v1");
  assert.equal(first.episodes, returns.length);
  const again = await client.upload({ trainingDir: "/runs/cartpole-a", apiKey: "secret" });
  assert.deepEqual(again, { ...first, created: false });
});

test("result gives the run episode by episode, as the steps returned", async () => {
  const returns = await record("runs/cartpole-b", 2);
  const { run_id: runId } = await client.upload({ trainingDir: "runs/cartpole-b", apiKey: "secret", algorithmId: "detail" });
  const run = await client.result(runId);
  assert.equal(run.run_id, runId);
  assert.equal(run.algorithm_id, "detail");
  assert.deepEqual(run.episode_rewards, returns);
  assert.deepEqual(run.episode_lengths, returns);
  assert.equal(run.episodes, 2);
  assert.equal(run.best_reward, Math.max(...returns));
  assert.equal(run.mean_reward, (returns[0] + returns[1]) / 2);
  assert.equal(run.timestamps.length, 2);
  assert.deepEqual(run.videos, []);
});

test("results lists runs newest first, filtered by env id and capped by limit", async () => {
  await record("runs/cartpole-c", 1);
  const { run_id: newest } = await client.upload({ trainingDir: "runs/cartpole-c", apiKey: "other" });
  const all = await client.results();
  assert.ok(all.length >= 2, `${all.length} runs`);
  assert.equal(all[0].run_id, newest);
  const times = all.map((run) => run.uploaded_at);
  assert.deepEqual(times, [...times].sort((a, b) => b - a));
  assert.deepEqual((await client.results({ limit: 1 })).map((run) => run.run_id), [newest]);
  assert.equal((await client.results({ envId: "CartPole-v1" })).length, all.length);
  assert.deepEqual(await client.results({ envId: "MountainCar-v0" }), []);
  assert.notEqual(all[0].uploader, "other", "the api key is kept only as a hash");
});

test("the same answers come over JSON", async () => {
  const viaJSON = new GymClient({ baseURL: server.baseURL, encoding: "json" });
  try {
    const runs = await viaJSON.results();
    assert.deepEqual(runs, await client.results());
    assert.deepEqual(await viaJSON.result(runs[0].run_id), await client.result(runs[0].run_id));
  } finally {
    viaJSON.close();
  }
});

test("an unknown run is NotFoundError unknown_run, and a bad limit is a BadRequestError", async () => {
  await assert.rejects(client.result("0000000000000000"), (e) => e instanceof NotFoundError && e.code === "unknown_run");
  await assert.rejects(client.results({ limit: 0 }), BadRequestError);
  await assert.rejects(client.upload({ trainingDir: "runs/never", apiKey: "k" }),
    (e) => e instanceof BadRequestError && e.code === "no_recording");
});
