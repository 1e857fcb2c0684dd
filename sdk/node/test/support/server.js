/**
 * Start the real reference server on a free loopback port for a test file,
 * and stop it afterwards. The binary is $GYM_HTTP_SERVER_BIN, or the
 * repository's .venv; the conformance fixture environment comes from
 * gym_http_conformance.allspaces when the conformance package is in the checkout.
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SDK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const REPO_DIR = path.resolve(SDK_DIR, "../..");
export const SERVER_BIN = process.env.GYM_HTTP_SERVER_BIN || path.join(REPO_DIR, ".venv/bin/gym-http-server");
const FIXTURE_FILE = path.join(REPO_DIR, "conformance/gym_http_conformance/allspaces.py");
const FIXTURE_MODULE = "gym_http_conformance.allspaces";
export const HAS_TESTENVS = existsSync(FIXTURE_FILE);
export const ALL_SPACES = "GymHttpTest/AllSpaces-v0";

const ANNOUNCEMENT = /listening on (http:\/\/\S+)/;

/**
 * @param {string[]} [args] extra command-line options
 * @param {{timeoutMs?: number}} [options]
 * @returns {Promise<{baseURL: string, stop: () => Promise<void>, process: import("node:child_process").ChildProcess}>}
 */
export function startServer(args = [], { timeoutMs = 30_000 } = {}) {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`gym-http-server not found at ${SERVER_BIN}; set GYM_HTTP_SERVER_BIN or run make`);
  }
  if (!HAS_TESTENVS) {
    console.warn(`SKIPPED: ${FIXTURE_FILE} missing; starting without --import ${FIXTURE_MODULE}`);
  }
  const imports = HAS_TESTENVS ? ["--import", FIXTURE_MODULE] : [];
  const child = spawn(SERVER_BIN, ["-l", "127.0.0.1", "-p", "0", ...imports, ...args], {
    env: process.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let log = "";
    let started = false;
    const timer = setTimeout(() => { stop(); reject(new Error(`server did not start:\n${log}`)); }, timeoutMs);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      if (started) return; // keep draining so the server never blocks on a full pipe
      log += chunk;
      const match = ANNOUNCEMENT.exec(log);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ baseURL: match[1], stop, process: child });
      }
    });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
    child.once("error", (error) => { clearTimeout(timer); reject(error); });
  });
}
