// node --test tests/js : plugin/index.js and the service it registers (plugin/service.js) against a fake OpenClaw api
// (no openclaw install needed).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { fileURLToPath } from "node:url";

import plugin, {
  COMMANDS,
  LAST_ERROR_FILE,
  PLACEHOLDER_API_KEY,
  RESTART_BACKOFF_MS,
  createService,
  describeExit,
  forwardCommand,
  isOwner,
  proxyArgv,
  state,
  upgradeProviderBlock,
} from "../../plugin/index.js";
import { freePort, stopService, until } from "./helpers.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PLUGIN_DIR = join(HERE, "..", "..", "plugin");
const FAKE_PYTHON = join(HERE, "fixtures", "fake-python");

function fakeApi({ mode = "full", config = {} } = {}) {
  const api = {
    registrationMode: mode,
    pluginConfig: config,
    providers: [],
    commands: [],
    services: [],
    logs: [],
    logger: { info: (m) => api.logs.push(m), warn: (m) => api.logs.push(m), error: (m) => api.logs.push(m) },
    registerProvider: (p) => api.providers.push(p),
    registerCommand: (c) => api.commands.push(c),
    registerService: (s) => api.services.push(s),
  };
  return api;
}

// OpenClaw's api.runtime.config: current() is the runtime snapshot, mutateConfigFile() edits a draft of the file.
function withConfig(api, doc) {
  api.writes = [];
  api.runtime = {
    config: {
      current: () => structuredClone(doc),
      mutateConfigFile: async ({ afterWrite, mutate }) => {
        const draft = structuredClone(doc);
        await mutate(draft, {});
        api.writes.push({ afterWrite, draft });
        Object.assign(doc, draft);
        return { afterWrite, followUp: { mode: afterWrite.mode } };
      },
    },
  };
  return api;
}

const CLIENT_HEADERS = { "x-clawrouter-client": "openclaw" };
const providerDoc = (apiKey, headers = CLIENT_HEADERS) => ({
  models: { providers: { blockrun: { baseUrl: "http://127.0.0.1:8402/v1", ...(apiKey === undefined ? {} : { apiKey }),
    ...(headers ? { headers: { ...headers } } : {}) } } },
  gateway: { mode: "local" },
});

function fakeHealth() {
  const health = { failures: [], cleared: 0 };
  health.reportFailure = (err) => health.failures.push(String(err?.message ?? err));
  health.clearFailure = () => (health.cleared += 1);
  return health;
}

async function healthy(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
  } catch {
    return false;
  }
}

let home;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "pyclawrouter-js-"));
  process.env.PYCLAWROUTER_HOME = home;
  delete process.env.CLAWROUTER_DISABLED;
  state.token = null;
});
afterEach(() => stopService(state));

test("full mode registers the provider, every command synchronously, and one proxy service", () => {
  const api = fakeApi();
  const returned = plugin.register(api);
  assert.equal(returned, undefined); // nothing async left behind: OpenClaw reads registrations right away
  assert.deepEqual(api.providers.map((p) => p.id), ["blockrun"]);
  assert.deepEqual(api.providers[0].auth, []);
  assert.deepEqual(api.commands.map((c) => c.name).sort(), ["exclude", "img", "img2img", "stats", "wallet"]);
  for (const command of api.commands) {
    assert.equal(command.acceptsArgs, true);
    assert.match(command.name, /^[a-z0-9_]{1,32}$/); // Telegram-safe, no hyphens
    assert.ok(command.description.length > 0);
  }
  assert.equal(api.commands.find((c) => c.name === "stats").requireAuth, false);
  assert.equal(api.commands.find((c) => c.name === "wallet").requireAuth, true);
  assert.equal(api.services.length, 1);
  assert.equal(api.services[0].id, "pyclawrouter-proxy");
  assert.deepEqual(api.services[0].reload.configPrefixes, ["plugins.entries.pyclawrouter.config"]);
});

test("other registration modes and manageProxy:false start nothing", () => {
  for (const mode of ["discovery", "tool-discovery", "setup-only", "cli-metadata"]) {
    const api = fakeApi({ mode });
    plugin.register(api);
    assert.equal(api.services.length, 0, mode);
    assert.equal(api.commands.length, 5, mode);
  }
  const api = fakeApi({ config: { manageProxy: false } });
  plugin.register(api);
  assert.equal(api.services.length, 0);
});

test("CLAWROUTER_DISABLED registers nothing", () => {
  process.env.CLAWROUTER_DISABLED = "true";
  const api = fakeApi();
  plugin.register(api);
  assert.equal(api.providers.length + api.commands.length + api.services.length, 0);
});

test("the command names match the Python registry", () => {
  const registry = readFileSync(join(HERE, "..", "..", "commands", "registry.py"), "utf8");
  const pyNames = [...registry.matchAll(/CommandSpec\(\s*"([a-z0-9_]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(COMMANDS).sort(), pyNames);
});

test("no secret in argv; no process.env within 8 lines of a network call (OpenClaw's scanner rule)", () => {
  assert.deepEqual(proxyArgv({ port: 9999 }), ["-P", "-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", "9999"]);
  const modules = readdirSync(PLUGIN_DIR).filter((name) => name.endsWith(".js"));
  assert.ok(modules.includes("index.js") && modules.includes("service.js"), modules.join(" "));
  for (const name of modules) { // OpenClaw scans every file of the installed plugin
    const lines = readFileSync(join(PLUGIN_DIR, name), "utf8").split("\n");
    const envLines = lines.flatMap((l, i) => (l.includes("process.env") ? [i] : []));
    const netLines = lines.flatMap((l, i) => (/\bfetch\(|fetchImpl\(|http\.request\(|\.post\(/.test(l) ? [i] : []));
    for (const e of envLines) for (const n of netLines) assert.ok(Math.abs(e - n) > 8, `${name}: line ${e + 1} vs ${n + 1}`);
    assert.ok(!/eval\(|new Function\(/.test(lines.join("\n")), name);
    assert.ok(!/\benv\s*:/.test(lines.join("\n")), `${name}: the spawned proxy must inherit the environment as is`);
  }
});

test("commands go to the proxy with the token from the state dir; media becomes mediaUrls", async () => {
  const port = await freePort();
  const seen = [];
  let token = "first-token";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end("{}");
        return;
      }
      const reply = { text: "an image", data: { model: "m" }, media: ["http://127.0.0.1:1/images/a.png"], isError: false };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  try {
    writeFileSync(join(home, "command-token"), "first-token\n");
    const api = fakeApi({ config: { port } });
    const reply = await forwardCommand(api, "img", { args: "a fox", channel: "webchat", senderIsOwner: true });
    assert.deepEqual(reply, {
      text: "an image",
      mediaUrl: "http://127.0.0.1:1/images/a.png",
      mediaUrls: ["http://127.0.0.1:1/images/a.png"],
    });
    assert.deepEqual(seen[0], {
      url: "/plugin/command/img",
      auth: "Bearer first-token",
      body: { args: "a fox", senderIsOwner: true, channel: "webchat" },
    });
    // The proxy restarted with a new token: one 401, the file is read again, the command goes through.
    token = "second-token";
    writeFileSync(join(home, "command-token"), "second-token");
    const again = await forwardCommand(api, "stats", { args: "", channel: "webchat" });
    assert.equal(again.text, "an image");
    assert.equal(seen.at(-1).auth, "Bearer second-token");
    assert.equal(seen.at(-1).body.senderIsOwner, false);
  } finally {
    server.close();
  }
});

test("an unreachable proxy is an error reply, not an exception", async () => {
  const port = await freePort();
  const reply = await forwardCommand(fakeApi({ config: { port } }), "wallet", { args: "" });
  assert.equal(reply.isError, undefined);
  assert.match(reply.text, new RegExp(`not answering on 127\\.0\\.0\\.1:${port}`));
  assert.match(reply.text, /pyclawrouter doctor/);
});

test("the service starts the proxy with the recorded interpreter, and stop ends it", async () => {
  const port = await freePort();
  const api = fakeApi({ config: { port, python: FAKE_PYTHON } });
  const service = createService(api);
  const health = fakeHealth();
  await service.start({ logger: api.logger, serviceHealth: health });
  assert.ok(await until(() => healthy(port)), "proxy never became healthy");
  assert.ok(await until(() => health.cleared > 0));
  const argv = JSON.parse(readFileSync(join(home, "fake-proxy-argv.json"), "utf8"));
  // `-P`: the working directory is not on sys.path, so no folder can shadow the installed package.
  assert.deepEqual(argv, ["-P", "-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", String(port)]);
  // A fixed working directory (the state directory), whatever directory the gateway was started from.
  assert.equal(realpathSync(readFileSync(join(home, "fake-proxy-cwd"), "utf8")), realpathSync(home));
  const reply = await forwardCommand(api, "stats", { args: "3" });
  assert.equal(reply.text, "fake /plugin/command/stats args=3");
  await service.stop({});
  assert.ok(await until(async () => !(await healthy(port))), "proxy still up after stop");
  assert.deepEqual(health.failures, []);
});

test("a healthy proxy already on the port is reused, not duplicated", async () => {
  const port = await freePort();
  const server = createServer((req, res) => res.writeHead(200).end("{}"));
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  try {
    const api = fakeApi({ config: { port, python: "/nonexistent/python" } });
    const service = createService(api);
    const health = fakeHealth();
    await service.start({ logger: api.logger, serviceHealth: health });
    assert.equal(state.child, null);
    assert.deepEqual(health.failures, []);
    assert.ok(api.logs.some((l) => l.includes("reusing")));
    await service.stop({}); // not ours: must stay up
    assert.ok(await healthy(port));
  } finally {
    server.close();
  }
});

test("a proxy that cannot start is reported through the service health API", async () => {
  const port = await freePort();
  const api = fakeApi({ config: { port, python: "/nonexistent/python" } });
  const health = fakeHealth();
  await createService(api).start({ logger: api.logger, serviceHealth: health });
  assert.ok(await until(() => health.failures.length > 0));
  assert.match(health.failures.join("\n"), /\/nonexistent\/python/);
});

test("only OpenClaw's owner flag or the gateway admin scope make a sender the owner", () => {
  assert.equal(isOwner({ senderIsOwner: true }), true);
  assert.equal(isOwner({ gatewayClientScopes: ["operator.read", "operator.admin"] }), true);
  assert.equal(isOwner({ gatewayClientScopes: ["operator.read"] }), false);
  assert.equal(isOwner({ isAuthorizedSender: true, channel: "telegram" }), false);
  assert.equal(isOwner(undefined), false);
});

test("a proxy that keeps dying is restarted with backoff; the last error reaches health, commands and a file", async () => {
  const port = await freePort();
  writeFileSync(join(home, "fake-crashes"), "2");
  const api = fakeApi({ config: { port, python: FAKE_PYTHON } });
  const service = createService(api);
  const health = fakeHealth();
  await service.start({ logger: api.logger, serviceHealth: health });
  // First crash: recorded with Python's own message, and a restart is scheduled after the first backoff step.
  assert.ok(await until(() => health.failures.length >= 1));
  assert.match(health.failures[0], /cannot import name '__version__'/);
  assert.ok(await until(() => existsSync(join(home, LAST_ERROR_FILE))));
  const saved = JSON.parse(readFileSync(join(home, LAST_ERROR_FILE), "utf8"));
  assert.match(saved.message, /cannot import name '__version__'/);
  const down = await forwardCommand(api, "wallet", { args: "" });
  assert.match(down.text, /Last proxy failure [^]*cannot import name '__version__'/);
  assert.match(down.text, /starts it again in \d+s/);
  // Two crashes, then it comes up: healthy, failure cleared, the recorded error removed.
  assert.ok(await until(() => healthy(port), RESTART_BACKOFF_MS[0] + RESTART_BACKOFF_MS[1] + 10_000), "never restarted");
  assert.ok(await until(() => health.cleared > 0));
  assert.equal(health.failures.length, 2);
  assert.equal(state.restarts, 2);
  assert.ok(api.logs.some((l) => l.includes(`again in ${RESTART_BACKOFF_MS[0] / 1000}s (restart 1)`)), api.logs.join("\n"));
  assert.ok(api.logs.some((l) => l.includes(`again in ${RESTART_BACKOFF_MS[1] / 1000}s (restart 2)`)), api.logs.join("\n"));
  assert.ok(await until(() => !existsSync(join(home, LAST_ERROR_FILE))));
  const up = await forwardCommand(api, "stats", { args: "1" });
  assert.equal(up.text, "fake /plugin/command/stats args=1");
  await service.stop({});
  assert.ok(await until(async () => !(await healthy(port))));
  assert.equal(state.restartTimer, null); // stopped on purpose: no restart
});

test("stop cancels a pending restart", async () => {
  const port = await freePort();
  writeFileSync(join(home, "fake-crashes"), "5");
  const api = fakeApi({ config: { port, python: FAKE_PYTHON } });
  const service = createService(api);
  await service.start({ logger: api.logger, serviceHealth: fakeHealth() });
  assert.ok(await until(() => state.restartTimer !== null));
  await service.stop({});
  assert.equal(state.restartTimer, null);
  await new Promise((r) => setTimeout(r, RESTART_BACKOFF_MS[0] + 500));
  assert.equal(readFileSync(join(home, "fake-crashes"), "utf8"), "4"); // no second start
});

test("an old Python that rejects -P, or one without the package, is named as such", () => {
  assert.match(describeExit("/usr/bin/python3.10", 2, null, ["Unknown option: -P", "usage: ..."]), /older than Python 3\.11/);
  assert.match(describeExit("py", 1, null, ["/usr/bin/py: No module named pyclawrouter"]), /cannot import pyclawrouter/);
  assert.match(describeExit("py", 1, null, ["boom"]), /exited \(code 1, signal null\):\nboom/);
});

test("outside the gateway, the proxy's recorded failure is logged when the plugin registers", () => {
  writeFileSync(join(home, LAST_ERROR_FILE), JSON.stringify({ message: "it broke", at: "2026-01-01T00:00:00Z" }));
  const api = fakeApi({ mode: "discovery" });
  plugin.register(api);
  assert.ok(api.logs.some((l) => l.includes("last failure (2026-01-01T00:00:00Z): it broke")), api.logs.join("\n"));
});

test("command replies are never marked isError (OpenClaw would swap an error text for its own copy)", async () => {
  const port = await freePort();
  const server = createServer((req, res) => {
    const reply = { text: "/exclude: no model named 'gemini-2.5-flash'", data: {}, media: [], isError: true };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  try {
    writeFileSync(join(home, "command-token"), "t");
    const reply = await forwardCommand(fakeApi({ config: { port } }), "exclude", { args: "add gemini-2.5-flash" });
    assert.deepEqual(reply, { text: "/exclude: no model named 'gemini-2.5-flash'" });
  } finally {
    server.close();
  }
});

test("an old placeholder apiKey (or none) is replaced with the proxy's key through mutateConfigFile", async () => {
  writeFileSync(join(home, "api-key"), "pcr-real-key\n");
  for (const old of [PLACEHOLDER_API_KEY, undefined, ""]) {
    const doc = providerDoc(old);
    const api = withConfig(fakeApi(), doc);
    assert.equal(await upgradeProviderBlock(api, home, api.logger), true);
    assert.equal(doc.models.providers.blockrun.apiKey, "pcr-real-key");
    assert.deepEqual(api.writes.map((w) => w.afterWrite), [{ mode: "auto" }]);
    assert.equal(doc.gateway.mode, "local"); // nothing else touched
    assert.equal(await upgradeProviderBlock(api, home, api.logger), false); // done once
    assert.equal(api.writes.length, 1);
  }
});

test("an install from before the client header gets it, and keeps the user's own headers and key", async () => {
  for (const headers of [null, { "x-team": "red" }]) {
    const doc = providerDoc("their-own-key", headers);
    const api = withConfig(fakeApi(), doc);
    assert.equal(await upgradeProviderBlock(api, home, api.logger), true);
    assert.deepEqual(doc.models.providers.blockrun.headers, { ...(headers ?? {}), ...CLIENT_HEADERS });
    assert.equal(doc.models.providers.blockrun.apiKey, "their-own-key");
    assert.ok(api.logs.some((l) => l.includes("the header x-clawrouter-client")), api.logs.join("\n"));
    assert.equal(await upgradeProviderBlock(api, home, api.logger), false); // done once
    assert.equal(api.writes.length, 1);
  }
  // A value the user put there is theirs.
  const doc = providerDoc("their-own-key", { "x-clawrouter-client": "other" });
  const api = withConfig(fakeApi(), doc);
  assert.equal(await upgradeProviderBlock(api, home, api.logger), false);
  assert.equal(api.writes.length, 0);
});

test("a key the user chose, or no blockrun provider, is left alone", async () => {
  writeFileSync(join(home, "api-key"), "pcr-real-key\n");
  for (const doc of [providerDoc("their-own-key"), { gateway: { mode: "local" } }]) {
    const api = withConfig(fakeApi(), doc);
    assert.equal(await upgradeProviderBlock(api, home, api.logger), false);
    assert.equal(api.writes.length, 0);
  }
});

test("without OpenClaw's config writer or the key file, it says to re-run install", async () => {
  const noWriter = fakeApi();
  noWriter.runtime = { config: { current: () => providerDoc(PLACEHOLDER_API_KEY) } };
  writeFileSync(join(home, "api-key"), "pcr-real-key\n");
  assert.equal(await upgradeProviderBlock(noWriter, home, noWriter.logger), false);
  assert.ok(noWriter.logs.some((l) => l.includes("pyclawrouter openclaw install")));
  const noKey = withConfig(fakeApi(), providerDoc(PLACEHOLDER_API_KEY));
  assert.equal(await upgradeProviderBlock(noKey, mkdtempSync(join(tmpdir(), "pyclawrouter-nokey-")), noKey.logger), false);
  assert.equal(noKey.writes.length, 0);
});

test("the service writes the key once the proxy it started is healthy", async () => {
  const port = await freePort();
  const doc = providerDoc(PLACEHOLDER_API_KEY);
  const api = withConfig(fakeApi({ config: { port, python: FAKE_PYTHON } }), doc);
  const service = createService(api);
  await service.start({ logger: api.logger, serviceHealth: fakeHealth() });
  assert.ok(await until(() => doc.models.providers.blockrun.apiKey === "pcr-fake-key"), "key never written");
  assert.equal(readFileSync(join(home, "api-key"), "utf8").trim(), "pcr-fake-key");
  await service.stop({});
});
