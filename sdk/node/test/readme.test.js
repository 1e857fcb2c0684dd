// The README's examples beyond the first (which pack.test.js runs from the
// packed tarball) run verbatim against a real server with its own data
// folder, importing the package by its name.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startServer, SDK_DIR } from "./support/server.js";

const run = promisify(execFile);

/** The first ```js block after the heading `## <title>`, verbatim. */
function readmeBlock(title) {
  const readme = readFileSync(path.join(SDK_DIR, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a section ${title}`);
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(start));
  assert.ok(match, `README section ${title} has an example`);
  return match[1];
}

let server;
let workDir;
before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "gym-http-client-readme-"));
  mkdirSync(path.join(workDir, "data"));
  mkdirSync(path.join(workDir, "app", "node_modules"), { recursive: true });
  symlinkSync(SDK_DIR, path.join(workDir, "app", "node_modules", "gym-http-client"), "dir");
  writeFileSync(path.join(workDir, "app", "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  server = await startServer(["--data-dir", path.join(workDir, "data")]);
});
after(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Run one README example in the app folder; resolves to its stdout. */
async function runExample(title) {
  const file = path.join(workDir, "app", `${title.replace(/\W+/g, "-")}.js`);
  writeFileSync(file, readmeBlock(title));
  const { stdout } = await run(process.execPath, [file], {
    cwd: path.join(workDir, "app"), env: { ...process.env, GYM_HTTP_SERVER: server.baseURL }, timeout: 60_000,
  });
  return stdout;
}

test("the msgpack example prints a typed CartPole observation", async () => {
  assert.equal((await runExample("msgpack")).trim(), "float32 [ 4 ] true");
});

test("the frames example writes a 600x400 PNG and prints the frame's size", async () => {
  const stdout = await runExample("Frames");
  assert.match(stdout, /^400x600 frame, \d+ PNG bytes\n$/);
  const png = readFileSync(path.join(workDir, "app", "cartpole.png"));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [600, 400]);
});

test("the recording example uploads three episodes and reads them back", async () => {
  assert.equal((await runExample("Recording a training run")).trim(), "3 true 3");
});
