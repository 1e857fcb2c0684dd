/**
 * An interpreter of the conformance case format (conformance/case.schema.json):
 * each step is sent through GymClient.request and its expectations checked.
 * It asserts the contract only: status, code, schema, relations between calls.
 */

import assert from "node:assert/strict";
import { deepEqual, validate } from "./schema.js";

const WHOLE = /^\{\{(\w+)\}\}$/;
const INSIDE = /\{\{(\w+)\}\}/g;

const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const BIG_MARK = "\u{E000}bigint:";

/**
 * Parse a case file keeping integers beyond 2**53 exact, as BigInts, so a
 * case that sends the largest seed sends exactly that seed.
 * @param {string} text
 */
export function parseCaseFile(text) {
  const marked = text.replace(TOKENS, (token) =>
    /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${BIG_MARK}${token}"` : token);
  return JSON.parse(marked, (_, value) =>
    typeof value === "string" && value.startsWith(BIG_MARK) ? BigInt(value.slice(BIG_MARK.length)) : value);
}

/** A saved variable the step needs is unset; cleanup steps are then skipped. */
class UnsetVariable extends Error {}

/**
 * @param {unknown} template
 * @param {Map<string, unknown>} vars
 * @returns {unknown}
 */
export function substitute(template, vars) {
  if (typeof template === "string") {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(vars, whole[1]);
    return template.replace(INSIDE, (_, name) => {
      const value = lookup(vars, name);
      return typeof value === "string" ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => substitute(item, vars));
  if (template !== null && typeof template === "object") {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, substitute(item, vars)]));
  }
  return template;
}

/** @param {Map<string, unknown>} vars @param {string} name */
function lookup(vars, name) {
  if (!vars.has(name)) throw new UnsetVariable(`variable ${name} is not set`);
  return vars.get(name);
}

/**
 * RFC 6901: what `pointer` names in `doc`, if anything.
 * @param {unknown} doc
 * @param {string} pointer
 * @returns {{found: boolean, value?: unknown}}
 */
export function resolvePointer(doc, pointer) {
  if (pointer === "") return { found: doc !== undefined, value: doc };
  let node = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node) ? !/^(0|[1-9]\d*)$/.test(key) || Number(key) >= node.length
      : node === null || typeof node !== "object" || !Object.hasOwn(node, key)) {
      return { found: false };
    }
    node = node[key];
  }
  return { found: true, value: node };
}

const TYPE_CHECKS = {
  null: (v) => v === null,
  boolean: (v) => typeof v === "boolean",
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === "number",
  string: (v) => typeof v === "string",
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

/**
 * @param {any} assertion one entry of expect.assert, already substituted
 * @param {unknown} body
 */
function checkAssertion(assertion, body) {
  const { pointer, ...rest } = assertion;
  const [[operator, expected]] = Object.entries(rest);
  const { found, value } = resolvePointer(body, pointer);
  const where = `at ${JSON.stringify(pointer)} (${JSON.stringify(value)})`;
  if (operator === "absent") return assert.ok(!found, `expected nothing ${where}`);
  assert.ok(found, `nothing at ${JSON.stringify(pointer)} in ${JSON.stringify(body)?.slice(0, 500)}`);
  switch (operator) {
    case "equals": return assert.ok(deepEqual(value, expected), `expected ${JSON.stringify(expected)} ${where}`);
    case "not_equals": return assert.ok(!deepEqual(value, expected), `expected not ${JSON.stringify(expected)} ${where}`);
    case "type": return assert.ok(TYPE_CHECKS[expected](value), `expected type ${expected} ${where}`);
    case "length": {
      const length = typeof value === "string" ? [...value].length
        : Array.isArray(value) ? value.length : TYPE_CHECKS.object(value) ? Object.keys(value).length : undefined;
      return assert.equal(length, expected, `expected length ${expected} ${where}`);
    }
    case "has_key": return assert.ok(TYPE_CHECKS.object(value) && Object.hasOwn(value, expected), `expected key ${expected} ${where}`);
    case "lacks_key": return assert.ok(TYPE_CHECKS.object(value) && !Object.hasOwn(value, expected), `expected no key ${expected} ${where}`);
    case "one_of": return assert.ok(expected.some((option) => deepEqual(value, option)), `expected one of ${JSON.stringify(expected)} ${where}`);
    case "is_or_of": {
      const parts = expected.map((p) => resolvePointer(body, p).value);
      assert.ok(parts.every((p) => typeof p === "boolean"), `expected booleans at ${expected.join(", ")}`);
      return assert.equal(value, parts.some(Boolean), `expected the OR of ${expected.join(", ")} ${where}`);
    }
    case "gte": return assert.ok(typeof value === "number" && value >= expected, `expected >= ${expected} ${where}`);
    case "lte": return assert.ok(typeof value === "number" && value <= expected, `expected <= ${expected} ${where}`);
    default: throw new Error(`unknown assertion operator ${operator}`);
  }
}

/**
 * @param {any} expect
 * @param {{status: number, headers: Headers, body: unknown}} response
 * @param {any} spec the OpenAPI document, or null to skip schema checks
 * @param {Map<string, unknown>} vars
 */
function checkExpectations(expect, response, spec, vars) {
  const { status, headers, body } = response;
  const shown = JSON.stringify(body)?.slice(0, 500);
  if (expect.status !== undefined) {
    const statuses = Array.isArray(expect.status) ? expect.status : [expect.status];
    assert.ok(statuses.includes(status), `expected status ${statuses.join("|")}, got ${status}: ${shown}`);
  }
  const schemaCheck = (name) => {
    if (!spec) return;
    const schema = spec.components.schemas[name];
    assert.ok(schema, `no schema ${name} in the spec`);
    const problems = validate(schema, body, spec);
    assert.deepEqual(problems, [], `body does not match ${name}: ${shown}`);
  };
  if (expect.code !== undefined) {
    schemaCheck("Error");
    assert.equal(/** @type {any} */ (body)?.code, expect.code, `expected code ${expect.code}: ${shown}`);
  }
  if (expect.schema !== undefined) schemaCheck(expect.schema);
  for (const name of expect.headers_present ?? []) assert.ok(headers.has(name), `expected header ${name}`);
  if (expect.content_type !== undefined) {
    const type = headers.get("content-type") ?? "";
    assert.ok(type.startsWith(expect.content_type), `expected content type ${expect.content_type}, got ${type}`);
  }
  for (const assertion of expect.assert ?? []) checkAssertion(substitute(assertion, vars), body);
}

/**
 * A decoded msgpack value in the form its JSON twin has: non-finite numbers
 * as the strings the JSON encoding uses, 64-bit integers as numbers where
 * exact, so msgpack answers are checked against values saved from JSON ones.
 * @param {unknown} value
 * @returns {unknown}
 */
export function jsonForm(value) {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  }
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(/** @type {ArrayLike<unknown>} */ (value), jsonForm);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonForm(item)]));
  }
  return value;
}

/**
 * @param {import("../../src/index.js").GymClient} client
 * @param {any} step
 * @param {Map<string, unknown>} vars
 */
async function send(client, step, vars) {
  const { method, path, body, raw_body: rawBody, headers } = step.request;
  const response = await client.request(method, /** @type {string} */ (substitute(path, vars)), {
    body: body === undefined ? undefined : substitute(body, vars),
    rawBody: rawBody === undefined ? undefined : /** @type {string} */ (substitute(rawBody, vars)),
    headers: headers === undefined ? undefined : /** @type {Record<string, string>} */ (substitute(headers, vars)),
  });
  const media = (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!media.endsWith("msgpack")) return response;
  return { status: response.status, headers: response.headers, body: jsonForm(response.body) };
}

/**
 * Run one case: its steps in order (stopping at the first failed
 * expectation), then its cleanup steps whatever happened.
 * @param {import("../../src/index.js").GymClient} client
 * @param {any} testCase
 * @param {any} spec the OpenAPI document, or null to skip schema checks
 */
export async function runCase(client, testCase, spec) {
  const vars = new Map();
  try {
    for (const [index, step] of testCase.steps.entries()) {
      const label = `step ${index + 1} (${step.request.method} ${step.request.path})`;
      const response = await send(client, step, vars);
      try {
        checkExpectations(step.expect ?? {}, response, spec, vars);
      } catch (error) {
        error.message = `${label}: ${error.message}`;
        const expected = step.expect?.status;
        error.status = response.status;
        error.expectedStatus = expected === undefined ? [] : [expected].flat();
        throw error;
      }
      for (const [name, pointer] of Object.entries(step.save ?? {})) {
        const { found, value } = resolvePointer(response.body, pointer);
        assert.ok(found, `${label}: nothing to save at ${pointer}`);
        vars.set(name, value);
      }
    }
  } finally {
    for (const step of testCase.cleanup ?? []) {
      // Expectations are ignored; a step whose variables are unset is skipped.
      await send(client, step, vars).catch((error) => {
        if (!(error instanceof UnsetVariable)) console.warn(`cleanup of ${testCase.name} failed: ${error.message}`);
      });
    }
  }
}

/** The profiles of the case format, in report order (conformance/case.schema.json). */
export const PROFILES = ["legacy", "v1", "registry", "recording", "results", "render", "msgpack", "vector", "auth", "service"];

/**
 * The server has no such route: a case failed on 404, 405 or 501 where
 * something else was expected.
 * @param {any} error what runCase threw
 */
export function failedOnMissingRoute(error) {
  return [404, 405, 501].includes(error?.status) && !(error.expectedStatus ?? []).includes(error.status);
}

/**
 * The verdict of one profile, as the Python runner gives it.
 * @param {{outcome: "passed"|"failed"|"skipped", missingRoute?: boolean}[]} results
 */
export function verdictOf(results) {
  const count = (outcome) => results.filter((r) => r.outcome === outcome).length;
  if (count("failed") === 0) return count("passed") > 0 ? "conforms" : "not checked";
  const ran = results.filter((r) => r.outcome !== "skipped");
  return ran.every((r) => r.outcome === "failed" && r.missingRoute) ? "not implemented" : "does not conform";
}

/**
 * One row per profile that has results: profile, passed, failed, skipped, verdict.
 * @param {{profile: string, outcome: "passed"|"failed"|"skipped", missingRoute?: boolean}[]} results
 */
export function verdicts(results) {
  const rank = (p) => (PROFILES.includes(p) ? PROFILES.indexOf(p) : PROFILES.length);
  const profiles = [...new Set(results.map((r) => r.profile))].sort((a, b) => rank(a) - rank(b));
  return profiles.map((profile) => {
    const members = results.filter((r) => r.profile === profile);
    const count = (outcome) => members.filter((r) => r.outcome === outcome).length;
    return { profile, passed: count("passed"), failed: count("failed"), skipped: count("skipped"), verdict: verdictOf(members) };
  });
}

/** The same fixed-width table as the Python runner prints. @param {ReturnType<typeof verdicts>} table */
export function verdictTable(table) {
  const rows = [["profile", "passed", "failed", "skipped", "verdict"],
    ...table.map((v) => [v.profile, String(v.passed), String(v.failed), String(v.skipped), v.verdict])];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => [row[0].padEnd(widths[0]), ...[1, 2, 3].map((i) => row[i].padStart(widths[i])), row[4]].join("  "))
    .join("\n");
}

/**
 * Which env ids the server can create: GET /v1/registry/ where it has one
 * (an extension), otherwise one create-and-close probe per id asked about.
 * @param {import("../../src/index.js").GymClient} client
 */
export async function envAvailability(client) {
  let registry = null;
  try {
    const answer = await client.request("GET", "/v1/registry/");
    if (answer.status === 200 && Array.isArray(answer.body?.envs)) registry = new Set(answer.body.envs.map((e) => e.env_id));
  } catch { /* no registry: probe */ }
  const probed = new Map();
  /** @param {string[]} ids @returns {Promise<Map<string, string>>} the missing ids, each with why */
  return async function missing(ids) {
    const absent = new Map();
    for (const id of ids) {
      if (registry) {
        if (!registry.has(id)) absent.set(id, "not in GET /v1/registry/");
        continue;
      }
      if (!probed.has(id)) {
        const created = await client.request("POST", "/v1/envs/", { body: { env_id: id } }).catch((error) => ({ status: 0, body: error.message }));
        const iid = created.body?.instance_id;
        if (created.status === 200 && typeof iid === "string") {
          await client.request("POST", `/v1/envs/${iid}/close/`).catch(() => {});
          probed.set(id, null);
        } else {
          probed.set(id, `POST /v1/envs/ answered ${created.status}`);
        }
      }
      if (probed.get(id)) absent.set(id, probed.get(id));
    }
    return absent;
  };
}
