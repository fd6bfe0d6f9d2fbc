// pyclawrouter's OpenClaw entry: registers the `blockrun` provider and the chat commands, and (in the
// gateway only) the service that runs the Python proxy (service.js). Everything real happens in Python; this
// file forwards commands to the proxy over loopback HTTP. No dependencies, no imports from openclaw.
//
// The command endpoint needs a per-start secret. The proxy writes it to <state dir>/command-token (0600)
// when it starts; this file reads it and sends it as a bearer token. It never travels through argv or the
// environment. /v1/* needs the per-install API key (<state dir>/api-key), which OpenClaw sends from
// models.providers.blockrun.apiKey; an older install's block gets the key and the client header once the proxy
// is up (upgrade.js), and a config with no provider block gets one at the service's start (inject.js).
// Provider usage (balance, spend, budget) for OpenClaw's own surfaces is in usage.js, the model catalog in
// catalog.js.
import { join } from "node:path";

import { createCatalogHooks } from "./catalog.js";
import {
  COMMANDS, COMMAND_TOKEN_FILE, DEFAULT_HOST, PLACEHOLDER_API_KEY, PLUGIN_ID, PROVIDER_ID,
} from "./constants.js";
import { baseUrl, defaultStateDir, portOf, readApiKey, readLastError, readLastErrorSync, readToken } from "./paths.js";
import { createService, state } from "./service.js";
import { createUsageHooks } from "./usage.js";

// Everything this file exported before the service moved to service.js, so code that imports it from the
// entry keeps working.
export * from "./constants.js";
export { defaultStateDir, readApiKey, readLastError, readToken } from "./paths.js";
export {
  RESTART_BACKOFF_MS, SERVICE_ID, createService, describeExit, isHealthy, proxyArgv, state,
} from "./service.js";
export { upgradeProviderBlock } from "./upgrade.js";

const pluginConfig = (api) => api.pluginConfig ?? {};

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
  const timeoutMs = COMMANDS[name].timeoutMs;
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
      reply = { text: `pyclawrouter refused the command: no valid token in ${join(stateDir, COMMAND_TOKEN_FILE)}` };
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
  const lines = [`pyclawrouter's proxy is not answering on ${DEFAULT_HOST}:${port} (${reason}).`];
  if (lastError?.message) lines.push(`Last proxy failure (${lastError.at}): ${lastError.message}`);
  if (state.restartTimer && state.nextRestartAt) {
    lines.push(`The gateway starts it again in ${Math.max(1, Math.round((state.nextRestartAt - Date.now()) / 1000))}s.`);
  }
  lines.push("More: `pyclawrouter doctor`, `openclaw plugins inspect pyclawrouter --runtime`, the gateway log.");
  return lines.join("\n");
}

// Outside the gateway (`openclaw plugins inspect pyclawrouter --runtime`, the CLI) the service does not run, so
// the proxy's last recorded failure is logged at registration, where those commands show plugin output.
function reportLastError(api) {
  const last = readLastErrorSync(defaultStateDir());
  if (last) api.logger?.warn?.(`pyclawrouter: the proxy's last failure (${last.at}): ${last.message}`);
}

// CLAWROUTER_DISABLED=true|1 turns the plugin off (ClawRouter's switch): nothing is registered.
export function disabledByEnv() {
  return ["true", "1"].includes((process.env.CLAWROUTER_DISABLED ?? "").trim().toLowerCase());
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
    // How the provider's hooks reach the proxy: its port from the config OpenClaw passes them, its key file.
    const proxyAccess = {
      providerId: PROVIDER_ID,
      host: DEFAULT_HOST,
      placeholderKey: PLACEHOLDER_API_KEY,
      portFor: (config) => portOf(config?.plugins?.entries?.[PLUGIN_ID]?.config ?? pluginConfig(api)),
      apiKeyFile: () => readApiKey(defaultStateDir()),
    };
    api.registerProvider({
      id: PROVIDER_ID,
      label: "BlockRun (pyclawrouter)",
      docsPath: "https://blockrun.ai/docs",
      auth: [],
      // Wallet balance and spend in `openclaw status --usage`, chat /status and the Control UI (usage.js).
      ...createUsageHooks({ ...proxyAccess, lastError: () => readLastError(defaultStateDir()) }),
      // The live catalog in `openclaw models list` and the model picker; any live id in a turn (catalog.js).
      ...createCatalogHooks(proxyAccess),
    });
    for (const [name, { description, acceptsArgs, requireAuth, exposeSenderIsOwner }] of Object.entries(COMMANDS)) {
      api.registerCommand({
        name,
        description,
        acceptsArgs,
        requireAuth,
        exposeSenderIsOwner,
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
