// The client against a token-protected server: the token it is given (or
// finds in GYM_HTTP_TOKEN) opens every call; without it, calls reject with
// AuthenticationError (401, code "unauthorized").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GymClient, AuthenticationError, makeEnv } from "../src/index.js";
import { startServer } from "./support/server.js";

const TOKEN = "sdk-node-token";
let server;
let folder;
before(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), "gym-http-token-"));
  const tokenFile = path.join(folder, "token");
  writeFileSync(tokenFile, `${TOKEN}\n`);
  server = await startServer(["--token-file", tokenFile]);
});
after(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

test("with the token, an instance is created, stepped and closed", async () => {
  const client = new GymClient({ baseURL: server.baseURL, token: TOKEN });
  const id = await client.createEnv({ envId: "CartPole-v1", seed: 3 });
  await client.reset(id);
  const step = await client.step(id, 1);
  assert.equal(step.done, false);
  await client.closeEnv(id);
  assert.ok(!(id in (await client.listEnvs())));
});

test("without the token, API calls reject with AuthenticationError; health stays open", async () => {
  const saved = process.env.GYM_HTTP_TOKEN;
  delete process.env.GYM_HTTP_TOKEN;
  try {
    const client = new GymClient({ baseURL: server.baseURL, maxRetries: 0 });
    assert.equal((await client.health()).status, "ok");
    await assert.rejects(client.createEnv("CartPole-v1"), (error) =>
      error instanceof AuthenticationError && error.status === 401 && error.code === "unauthorized");
    const wrong = new GymClient({ baseURL: server.baseURL, token: "wrong", maxRetries: 0 });
    await assert.rejects(wrong.listEnvs(), AuthenticationError);
  } finally {
    if (saved !== undefined) process.env.GYM_HTTP_TOKEN = saved;
  }
});

test("the token comes from GYM_HTTP_TOKEN, and makeEnv takes one", async () => {
  const saved = process.env.GYM_HTTP_TOKEN;
  process.env.GYM_HTTP_TOKEN = TOKEN;
  try {
    const client = new GymClient({ baseURL: server.baseURL });
    assert.equal(typeof (await client.listEnvs()), "object");
  } finally {
    if (saved === undefined) delete process.env.GYM_HTTP_TOKEN;
    else process.env.GYM_HTTP_TOKEN = saved;
  }
  const env = await makeEnv("CartPole-v1", { baseURL: server.baseURL, token: TOKEN });
  try {
    await env.reset({ seed: 1 });
    await env.step(0);
  } finally {
    await env.close();
  }
});
