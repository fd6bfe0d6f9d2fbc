// Where the proxy is: its loopback address and port, its state directory, and the files the proxy writes there
// that the plugin reads (command token, API key, last failure). The JavaScript side of plugin/paths.py.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

import {
  API_KEY_FILE, COMMAND_TOKEN_FILE, DEFAULT_HOST, DEFAULT_PORT, LAST_ERROR_FILE, STATE_DIR_ENV, STATE_DIR_UNDER_HOME,
} from "./constants.js";

// The configured port when it is one, else the default: a bad value in the config must not stop the plugin.
export function portOf(config) {
  const port = Number(config.port ?? DEFAULT_PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_PORT;
}

export const baseUrl = (port) => `http://${DEFAULT_HOST}:${port}`;

// The state directory (where the proxy writes command-token). PYCLAWROUTER_HOME moves it, as in Python.
export function defaultStateDir() {
  const override = (process.env[STATE_DIR_ENV] ?? "").trim();
  if (override) return override.startsWith("~/") ? join(homedir(), override.slice(2)) : override;
  return join(homedir(), ...STATE_DIR_UNDER_HOME);
}

async function readTrimmed(path) {
  try {
    return (await readFile(path, "utf8")).trim() || null;
  } catch {
    return null;
  }
}

export const readToken = (stateDir) => readTrimmed(join(stateDir, COMMAND_TOKEN_FILE));

export const readApiKey = (stateDir) => readTrimmed(join(stateDir, API_KEY_FILE));

const lastErrorOf = (text) => {
  const data = JSON.parse(text);
  return typeof data?.message === "string" ? data : null;
};

export async function readLastError(stateDir) {
  try {
    return lastErrorOf(await readFile(join(stateDir, LAST_ERROR_FILE), "utf8"));
  } catch {
    return null;
  }
}

// For register(), which OpenClaw runs synchronously.
export function readLastErrorSync(stateDir) {
  try {
    return lastErrorOf(readFileSync(join(stateDir, LAST_ERROR_FILE), "utf8"));
  } catch {
    return null;
  }
}
