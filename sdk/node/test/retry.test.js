// The retry policy is a pure function: these tests need no network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { retryDelay, APIConnectionError, APITimeoutError, APIUserAbortError } from "../src/index.js";

const base = { retriesSoFar: 0, maxRetries: 2, idempotent: true, random: () => 0 };

test("non-idempotent requests are never retried", () => {
  assert.equal(retryDelay({ ...base, idempotent: false, status: 503 }), null);
  assert.equal(retryDelay({ ...base, idempotent: false, error: new APIConnectionError() }), null);
});

test("idempotent requests are retried on transient statuses", () => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    assert.equal(typeof retryDelay({ ...base, status }), "number", `status ${status}`);
  }
});

test("answers that a retry cannot change are not retried", () => {
  for (const status of [200, 204, 400, 403, 404, 405, 413, 501]) {
    assert.equal(retryDelay({ ...base, status }), null, `status ${status}`);
  }
});

test("connection failures and timeouts are retried, user aborts are not", () => {
  assert.equal(typeof retryDelay({ ...base, error: new APIConnectionError() }), "number");
  assert.equal(typeof retryDelay({ ...base, error: new APITimeoutError() }), "number");
  assert.equal(retryDelay({ ...base, error: new APIUserAbortError() }), null);
  assert.equal(retryDelay({ ...base, error: new TypeError("bug") }), null);
});

test("retries stop after maxRetries", () => {
  assert.equal(typeof retryDelay({ ...base, retriesSoFar: 1, status: 503 }), "number");
  assert.equal(retryDelay({ ...base, retriesSoFar: 2, status: 503 }), null);
  assert.equal(retryDelay({ ...base, maxRetries: 0, status: 503 }), null);
});

test("backoff doubles from half a second and is capped at eight seconds", () => {
  const delays = [0, 1, 2, 3, 4, 5, 10].map((retriesSoFar) =>
    retryDelay({ ...base, maxRetries: 100, retriesSoFar, status: 503 }));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
});

test("jitter shortens the wait by at most a quarter", () => {
  const longest = retryDelay({ ...base, status: 503, random: () => 0 });
  const shortest = retryDelay({ ...base, status: 503, random: () => 0.999999 });
  assert.equal(longest, 500);
  assert.ok(shortest > 375 && shortest < 500, String(shortest));
  const seen = new Set(Array.from({ length: 20 }, () => retryDelay({ ...base, status: 503, random: Math.random })));
  assert.ok(seen.size > 1, "real jitter varies");
});

test("Retry-After in seconds is honoured", () => {
  assert.equal(retryDelay({ ...base, status: 503, retryAfter: "3" }), 3000);
  assert.equal(retryDelay({ ...base, status: 429, retryAfter: "0.25" }), 250);
  assert.equal(retryDelay({ ...base, status: 503, retryAfter: "0" }), 0);
});

test("Retry-After as an HTTP date is honoured", () => {
  const now = Date.parse("Wed, 25 Nov 2026 20:00:00 GMT");
  const retryAfter = "Wed, 25 Nov 2026 20:00:05 GMT";
  assert.equal(retryDelay({ ...base, status: 503, retryAfter, now }), 5000);
});

test("an unusable or excessive Retry-After falls back to backoff", () => {
  assert.equal(retryDelay({ ...base, status: 503, retryAfter: "soon" }), 500);
  assert.equal(retryDelay({ ...base, status: 503, retryAfter: "3600" }), 500);
  assert.equal(retryDelay({ ...base, status: 503, retryAfter: "-1" }), 500);
});

test("Retry-After never makes a non-retryable answer retryable", () => {
  assert.equal(retryDelay({ ...base, status: 400, retryAfter: "1" }), null);
  assert.equal(retryDelay({ ...base, idempotent: false, status: 503, retryAfter: "1" }), null);
});
