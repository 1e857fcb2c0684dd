// Every shared conformance case file, run through the SDK's low-level
// request method against the real server.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { GymClient } from "../src/index.js";
import { startServer, REPO_DIR } from "./support/server.js";
import {
  runCase, parseCaseFile, PROFILES, envAvailability, failedOnMissingRoute, verdictOf, verdicts, verdictTable,
} from "./support/conformance.js";
import { unknownKeywords } from "./support/schema.js";

const CASES_DIR = path.join(REPO_DIR, "conformance/cases");
const SPEC_PATH = path.join(REPO_DIR, "spec/openapi.yaml");
const files = readdirSync(CASES_DIR).filter((name) => name.endsWith(".json")).sort();
// GYM_HTTP_CONFORMANCE_PROFILES=legacy,v1 runs only those profiles (default: all).
const selected = (process.env.GYM_HTTP_CONFORMANCE_PROFILES ?? "").split(",").filter(Boolean);
/** @type {{profile: string, outcome: "passed"|"failed"|"skipped", missingRoute?: boolean}[]} */
const results = [];

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
let missingEnvs;
before(async () => {
  server = await startServer();
  // The cases are plain HTTP exchanges that ask for JSON unless a step sets its own Accept.
  client = new GymClient({ baseURL: server.baseURL, maxRetries: 0, encoding: "json" });
  spec = await loadSpec();
  missingEnvs = await envAvailability(client);
});
after(async () => {
  if (results.length > 0) console.log(`\n${verdictTable(verdicts(results))}`);
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
      if (selected.length > 0 && !selected.includes(testCase.profile)) continue;
      test(`${testCase.name} [${testCase.profile}]`, async (t) => {
        assert.ok(PROFILES.includes(testCase.profile), `profile ${testCase.profile} is not one of ${PROFILES.join(", ")}`);
        if (testCase.profile === "auth") {
          // The reference server here runs without a token; test/auth.test.js covers the client against one.
          console.warn(`SKIPPED ${file} ${testCase.name}: the auth profile needs the server's token`);
          results.push({ profile: testCase.profile, outcome: "skipped" });
          t.skip("the auth profile needs the server's token");
          return;
        }
        const missing = await missingEnvs(testCase.requires_envs ?? []);
        if (missing.size > 0) {
          const why = [...missing].map(([id, reason]) => `${id} (${reason})`).join("; ");
          console.warn(`SKIPPED ${file} ${testCase.name}: cannot create ${why}`);
          results.push({ profile: testCase.profile, outcome: "skipped" });
          t.skip(`cannot create ${why}`);
          return;
        }
        try {
          await runCase(client, testCase, spec);
        } catch (error) {
          results.push({ profile: testCase.profile, outcome: "failed", missingRoute: failedOnMissingRoute(error) });
          throw error;
        }
        results.push({ profile: testCase.profile, outcome: "passed" });
      });
    }
  });
}

test("the reference server conforms to every profile it was checked against", () => {
  const table = verdicts(results).filter((v) => !(v.profile === "auth" && v.verdict === "not checked"));
  assert.ok(table.length > 0);
  assert.ok(table.every((v) => v.verdict === "conforms"), verdictTable(table));
});

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

  test("gives the same verdicts as the Python runner", () => {
    const passed = { outcome: "passed" }, skipped = { outcome: "skipped" };
    const missing = { outcome: "failed", missingRoute: true }, wrong = { outcome: "failed", missingRoute: false };
    assert.equal(verdictOf([passed, skipped]), "conforms");
    assert.equal(verdictOf([skipped]), "not checked");
    assert.equal(verdictOf([missing, missing, skipped]), "not implemented");
    assert.equal(verdictOf([missing, passed]), "does not conform");
    assert.equal(verdictOf([missing, wrong]), "does not conform");
    assert.ok(failedOnMissingRoute({ status: 404, expectedStatus: [200] }));
    assert.ok(!failedOnMissingRoute({ status: 404, expectedStatus: [404] }));
    assert.ok(!failedOnMissingRoute({ status: 400, expectedStatus: [200] }));
  });

  test("prints the verdict table in the Python runner's layout", () => {
    const table = verdicts([{ profile: "v1", outcome: "passed" }, { profile: "legacy", outcome: "failed", missingRoute: false }]);
    assert.equal(verdictTable(table), [
      "profile  passed  failed  skipped  verdict",
      "legacy        0       1        0  does not conform",
      "v1            1       0        0  conforms",
    ].join("\n"));
  });

  test("keeps integers beyond 2**53 exact when it reads case files", () => {
    const parsed = parseCaseFile('{"seed": 18446744073709551615, "small": 7, "text": "18446744073709551615"}');
    assert.deepEqual(parsed, { seed: 18446744073709551615n, small: 7, text: "18446744073709551615" });
  });
});
