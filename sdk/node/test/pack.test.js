// The package as users get it: `npm pack`, installed into an empty folder,
// runs the README example verbatim against a real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startServer, SDK_DIR } from "./support/server.js";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** The first ```js block under the README's "Example" heading, verbatim. */
function readmeExample() {
  const readme = readFileSync(path.join(SDK_DIR, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Example"));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(match, "README has an example code block");
  return match[1];
}

let server;
let workDir;
before(async () => {
  server = await startServer();
  workDir = mkdtempSync(path.join(tmpdir(), "gym-http-client-pack-"));
});
after(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("the packed tarball installs into an empty folder and runs the README example", async () => {
  const packDir = path.join(workDir, "pack");
  const appDir = path.join(workDir, "app");
  for (const dir of [packDir, appDir]) mkdirSync(dir);
  const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];
  await run(NPM, ["pack", "--pack-destination", packDir, ...quiet], { cwd: SDK_DIR });
  const [tarball] = readdirSync(packDir).filter((name) => name.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");

  const listing = await run("tar", ["-tzf", path.join(packDir, tarball)]);
  const files = listing.stdout.trim().split("\n").sort();
  assert.ok(files.includes("package/index.d.ts") && files.includes("package/src/index.js"), files.join(", "));
  assert.ok(!files.some((name) => name.startsWith("package/test/")), "tests are not shipped");

  writeFileSync(path.join(appDir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run(NPM, ["install", "--offline", ...quiet, path.join(packDir, tarball)], { cwd: appDir });
  const installed = JSON.parse(readFileSync(path.join(appDir, "node_modules/gym-http-client/package.json"), "utf8"));
  assert.deepEqual(installed.dependencies ?? {}, {}, "zero runtime dependencies");

  writeFileSync(path.join(appDir, "example.js"), readmeExample());
  const { stdout } = await run(process.execPath, ["example.js"], {
    cwd: appDir, env: { ...process.env, GYM_HTTP_SERVER: server.baseURL }, timeout: 60_000,
  });
  const match = /episode return: (\d+), last observation: 4 numbers/.exec(stdout);
  assert.ok(match, `unexpected output: ${stdout}`);
  assert.ok(Number(match[1]) >= 1);
});
