// node --test tests/js : plugin/inject.js, the provider block for users who never ran the Python installer.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { fileURLToPath } from "node:url";

import { INSTALL_RECORD_FILE, createService, state } from "../../plugin/index.js";
import { buildProviderBlock, ensureApiKey, findPython, injectProvider } from "../../plugin/inject.js";
import { freePort, stopService, until } from "./helpers.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const FAKE_PYTHON = join(HERE, "fixtures", "fake-python");

let home;
let savedPath;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "pyclawrouter-inject-"));
  process.env.PYCLAWROUTER_HOME = home;
  savedPath = process.env.PATH;
});
afterEach(() => {
  process.env.PATH = savedPath;
  stopService(state);
});

// A directory holding an executable `python3` that runs `script` (a POSIX shell body).
function binWith(script) {
  const bin = mkdtempSync(join(tmpdir(), "pyclawrouter-bin-"));
  writeFileSync(join(bin, "python3"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, "python3"), 0o755);
  return bin;
}

// OpenClaw's api.runtime.config over an in-memory openclaw.json: current() is the runtime snapshot,
// mutateConfigFile() runs the mutation on a copy of the file and keeps it.
function fakeOpenClaw(doc, { fileDoc } = {}) {
  const api = { logs: [], writes: [] };
  api.logger = { info: (m) => api.logs.push(m), warn: (m) => api.logs.push(m), error: (m) => api.logs.push(m) };
  api.runtime = {
    config: {
      current: () => structuredClone(doc),
      mutateConfigFile: async ({ afterWrite, mutate }) => {
        const draft = structuredClone(fileDoc ?? doc);
        await mutate(draft, {});
        api.writes.push({ afterWrite, draft });
        for (const key of Object.keys(doc)) delete doc[key];
        Object.assign(doc, draft);
      },
    },
  };
  return api;
}

function injectInto(api, config = {}) {
  const apiKeyPath = join(home, "api-key");
  return injectProvider({
    api, config, logger: api.logger, apiKeyPath,
    providerId: "blockrun",
    primaryModel: "blockrun/auto",
    recordPath: join(home, INSTALL_RECORD_FILE),
    makeBlock: async () => buildProviderBlock({
      host: "127.0.0.1", port: 18402, apiKey: await ensureApiKey(apiKeyPath, home), python: "/opt/py/bin/python3",
      args: ["-P", "-m", "pyclawrouter", "serve"], stateDir: home, manageProxy: config.manageProxy,
    }),
  });
}

test("findPython takes the recorded interpreter, else python3 on PATH only if it has pyclawrouter", async () => {
  assert.deepEqual(await findPython("/recorded/python"), { python: "/recorded/python" });

  const good = binWith('[ "$1" = -P ] && [ "$2" = -c ] && exit 0; exit 9');
  const missing = binWith('echo "ModuleNotFoundError: No module named \'pyclawrouter\'" >&2; exit 1');
  // The first python3 on PATH lacks the package (the gateway puts /usr/bin first): the next one is taken.
  assert.deepEqual(await findPython(undefined, { PATH: `/nonexistent:${missing}:${missing}:${good}` }),
    { python: join(good, "python3") });

  const noPackage = await findPython(undefined, { PATH: missing });
  assert.match(noPackage.problem, new RegExp(`${join(missing, "python3")} does not have pyclawrouter`));
  assert.match(noPackage.problem, /pip install pyclawrouter/);

  const old = binWith('echo "Unknown option: -P" >&2; exit 2');
  assert.match((await findPython("", { PATH: old })).problem, /older than Python 3\.11/);

  const none = await findPython(undefined, { PATH: mkdtempSync(join(tmpdir(), "pyclawrouter-empty-")) });
  assert.match(none.problem, /No python3 on PATH/);
  assert.match(none.problem, /pip install pyclawrouter/);
});

test("ensureApiKey creates one private key and keeps it", async () => {
  const stateDir = join(home, "fresh");
  const path = join(stateDir, "api-key");
  const keys = await Promise.all([ensureApiKey(path, stateDir), ensureApiKey(path, stateDir)]);
  assert.equal(keys[0], keys[1]); // concurrent creators agree on one key
  assert.match(keys[0], /^pcr-[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  assert.equal(await ensureApiKey(path, stateDir), keys[0]);
  writeFileSync(join(home, "api-key"), "pcr-chosen\n");
  assert.equal(await ensureApiKey(join(home, "api-key"), home), "pcr-chosen");
});

test("a config without the provider gets it, with the key and the default model, once", async () => {
  const doc = { gateway: { mode: "local" } };
  const api = fakeOpenClaw(doc);
  assert.equal(await injectInto(api), "added");
  const block = doc.models.providers.blockrun;
  assert.equal(block.baseUrl, "http://127.0.0.1:18402/v1");
  assert.equal(block.apiKey, readFileSync(join(home, "api-key"), "utf8").trim());
  assert.equal(block.headers["x-clawrouter-client"], "openclaw");
  assert.ok(block.models.some((m) => m.id === "auto"));
  assert.equal(block.localService.command, "/opt/py/bin/python3");
  assert.equal(block.localService.healthUrl, "http://127.0.0.1:18402/health");
  assert.deepEqual(doc.agents.defaults.model, { primary: "blockrun/auto" });
  assert.equal(doc.gateway.mode, "local");
  assert.deepEqual(api.writes.map((w) => w.afterWrite), [{ mode: "auto" }]);
  const record = JSON.parse(readFileSync(join(home, INSTALL_RECORD_FILE), "utf8"));
  assert.deepEqual(record, { set_primary: true, previous_provider: null, added_config_keys: [], added_by: "plugin" });
  assert.equal(statSync(join(home, INSTALL_RECORD_FILE)).mode & 0o777, 0o600);
  assert.ok(api.logs.some((l) => l.includes("added models.providers.blockrun")));

  assert.equal(await injectInto(api), "present");
  assert.equal(api.writes.length, 1);
});

test("the user's default model and providers stay; the log says how to switch", async () => {
  const mine = { baseUrl: "https://api.example.test/v1", models: [] };
  const doc = { agents: { defaults: { model: { primary: "mine/big", fallbacks: ["mine/small"] } } },
    models: { providers: { mine } } };
  const api = fakeOpenClaw(doc);
  assert.equal(await injectInto(api, { manageProxy: false }), "added");
  assert.deepEqual(doc.agents.defaults.model, { primary: "mine/big", fallbacks: ["mine/small"] });
  assert.deepEqual(doc.models.providers.mine, mine);
  assert.equal(doc.models.providers.blockrun.localService, undefined); // manageProxy false: the user runs it
  assert.equal(JSON.parse(readFileSync(join(home, INSTALL_RECORD_FILE), "utf8")).set_primary, false);
  assert.ok(api.logs.some((l) => l.includes("default model stays mine/big") &&
    l.includes("openclaw config set agents.defaults.model.primary blockrun/auto")));
  // The short form of agents.defaults.model is a primary too.
  const short = { agents: { defaults: { model: "mine/big" } } };
  await injectInto(fakeOpenClaw(short), {});
  assert.equal(short.agents.defaults.model, "mine/big");
});

test("a provider the user removed after it was added is not added again", async () => {
  const doc = {};
  const api = fakeOpenClaw(doc);
  assert.equal(await injectInto(api), "added");
  delete doc.models.providers.blockrun;
  assert.equal(await injectInto(api), "removed-by-user");
  assert.equal(api.writes.length, 1);
  assert.equal(doc.models.providers.blockrun, undefined);
  assert.ok(api.logs.some((l) => l.includes("not added again") && l.includes("pyclawrouter openclaw install")));
});

test("autoInject: false, no config writer, and a write that lost a race change nothing", async () => {
  const doc = {};
  const api = fakeOpenClaw(doc);
  assert.equal(await injectInto(api, { autoInject: false }), "disabled");
  assert.deepEqual(doc, {});
  assert.equal(existsSync(join(home, "api-key")), false);

  const noWriter = { logs: [], runtime: { config: { current: () => ({}) } } };
  noWriter.logger = { info: (m) => noWriter.logs.push(m), warn: (m) => noWriter.logs.push(m) };
  assert.equal(await injectInto(noWriter), "no-writer");
  assert.ok(noWriter.logs.some((l) => l.includes("pyclawrouter openclaw install")));

  // The runtime snapshot has no provider, but the file does by the time the write runs (the Python installer).
  const theirs = { baseUrl: "http://127.0.0.1:1/v1", apiKey: "pcr-theirs" };
  const raced = fakeOpenClaw({}, { fileDoc: { models: { providers: { blockrun: theirs } } } });
  assert.equal(await injectInto(raced), "raced");
  assert.equal(existsSync(join(home, INSTALL_RECORD_FILE)), false);
});

const serviceApi = (config, doc) => {
  const api = fakeOpenClaw(doc);
  api.pluginConfig = config;
  api.registrationMode = "full";
  return api;
};

test("the gateway service finds python3 on PATH, adds the provider with it, and starts the proxy", async () => {
  const port = await freePort();
  // A python3 that answers the probe and otherwise is the fake proxy.
  process.env.PATH = `${binWith(`[ "$1" = -P ] && [ "$2" = -c ] && exit 0\nexec "${FAKE_PYTHON}" "$@"`)}:${savedPath}`;
  const doc = {};
  const api = serviceApi({ port }, doc);
  const service = createService(api);
  await service.start({ logger: api.logger, serviceHealth: { reportFailure() {}, clearFailure() {} } });
  assert.ok(await until(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok),
    "the proxy did not start");
  const block = doc.models.providers.blockrun;
  assert.match(block.localService.command, /pyclawrouter-bin-[^/]+\/python3$/);
  assert.equal(block.baseUrl, `http://127.0.0.1:${port}/v1`);
  assert.equal(block.localService.cwd, home);
  await service.stop({});
});

test("with no Python that has pyclawrouter the service says what to install and adds nothing", async () => {
  const port = await freePort();
  process.env.PATH = mkdtempSync(join(tmpdir(), "pyclawrouter-empty-"));
  const doc = {};
  const api = serviceApi({ port }, doc);
  const failures = [];
  const service = createService(api);
  await service.start({ logger: api.logger, serviceHealth: { reportFailure: (e) => failures.push(e.message),
    clearFailure() {} } });
  assert.match(failures.join("\n"), /No python3 on PATH.*pip install pyclawrouter/s);
  assert.deepEqual(doc, {});
  assert.match(JSON.parse(readFileSync(join(home, "proxy-last-error.json"), "utf8")).message, /pip install pyclawrouter/);
  await service.stop({});
});
