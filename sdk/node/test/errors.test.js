import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  GymClient, errorFromResponse, GymHTTPError, UnknownInstanceError, BadRequestError, InvalidActionError,
  ResetNeededError, InvalidEnvIdError, EnvCreationError, NotImplementedError, NotFoundError,
  PermissionDeniedError, InternalServerError, RateLimitError, TooManyEnvsError, PayloadTooLargeError,
  APIConnectionError, LimitError, ERROR_CODES, CATEGORY_CLASSES, retryDelay,
  EnvBrokenError, StepTimeoutError, EnvProcessDiedError,
} from "../src/index.js";
import { startServer } from "./support/server.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const SPEC_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "spec", "openapi.yaml");

/** The spec's error table (`components.x-error-codes`) and categories, or null without the yaml devDependency. */
async function errorTable() {
  let parse;
  try {
    ({ parse } = await import("yaml"));
  } catch {
    return null;
  }
  const components = parse(readFileSync(SPEC_PATH, "utf8")).components;
  return { codes: components["x-error-codes"], categories: components["x-error-categories"] };
}

const table = await errorTable();
if (!table) console.warn("SKIPPED: the error-table tests need the yaml devDependency (npm ci)");

test("every code in the spec's table is mapped, and nothing else", { skip: !table && "no yaml" }, () => {
  assert.deepEqual(Object.keys(ERROR_CODES).sort(), table.codes.map((e) => e.code).sort());
  assert.deepEqual(Object.keys(CATEGORY_CLASSES).sort(), Object.keys(table.categories).sort());
});

test("each code's class is its category's class or a subclass", { skip: !table && "no yaml" }, () => {
  for (const entry of table.codes) {
    const error = errorFromResponse(entry.status, { message: "m", code: entry.code });
    assert.ok(error instanceof CATEGORY_CLASSES[entry.category], `${entry.code} is not a ${CATEGORY_CLASSES[entry.category].name}`);
  }
});

test("an idempotent request is retried exactly when the spec's table says", { skip: !table && "no yaml" }, () => {
  for (const entry of table.codes) {
    const delay = retryDelay({ retriesSoFar: 0, maxRetries: 2, idempotent: true, status: entry.status, code: entry.code, random: () => 0 });
    assert.equal(delay !== null, entry.retry, entry.code);
    assert.equal(retryDelay({ retriesSoFar: 0, maxRetries: 2, idempotent: false, status: entry.status }), null);
  }
});

test("the code chooses the class before the status", () => {
  const error = errorFromResponse(400, { message: "Instance_id 0badf00d unknown", code: "unknown_instance" });
  assert.ok(error instanceof UnknownInstanceError);
  assert.ok(!(error instanceof BadRequestError), "unknown instance means gone, not malformed");
  assert.ok(error instanceof GymHTTPError && error instanceof Error);
  assert.equal(error.status, 400);
  assert.equal(error.code, "unknown_instance");
  assert.equal(error.message, "Instance_id 0badf00d unknown");
  assert.equal(error.name, "UnknownInstanceError");
  assert.ok(errorFromResponse(404, { message: "x", code: "unknown_instance" }) instanceof UnknownInstanceError);
});

test("each known code maps to its class", () => {
  const cases = [
    ["invalid_action", 400, InvalidActionError], ["reset_needed", 400, ResetNeededError],
    ["unknown_env_id", 400, InvalidEnvIdError], ["env_id_refused", 400, InvalidEnvIdError],
    ["env_creation_failed", 400, EnvCreationError], ["invalid_parameter", 400, BadRequestError],
    ["too_many_envs", 429, TooManyEnvsError], ["body_too_large", 413, PayloadTooLargeError],
    ["shutdown_disabled", 403, PermissionDeniedError], ["not_found", 404, NotFoundError],
    ["video_unavailable", 501, NotImplementedError], ["internal_error", 500, InternalServerError],
    ["unknown_vector", 404, UnknownInstanceError], ["vector_expired", 404, UnknownInstanceError],
    ["env_process_died", 400, UnknownInstanceError], ["num_envs_too_large", 400, LimitError],
  ];
  for (const [code, status, Class] of cases) {
    assert.ok(errorFromResponse(status, { message: "m", code }) instanceof Class, code);
  }
  assert.ok(errorFromResponse(400, { message: "m", code: "invalid_action" }) instanceof BadRequestError);
  assert.ok(errorFromResponse(429, { message: "m", code: "too_many_envs" }) instanceof RateLimitError);
});

test("a broken instance's codes are typed and never retried", async () => {
  const timeout = errorFromResponse(504, { message: "m", code: "step_timeout" });
  assert.ok(timeout instanceof StepTimeoutError && timeout instanceof EnvBrokenError);
  assert.ok(!(timeout instanceof InternalServerError));
  const died = errorFromResponse(400, { message: "m", code: "env_process_died" });
  assert.ok(died instanceof EnvProcessDiedError && died instanceof EnvBrokenError);
  let requests = 0;
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    requests += 1;
    res.writeHead(504, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: "overran", code: "step_timeout" }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const client = new GymClient({ baseURL: `http://127.0.0.1:${server.address().port}`, maxRetries: 3 });
    await assert.rejects(client.request("GET", "/v1/envs/x/render/").then((r) => {
      if (r.status >= 400) throw errorFromResponse(r.status, r.body);
    }), StepTimeoutError);
    assert.equal(requests, 1);
  } finally {
    server.close();
  }
});

test("without a known code the status decides", () => {
  assert.ok(errorFromResponse(502, "<html>bad gateway</html>") instanceof InternalServerError);
  assert.ok(errorFromResponse(429, undefined) instanceof RateLimitError);
  assert.ok(errorFromResponse(400, { message: "m", code: "some_future_code" }) instanceof BadRequestError);
  assert.match(errorFromResponse(502, "bad gateway").message, /502/);
});

let server;
let client;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL, maxRetries: 0 });
});
after(() => server?.stop());

test("the real server's errors arrive as typed errors", async () => {
  await assert.rejects(client.reset("0badf00d"), (e) => e instanceof UnknownInstanceError && e.status === 400);
  await assert.rejects(client.createEnv("NoSuchEnv-v0"), (e) => e instanceof InvalidEnvIdError && e.code === "unknown_env_id");
  await assert.rejects(client.createEnv("not an id!"), (e) => e instanceof InvalidEnvIdError && e.code === "malformed_env_id");
  const id = await client.createEnv({ envId: "CartPole-v1" });
  try {
    await assert.rejects(client.step(id, 0), (e) => e instanceof ResetNeededError && e.code === "reset_needed");
    await client.reset(id);
    await assert.rejects(client.step(id, 7), (e) => e instanceof InvalidActionError && e.code === "invalid_action");
    await assert.rejects(client.render(id), (e) => e instanceof BadRequestError && e.code === "invalid_parameter");
    await assert.rejects(client.monitorStart(id, { directory: "/tmp/gym-node-monitor", videoCallable: true }),
      (e) => e instanceof BadRequestError && e.code === "video_needs_rgb_array");
    await assert.rejects(client.monitorStart(id, { directory: "../outside" }),
      (e) => e instanceof BadRequestError && e.code === "invalid_directory");
  } finally {
    await client.closeEnv(id);
  }
  await assert.rejects(client.upload({ trainingDir: "/tmp/never-recorded", apiKey: "k" }),
    (e) => e instanceof BadRequestError && e.code === "no_recording");
  await assert.rejects(client.shutdown(), (e) => e instanceof PermissionDeniedError && e.code === "shutdown_disabled");
  await assert.rejects(client.request("GET", "/v1/nothing/here").then((r) => {
    throw errorFromResponse(r.status, r.body);
  }), NotFoundError);
});

test("an unreachable server is an APIConnectionError with its cause", async () => {
  const dead = new GymClient({ baseURL: "http://127.0.0.1:9", maxRetries: 0 });
  await assert.rejects(dead.health(), (e) => e instanceof APIConnectionError && e.cause !== undefined && e.status === undefined);
});
