// The Node versions package.json promises (`engines`) are ones the sources
// can run on: only one Node is installed where the tests run, so APIs newer
// than the oldest promised version are looked for in the sources instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const oldest = Number(/^>=\s*(\d+)(\.\d+)*$/.exec(pkg.engines.node)?.[1]);

/** APIs, and the first Node major that has each unflagged. */
const NEWER_APIS = [
  [/\.toSorted\(|\.toReversed\(|\.toSpliced\(/, 20, "change-array-by-copy"],
  [/\bArray\.fromAsync\(/, 22, "Array.fromAsync"],
  [/\bPromise\.withResolvers\(/, 22, "Promise.withResolvers"],
  [/\bObject\.groupBy\(|\bMap\.groupBy\(/, 21, "Object.groupBy / Map.groupBy"],
  [/\bAbortSignal\.any\(/, 20, "AbortSignal.any"],
  [/\.isWellFormed\(|\.toWellFormed\(/, 20, "String well-formed methods"],
  [/\.union\(|\.intersection\(|\.symmetricDifference\(|\.isSubsetOf\(/, 22, "Set methods"],
  [/\bFloat16Array\b/, 24, "Float16Array"],
  [/\bURL\.parse\(|\bURL\.canParse\(/, 19, "URL.parse / URL.canParse"],
  [/\bprocess\.getBuiltinModule\(/, 22, "process.getBuiltinModule"],
  [/\bIterator\.from\(|\.values\(\)\.(map|filter|take|drop)\(/, 22, "iterator helpers"],
  [/\bwith\s*\{\s*type\s*:/, 22, "import attributes"],
  [/\bRegExp\.escape\(/, 24, "RegExp.escape"],
  [/\/[^/\n]+\/[a-z]*v[a-z]*[.;,)]/, 20, "RegExp v flag"],
];

test("engines names a lower bound that every supported Node meets", () => {
  assert.ok(Number.isInteger(oldest), `engines.node should be ">=N", got ${pkg.engines.node}`);
  // Node's maintained lines are 20 and newer; the bound may be older, never newer.
  assert.ok(oldest <= 20, `engines.node ${pkg.engines.node} excludes a supported Node`);
  assert.ok(Number(process.versions.node.split(".")[0]) >= oldest, "this Node is older than engines allows");
});

test("the sources use no API newer than the oldest Node engines allows", () => {
  const used = [];
  for (const name of readdirSync(path.join(ROOT, "src"))) {
    const source = readFileSync(path.join(ROOT, "src", name), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const [pattern, since, what] of NEWER_APIS) {
      if (since > oldest && pattern.test(source)) used.push(`${name}: ${what} (Node ${since})`);
    }
  }
  assert.deepEqual(used, []);
});

test("the check finds a newer API when one is used", () => {
  const [pattern, since] = NEWER_APIS[0];
  assert.ok(pattern.test("const sorted = list.toSorted();") && since > 18);
});
