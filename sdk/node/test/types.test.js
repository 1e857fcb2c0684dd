// The shipped types: tsc accepts a typed usage example, and index.d.ts
// declares exactly what src/index.js exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import * as sdk from "../src/index.js";
import { SDK_DIR } from "./support/server.js";

const run = promisify(execFile);
const TSC = path.join(SDK_DIR, "node_modules/typescript/bin/tsc");

test("tsc --noEmit accepts the typed usage example", async (t) => {
  if (!existsSync(TSC)) {
    console.warn("SKIPPED tsc: typescript is not installed; run npm ci");
    return t.skip("typescript not installed");
  }
  try {
    await run(process.execPath, [TSC, "--noEmit", "-p", path.join(SDK_DIR, "test/types/tsconfig.json")], { cwd: SDK_DIR });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

test("index.d.ts declares every value src/index.js exports, and nothing else", () => {
  const declarations = readFileSync(path.join(SDK_DIR, "index.d.ts"), "utf8");
  const declared = [...declarations.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual([...declared].sort(), Object.keys(sdk).sort());
});

test("VERSION is the package version", () => {
  const manifest = JSON.parse(readFileSync(path.join(SDK_DIR, "package.json"), "utf8"));
  assert.equal(sdk.VERSION, manifest.version);
  assert.deepEqual(manifest.dependencies ?? {}, {}, "no runtime dependencies");
});
