// pyclawrouter's OpenClaw entry: registers the `blockrun` provider and the chat commands, and (in the
// gateway only) runs the Python proxy as a service. Everything real happens in Python; this file only
// starts the proxy and forwards commands to it over loopback HTTP. No dependencies, no imports from openclaw.
//
// The command endpoint needs a per-start secret. The proxy writes it to <state dir>/command-token (0600)
// when it starts; this file reads it after /health answers and sends it as a bearer token. It never travels
// through argv or the environment. The spawned proxy inherits the gateway's environment, so BLOCKRUN_* and
// CLAWROUTER_* variables (upstream, RPC, chain) apply to it as they do to `pyclawrouter serve`.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const PLUGIN_ID = "pyclawrouter";
export const PROVIDER_ID = "blockrun";
export const SERVICE_ID = "pyclawrouter-proxy";
const DEFAULT_PORT = 8402;
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
// Waits before restarting a proxy that exited on its own: quick for a one-off crash, then slower so a proxy
// that can never start (bad interpreter, broken install) costs one attempt every 30 s, not a busy loop.
export const RESTART_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
// A proxy that served this long before it died counts as having started fine: the backoff starts over.
const STABLE_RUN_MS = 60_000;
// Where the service records why the proxy last failed, for `pyclawrouter doctor` and later CLI processes.
export const LAST_ERROR_FILE = "proxy-last-error.json";

// name -> [description, requireAuth, timeout ms]. Keep in step with pyclawrouter/commands/registry.py.
export const COMMANDS = {
  wallet: ["Show wallet address, balance and how to fund it", true, 30_000],
  stats: ["Show usage statistics: requests, spend, savings", false, 30_000],
  img: ["Generate an image: /img [--model M] [--size WxH] <prompt>", true, 200_000],
  img2img: ["Edit an image: /img2img --image PATH|URL [--mask PATH] <prompt>", true, 200_000],
  exclude: ["Keep models out of routing: /exclude [add|remove|clear] <model>", true, 30_000],
};

// One proxy per gateway process, whatever number of times register() runs.
export const state = {
  child: null, owned: false, token: null, exitHook: false,
  lastError: null, // {message, at}: why the proxy last failed to start or stopped, shown wherever it is missed
  restarts: 0, restartTimer: null, stopped: false,
};

const pluginConfig = (api) => api.pluginConfig ?? {};
const portOf = (config) => {
  const port = Number(config.port ?? DEFAULT_PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_PORT;
};
const baseUrl = (port) => `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The state directory (where the proxy writes command-token). PYCLAWROUTER_HOME moves it, as in Python.
export function defaultStateDir() {
  const override = (process.env.PYCLAWROUTER_HOME ?? "").trim();
  if (override) return override.startsWith("~/") ? join(homedir(), override.slice(2)) : override;
  return join(homedir(), ".openclaw", "blockrun");
}

// CLAWROUTER_DISABLED=true|1 turns the plugin off (ClawRouter's switch): nothing is registered.
export function disabledByEnv() {
  return ["true", "1"].includes((process.env.CLAWROUTER_DISABLED ?? "").trim().toLowerCase());
}

export async function readToken(stateDir) {
  try {
    return (await readFile(join(stateDir, "command-token"), "utf8")).trim() || null;
  } catch {
    return null;
  }
}

// The proxy's argv: no secret, no config, only where to listen. `-P` (Python >= 3.11) keeps the working
// directory off sys.path, so a folder that holds a checkout named like the package (or any `pyclawrouter/`)
// cannot shadow the installed package. Not `-I`: that also drops user site-packages, where
// `pip install --user` puts pyclawrouter.
export function proxyArgv(config) {
  return ["-P", "-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", String(portOf(config))];
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

async function postCommand(port, token, name, body, timeoutMs) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${baseUrl(port)}/plugin/command/${name}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

// Turn the proxy's CommandReply JSON ({text, data, media, isError}) into what OpenClaw shows. The reply is
// never marked isError for OpenClaw: OpenClaw renders an isError text through its provider-failure
// classifier, which looks for phrases anywhere in the text ("unknown model", "rate limit", "timed out",
// "402", ...) and replaces the whole reply with its own copy (e.g. "The configured model is unavailable",
// for `/exclude add <typo>`). Our replies already say in words what went wrong and what to type instead.
export function toReplyPayload(reply) {
  const text = typeof reply?.text === "string" && reply.text ? reply.text : "(no reply from pyclawrouter)";
  const payload = { text };
  const media = Array.isArray(reply?.media) ? reply.media.filter((m) => typeof m === "string" && m) : [];
  if (media.length === 1) payload.mediaUrl = media[0];
  if (media.length > 0) payload.mediaUrls = media;
  return payload;
}

// Owner = OpenClaw says so (senderIsOwner), or the command came from a gateway client with the admin scope
// (an operator session such as the Control UI; `openclaw gateway call` connects with operator.write only).
// Channel senders are never owners here, so `/wallet export` cannot leak the key into a group chat.
export function isOwner(ctx) {
  if (ctx?.senderIsOwner === true) return true;
  return Array.isArray(ctx?.gatewayClientScopes) && ctx.gatewayClientScopes.includes("operator.admin");
}

export async function forwardCommand(api, name, ctx) {
  const port = portOf(pluginConfig(api));
  const stateDir = defaultStateDir();
  const body = { args: ctx?.args ?? "", senderIsOwner: isOwner(ctx), channel: ctx?.channel ?? "" };
  const timeoutMs = COMMANDS[name][2];
  try {
    state.token ??= await readToken(stateDir);
    let res = await postCommand(port, state.token, name, body, timeoutMs);
    if (res.status === 401 || res.status === 403) {
      // The proxy restarted and wrote a new token: read it again once.
      state.token = await readToken(stateDir);
      res = await postCommand(port, state.token, name, body, timeoutMs);
    }
    let reply = null;
    try {
      reply = await res.json();
    } catch {
      reply = { text: `pyclawrouter proxy answered HTTP ${res.status} without a reply` };
    }
    if (res.status === 401 || res.status === 403) {
      reply = { text: `pyclawrouter refused the command: no valid token in ${join(stateDir, "command-token")}` };
    }
    return toReplyPayload(reply);
  } catch (err) {
    const reason = err?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : String(err?.message ?? err);
    return { text: unreachableText(port, reason, state.lastError ?? (await readLastError(stateDir))) };
  }
}

// What a command says when the proxy does not answer: the proxy's own last failure first (the reason the
// user can act on), then when the service tries again, then where to look.
export function unreachableText(port, reason, lastError) {
  const lines = [`pyclawrouter's proxy is not answering on 127.0.0.1:${port} (${reason}).`];
  if (lastError?.message) lines.push(`Last proxy failure (${lastError.at}): ${lastError.message}`);
  if (state.restartTimer && state.nextRestartAt) {
    lines.push(`The gateway starts it again in ${Math.max(1, Math.round((state.nextRestartAt - Date.now()) / 1000))}s.`);
  }
  lines.push("More: `pyclawrouter doctor`, `openclaw plugins inspect pyclawrouter`, the gateway log.");
  return lines.join("\n");
}

export async function readLastError(stateDir) {
  try {
    const data = JSON.parse(await readFile(join(stateDir, LAST_ERROR_FILE), "utf8"));
    return typeof data?.message === "string" ? data : null;
  } catch {
    return null;
  }
}

function readLastErrorSync(stateDir) {
  try {
    const data = JSON.parse(readFileSync(join(stateDir, LAST_ERROR_FILE), "utf8"));
    return typeof data?.message === "string" ? data : null;
  } catch {
    return null;
  }
}

async function recordLastError(stateDir, message) {
  state.lastError = { message, at: new Date().toISOString() };
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(join(stateDir, LAST_ERROR_FILE), JSON.stringify(state.lastError) + "\n", { mode: 0o600 });
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

// The gateway service: starts the proxy, restarts it with backoff when it exits on its own, records why it
// failed (service health, LAST_ERROR_FILE, command replies), and stops it with the gateway.
export function createService(api) {
  const config = pluginConfig(api);
  const port = portOf(config);
  const python = config.python ?? "python3";
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
    if (await isHealthy(port, 1_000)) {
      state.owned = false;
      state.token = null;
      logger.info(`pyclawrouter: reusing the healthy proxy already on 127.0.0.1:${port}`);
      health?.clearFailure();
      await clearLastError(stateDir);
      return;
    }
    await mkdir(stateDir, { recursive: true, mode: 0o700 }).catch(() => {});
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
        logger.info(`pyclawrouter: proxy healthy on 127.0.0.1:${port}`);
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

// Outside the gateway (`openclaw plugins inspect`, `openclaw doctor`, the CLI) the service does not run, so
// the proxy's last recorded failure is logged at registration, where those commands show plugin output.
function reportLastError(api) {
  const last = readLastErrorSync(defaultStateDir());
  if (last) api.logger?.warn?.(`pyclawrouter: the proxy's last failure (${last.at}): ${last.message}`);
}

export default {
  id: PLUGIN_ID,
  name: "pyclawrouter",
  description: "Routes each request to the cheapest capable model and pays BlockRun per request with x402",
  register(api) {
    if (disabledByEnv()) {
      api.logger?.info?.("pyclawrouter: CLAWROUTER_DISABLED is set; registering nothing");
      return;
    }
    api.registerProvider({
      id: PROVIDER_ID,
      label: "BlockRun (pyclawrouter)",
      docsPath: "https://blockrun.ai/docs",
      auth: [],
    });
    for (const [name, [description, requireAuth]] of Object.entries(COMMANDS)) {
      api.registerCommand({
        name,
        description,
        acceptsArgs: true,
        requireAuth,
        exposeSenderIsOwner: name === "wallet",
        handler: (ctx) => forwardCommand(api, name, ctx),
      });
    }
    if (api.registrationMode !== "full") {
      reportLastError(api);
      return;
    }
    if (pluginConfig(api).manageProxy === false) return;
    api.registerService(createService(api));
  },
};
