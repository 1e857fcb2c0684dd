// Every shared conformance case file, run through the SDK's low-level
// request method against the real server.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { GymClient } from "../src/index.js";
import { startServer, REPO_DIR } from "./support/server.js";
import { runCase, parseCaseFile } from "./support/conformance.js";
import { unknownKeywords } from "./support/schema.js";

const CASES_DIR = path.join(REPO_DIR, "conformance/cases");
const SPEC_PATH = path.join(REPO_DIR, "spec/openapi.yaml");
const files = readdirSync(CASES_DIR).filter((name) => name.endsWith(".json")).sort();

/** The contract, for `schema` expectations; null (schema checks skipped, loudly) without the yaml devDependency. */
async function loadSpec() {
  try {
    const { parse } = await import("yaml");
    return parse(readFileSync(SPEC_PATH, "utf8"));
  } catch (error) {
    console.warn(`SKIPPED schema checks: cannot load ${SPEC_PATH} (${error.message}); run npm ci`);
    return null;
  }
}

let server;
let client;
let spec;
let registered;
before(async () => {
  server = await startServer();
  client = new GymClient({ baseURL: server.baseURL, maxRetries: 0 });
  spec = await loadSpec();
  const registry = await client.registry();
  registered = new Set(registry.map((entry) => entry.env_id));
});
after(async () => {
  if (unknownKeywords.size > 0) {
    console.warn(`spec/openapi.yaml uses keywords JSON Schema does not define (ignored): ${[...unknownKeywords].join(", ")}`);
  }
  await server?.stop();
});

test("there are case files to run", () => {
  assert.ok(files.length > 0, `no case files in ${CASES_DIR}`);
});

for (const file of files) {
  const document = parseCaseFile(readFileSync(path.join(CASES_DIR, file), "utf8"));
  describe(`${document.topic} (${file})`, () => {
    for (const testCase of document.cases) {
      test(testCase.name, async (t) => {
        const missing = (testCase.requires_envs ?? []).filter((id) => !registered.has(id));
        if (missing.length > 0) {
          console.warn(`SKIPPED ${file} ${testCase.name}: server lacks ${missing.join(", ")}`);
          t.skip(`server lacks ${missing.join(", ")}`);
          return;
        }
        await runCase(client, testCase, spec);
      });
    }
  });
}

describe("the runner itself", () => {
  const create = { request: { method: "POST", path: "/v1/envs/", body: { env_id: "CartPole-v1" } }, save: { iid: "/instance_id" } };
  const close = { request: { method: "POST", path: "/v1/envs/{{iid}}/close/" } };
  const run = (steps) => runCase(client, { name: "probe", description: "probe", steps, cleanup: [close] }, spec);

  test("fails a case whose status is wrong", async () => {
    await assert.rejects(run([{ ...create, expect: { status: 201 } }]), /expected status 201, got 200/);
  });

  test("fails a case whose body does not match the named schema", async (t) => {
    if (!spec) return t.skip("no spec loaded");
    await assert.rejects(run([create, { request: { method: "GET", path: "/healthz" }, expect: { schema: "EnvList" } }]),
      /does not match EnvList/);
  });

  test("fails a case whose assertion is wrong, and passes a right one", async () => {
    const reset = { request: { method: "POST", path: "/v1/envs/{{iid}}/reset/", body: { seed: 1 } } };
    await assert.rejects(run([create, { ...reset, expect: { assert: [{ pointer: "/observation", length: 5 }] } }]),
      /expected length 5/);
    await assert.rejects(run([create, { ...reset, expect: { assert: [{ pointer: "/info", absent: true }] } }]),
      /expected nothing/);
    await run([create, { ...reset, expect: { status: 200, assert: [{ pointer: "/observation", type: "array" }] } }]);
  });

  test("keeps integers beyond 2**53 exact when it reads case files", () => {
    const parsed = parseCaseFile('{"seed": 18446744073709551615, "small": 7, "text": "18446744073709551615"}');
    assert.deepEqual(parsed, { seed: 18446744073709551615n, small: 7, text: "18446744073709551615" });
  });
});
