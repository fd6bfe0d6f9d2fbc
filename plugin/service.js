// The gateway service that runs the Python proxy: finds the interpreter, adds the provider block when the
// config has none (inject.js), spawns `python -P -m pyclawrouter serve`, waits for /health, restarts a proxy
// that exits on its own with backoff, records why it failed (service health, LAST_ERROR_FILE, and `state` for
// command replies), and stops the proxy with the gateway.
// The spawned proxy inherits the gateway's environment, so BLOCKRUN_* and CLAWROUTER_* variables (upstream, RPC, chain) apply to it as they do to `pyclawrouter serve`.
import { spawn } from "node:child_process";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import {
  API_KEY_FILE, DEFAULT_HOST, INSTALL_RECORD_FILE, LAST_ERROR_FILE, PLUGIN_ID, PROVIDER_ID,
} from "./constants.js";
import { buildProviderBlock, ensureApiKey, findPython, injectProvider } from "./inject.js";
import { baseUrl, defaultStateDir, portOf } from "./paths.js";
import { upgradeQuietly } from "./upgrade.js";

export const SERVICE_ID = "pyclawrouter-proxy";
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
// Waits before restarting a proxy that exited on its own: quick for a one-off crash, then slower so a proxy
// that can never start (bad interpreter, broken install) costs one attempt every 30 s, not a busy loop.
export const RESTART_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
// A proxy that served this long before it died counts as having started fine: the backoff starts over.
const STABLE_RUN_MS = 60_000;

// One proxy per gateway process, whatever number of times register() runs.
export const state = {
  child: null, owned: false, token: null, exitHook: false, injected: false,
  lastError: null, // {message, at}: why the proxy last failed to start or stopped, shown wherever it is missed
  restarts: 0, restartTimer: null, stopped: false,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The proxy's argv: no secret, no config, only where to listen. `-P` (Python >= 3.11) keeps the working
// directory off sys.path, so a folder that holds a checkout named like the package (or any `pyclawrouter/`)
// cannot shadow the installed package. Not `-I`: that also drops user site-packages, where
// `pip install --user` puts pyclawrouter.
export function proxyArgv(config) {
  return ["-P", "-m", "pyclawrouter", "serve", "--host", DEFAULT_HOST, "--port", String(portOf(config))];
}

// Spawning lives here, away from the network code below. The working directory is fixed (the state
// directory), never the gateway's, so where the gateway was started from cannot change what the proxy does.
function spawnProxy(python, argv, cwd, logger) {
  const child = spawn(python, argv, { cwd, stdio: ["ignore", "inherit", "pipe"] });
  child.stderrTail = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    for (const line of chunk.split("\n")) {
      if (!line.trim()) continue;
      child.stderrTail.push(line);
      if (child.stderrTail.length > 20) child.stderrTail.shift();
      logger.info(`[proxy] ${line}`);
    }
  });
  return child;
}

export async function isHealthy(port, timeoutMs = 1_000) {
  try {
    const res = await fetch(`${baseUrl(port)}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

async function waitForHealth(port, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child && (child.exitCode !== null || child.failed)) return false;
    if (await isHealthy(port, 1_000)) return true;
    await sleep(200);
  }
  return false;
}

async function recordLastError(stateDir, message) {
  state.lastError = { message, at: new Date().toISOString() };
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    // Written to a temporary name and renamed, so a reader (doctor, another process) never sees half a file.
    const target = join(stateDir, LAST_ERROR_FILE);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(state.lastError) + "\n", { mode: 0o600 });
    await rename(temporary, target);
  } catch {
    // The in-memory copy still reaches commands and the service health; the file is for other processes.
  }
}

async function clearLastError(stateDir) {
  state.lastError = null;
  await rm(join(stateDir, LAST_ERROR_FILE), { force: true }).catch(() => {});
}

// Why a proxy process ended, in words a user can act on (the stderr tail has Python's own message).
export function describeExit(python, code, signal, stderrTail) {
  const tail = stderrTail.slice(-5).join("\n");
  if (/Unknown option:? -P|unknown option -P/i.test(tail)) {
    return `${python} is older than Python 3.11 (it rejects -P); pyclawrouter needs Python 3.11 or newer. ` +
      "Run `pyclawrouter openclaw install` from a Python 3.11+ environment.";
  }
  if (/No module named pyclawrouter/.test(tail)) {
    return `${python} cannot import pyclawrouter. Install it there (pip install pyclawrouter), or run ` +
      "`pyclawrouter openclaw install` from the environment that has it.";
  }
  return `the proxy exited (code ${code}, signal ${signal})${tail ? `:\n${tail}` : ""}`;
}

function stopChild(signal = "SIGTERM") {
  const child = state.child;
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

// The provider block for a user who never ran the Python installer (inject.js), written once per gateway
// process, with the interpreter that will run the proxy.
async function autoInject(api, config, python, stateDir, logger) {
  if (state.injected) return;
  state.injected = true;
  const apiKeyPath = join(stateDir, API_KEY_FILE);
  try {
    await injectProvider({
      api, config, logger, apiKeyPath,
      providerId: PROVIDER_ID,
      primaryModel: `${PROVIDER_ID}/auto`,
      recordPath: join(stateDir, INSTALL_RECORD_FILE),
      makeBlock: async () => buildProviderBlock({
        host: DEFAULT_HOST, port: portOf(config), apiKey: await ensureApiKey(apiKeyPath, stateDir), python,
        args: proxyArgv(config), stateDir, manageProxy: config.manageProxy,
      }),
    });
  } catch (err) {
    logger.warn?.(`pyclawrouter: could not add models.providers.${PROVIDER_ID} to the OpenClaw config ` +
      `(${err?.message ?? err}); run \`pyclawrouter openclaw install\` to add it`);
  }
}

// The gateway service: finds the Python, adds the provider if the user has none (autoInject), starts the
// proxy, restarts it with backoff when it exits on its own, records why it failed (service health,
// LAST_ERROR_FILE, command replies), and stops it with the gateway.
export function createService(api) {
  const config = api.pluginConfig ?? {};
  const port = portOf(config);
  let python = config.python ?? "python3";
  const argv = proxyArgv(config);
  const stateDir = defaultStateDir();
  let logger = api.logger;
  let health;

  const fail = (message) => {
    logger.warn?.(`pyclawrouter: ${message}`);
    health?.reportFailure(new Error(message));
    return recordLastError(stateDir, message);
  };

  const scheduleRestart = () => {
    if (state.stopped || state.restartTimer) return;
    const delay = RESTART_BACKOFF_MS[Math.min(state.restarts, RESTART_BACKOFF_MS.length - 1)];
    state.restarts += 1;
    state.nextRestartAt = Date.now() + delay;
    logger.info(`pyclawrouter: starting the proxy again in ${delay / 1000}s (restart ${state.restarts})`);
    state.restartTimer = setTimeout(() => {
      state.restartTimer = null;
      void launch();
    }, delay);
    state.restartTimer.unref?.();
  };

  const launch = async () => {
    if (state.stopped || (state.child && state.child.exitCode === null)) return;
    // Looked for at every attempt, so `pip install pyclawrouter` after the gateway started heals at the next.
    const found = await findPython(config.python);
    if (!found.python) {
      await fail(found.problem);
      scheduleRestart();
      return;
    }
    python = found.python;
    await mkdir(stateDir, { recursive: true, mode: 0o700 }).catch(() => {});
    await autoInject(api, config, python, stateDir, logger);
    if (await isHealthy(port, 1_000)) {
      state.owned = false;
      state.token = null;
      logger.info(`pyclawrouter: reusing the healthy proxy already on ${DEFAULT_HOST}:${port}`);
      health?.clearFailure();
      await clearLastError(stateDir);
      await upgradeQuietly(api, stateDir, logger);
      return;
    }
    let child;
    try {
      child = spawnProxy(python, argv, stateDir, logger);
    } catch (err) {
      await fail(`cannot start ${python}: ${err?.message ?? err}`);
      scheduleRestart();
      return;
    }
    child.startedAt = Date.now();
    state.child = child;
    state.owned = true;
    state.token = null;
    if (!state.exitHook) {
      state.exitHook = true;
      process.once("exit", () => stopChild("SIGKILL"));
    }
    child.on("error", (err) => {
      child.failed = true;
      if (state.child === child) state.child = null;
      void fail(`cannot start the proxy with ${python}: ${err.message}. ` +
        "Set plugins.entries.pyclawrouter.config.python (pyclawrouter openclaw install records it).");
      scheduleRestart();
    });
    child.on("exit", (code, signal) => {
      if (state.child === child) state.child = null;
      if (child.stopping || child.failed) return;
      if (Date.now() - child.startedAt >= STABLE_RUN_MS) state.restarts = 0;
      void fail(describeExit(python, code, signal, child.stderrTail));
      scheduleRestart();
    });
    logger.info(`pyclawrouter: started proxy pid ${child.pid}: ${python} ${argv.join(" ")}`);
    // Not awaited: the gateway becomes ready while the proxy imports; failures go to the health API.
    void waitForHealth(port, child, HEALTH_TIMEOUT_MS).then(async (ok) => {
      if (ok) {
        health?.clearFailure();
        await clearLastError(stateDir);
        logger.info(`pyclawrouter: proxy healthy on ${DEFAULT_HOST}:${port}`);
        await upgradeQuietly(api, stateDir, logger); // the proxy has created the key file by the time it answers
      } else if (child.exitCode === null && !child.stopping && !child.failed) {
        await fail(`the proxy did not answer /health on port ${port} within ${HEALTH_TIMEOUT_MS / 1000}s`);
      }
    });
  };

  return {
    id: SERVICE_ID,
    reload: { configPrefixes: [`plugins.entries.${PLUGIN_ID}.config`] },
    start: async (ctx) => {
      logger = ctx?.logger ?? api.logger;
      health = ctx?.serviceHealth;
      state.stopped = false;
      state.restarts = 0;
      await launch();
    },
    stop: async () => {
      state.stopped = true;
      clearTimeout(state.restartTimer);
      state.restartTimer = null;
      const child = state.child;
      state.token = null;
      if (!child || !state.owned) return;
      child.stopping = true;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      stopChild("SIGTERM");
      if (await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)])) return;
      stopChild("SIGKILL");
      await Promise.race([exited, sleep(1_000)]);
    },
  };
}
