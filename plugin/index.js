// pyclawrouter's OpenClaw entry: registers the `blockrun` provider and the chat commands, and (in the
// gateway only) runs the Python proxy as a service. Everything real happens in Python; this file only
// starts the proxy and forwards commands to it over loopback HTTP. No dependencies, no imports from openclaw.
//
// The command endpoint needs a per-start secret. The proxy writes it to <state dir>/command-token (0600)
// when it starts; this file reads it after /health answers and sends it as a bearer token. It never travels
// through argv or the environment. The spawned proxy inherits the gateway's environment, so BLOCKRUN_* and
// CLAWROUTER_* variables (upstream, RPC, chain) apply to it as they do to `pyclawrouter serve`.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const PLUGIN_ID = "pyclawrouter";
export const PROVIDER_ID = "blockrun";
export const SERVICE_ID = "pyclawrouter-proxy";
const DEFAULT_PORT = 8402;
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

// name -> [description, requireAuth, timeout ms]. Keep in step with pyclawrouter/commands/registry.py.
export const COMMANDS = {
  wallet: ["Show wallet address, balance and how to fund it", true, 30_000],
  stats: ["Show usage statistics: requests, spend, savings", false, 30_000],
  img: ["Generate an image: /img [--model M] [--size WxH] <prompt>", true, 200_000],
  img2img: ["Edit an image: /img2img --image PATH|URL [--mask PATH] <prompt>", true, 200_000],
  exclude: ["Keep models out of routing: /exclude [add|remove|clear] <model>", true, 30_000],
};

// One proxy per gateway process, whatever number of times register() runs.
export const state = { child: null, owned: false, token: null, exitHook: false };

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

// The proxy's argv: no secret, no config, only where to listen.
export function proxyArgv(config) {
  return ["-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", String(portOf(config))];
}

// Spawning lives here, away from the network code below.
function spawnProxy(python, argv, logger) {
  const child = spawn(python, argv, { stdio: ["ignore", "inherit", "pipe"] });
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

// Turn the proxy's CommandReply JSON ({text, data, media, isError}) into what OpenClaw shows.
export function toReplyPayload(reply, ok) {
  const text = typeof reply?.text === "string" && reply.text ? reply.text : "(no reply from pyclawrouter)";
  const payload = { text, isError: !ok || reply?.isError === true };
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
    return toReplyPayload(reply, res.ok);
  } catch (err) {
    const reason = err?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : String(err?.message ?? err);
    return {
      text: `pyclawrouter proxy is not reachable on 127.0.0.1:${port} (${reason}). ` +
        "Check `openclaw plugins inspect pyclawrouter` and the gateway log, or run `pyclawrouter doctor`.",
      isError: true,
    };
  }
}

function stopChild(signal = "SIGTERM") {
  const child = state.child;
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

export function createService(api) {
  const config = pluginConfig(api);
  return {
    id: SERVICE_ID,
    reload: { configPrefixes: [`plugins.entries.${PLUGIN_ID}.config`] },
    start: async (ctx) => {
      const logger = ctx?.logger ?? api.logger;
      const health = ctx?.serviceHealth;
      const port = portOf(config);
      if (state.child && state.child.exitCode === null) return;
      if (await isHealthy(port, 1_000)) {
        state.owned = false;
        state.token = null;
        logger.info(`pyclawrouter: reusing the healthy proxy already on 127.0.0.1:${port}`);
        health?.clearFailure();
        return;
      }
      const python = config.python ?? "python3";
      const argv = proxyArgv(config);
      let child;
      try {
        child = spawnProxy(python, argv, logger);
      } catch (err) {
        health?.reportFailure(new Error(`cannot start ${python}: ${err?.message ?? err}`));
        return;
      }
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
        health?.reportFailure(new Error(`cannot start the proxy with ${python}: ${err.message}. ` +
          "Set plugins.entries.pyclawrouter.config.python (pyclawrouter openclaw install records it)."));
      });
      child.on("exit", (code, signal) => {
        if (state.child === child) state.child = null;
        if (!child.stopping) {
          const tail = child.stderrTail.slice(-5).join("\n");
          health?.reportFailure(new Error(`pyclawrouter proxy exited (code ${code}, signal ${signal})\n${tail}`));
        }
      });
      logger.info(`pyclawrouter: started proxy pid ${child.pid}: ${python} ${argv.join(" ")}`);
      // Not awaited: the gateway becomes ready while the proxy imports; failures go to the health API.
      void waitForHealth(port, child, HEALTH_TIMEOUT_MS).then((ok) => {
        if (ok) {
          health?.clearFailure();
          logger.info(`pyclawrouter: proxy healthy on 127.0.0.1:${port}`);
        } else if (child.exitCode === null && !child.stopping && !child.failed) {
          health?.reportFailure(new Error(`pyclawrouter proxy did not answer /health on port ${port} ` +
            `within ${HEALTH_TIMEOUT_MS / 1000}s`));
        }
      });
    },
    stop: async () => {
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
    if (api.registrationMode !== "full" || pluginConfig(api).manageProxy === false) return;
    api.registerService(createService(api));
  },
};
