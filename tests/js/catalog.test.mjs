// node --test tests/js : plugin/catalog.js, OpenClaw's model catalog hooks, against a stand-in for the proxy's
// GET /v1/models (tests/proxy/test_model_list.py checks the real proxy's rows carry the fields read here).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, test } from "node:test";

import plugin, { PLACEHOLDER_API_KEY } from "../../plugin/index.js";
import { MODELS_PATH, STATIC_MODELS, createCatalogHooks, toModelRows } from "../../plugin/catalog.js";

const LIVE = {
  object: "list",
  data: [
    { id: "blockrun/auto", name: "Auto", context_window: 1_050_000, max_output: 128_000, vision: true,
      reasoning: false, pricing: { input: 0, output: 0 } },
    { id: "auto", name: "Auto", context_window: 1_050_000, max_output: 128_000, vision: true, reasoning: false,
      pricing: { input: 0, output: 0 } },
    { id: "acme/brand-new-1", name: "Brand New 1", context_window: 400_000, max_output: 64_000, vision: true,
      reasoning: true, pricing: { input: 1.5, output: 6 } },
    { id: "deepseek/deepseek-chat", name: "DeepSeek Chat", context_window: 128_000, max_output: 8_192,
      vision: false, reasoning: false, pricing: { input: 0.28, output: 0.42 } },
    { id: "openai/gpt-image-1" }, // an image model: no chat metadata
    { id: "flash" }, // an alias
  ],
};

const servers = [];
after(() => servers.forEach((s) => s.close()));

// A stand-in proxy answering GET /v1/models with `reply(req, res)`; returns its port and the requests it saw.
function stand_in(reply) {
  const seen = [];
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      reply(req, res);
    }).listen(0, "127.0.0.1", () => resolve({ port: server.address().port, seen }));
    servers.push(server);
  });
}

const json = (body) => (req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

function hooks(port, { key = "from-file", clock } = {}) {
  return createCatalogHooks({
    providerId: "blockrun",
    host: "127.0.0.1",
    placeholderKey: PLACEHOLDER_API_KEY,
    portFor: () => port,
    apiKeyFile: async () => key,
    ...(clock ? { now: () => clock.t } : {}),
  });
}

const config = (apiKey) => ({ models: { providers: { blockrun: { apiKey, baseUrl: "http://127.0.0.1:1/v1" } } } });

test("the provider OpenClaw registers carries the catalog and dynamic model hooks", () => {
  const providers = [];
  plugin.register({ registrationMode: "cli-metadata", pluginConfig: {}, logger: { info() {}, warn() {} },
    registerProvider: (p) => providers.push(p), registerCommand() {}, registerService() {} });
  assert.equal(typeof providers[0].catalog.run, "function");
  assert.equal(typeof providers[0].resolveDynamicModel, "function");
  assert.equal(typeof providers[0].prepareDynamicModel, "function");
  assert.equal(typeof providers[0].fetchUsageSnapshot, "function"); // the usage hooks are still there
});

test("catalog.run lists the live chat models, once each, with the configured key as Bearer", async () => {
  const { port, seen } = await stand_in(json(LIVE));
  const result = await hooks(port).catalog.run({ config: config("pcr-configured") });
  assert.deepEqual(result.provider.models.map((m) => m.id), ["auto", "acme/brand-new-1", "deepseek/deepseek-chat"]);
  const fresh = result.provider.models[1];
  assert.deepEqual(fresh, { id: "acme/brand-new-1", name: "Brand New 1", reasoning: true, input: ["text", "image"],
    cost: { input: 1.5, output: 6, cacheRead: 0, cacheWrite: 0 }, contextWindow: 400_000, maxTokens: 64_000 });
  assert.equal(result.provider.baseUrl, `http://127.0.0.1:${port}/v1`);
  assert.deepEqual(seen, [{ url: MODELS_PATH, authorization: "Bearer pcr-configured" }]);
});

test("the placeholder key of old installs is not sent: the key file is", async () => {
  const { port, seen } = await stand_in(json(LIVE));
  await hooks(port, { key: "pcr-file" }).catalog.run({ config: config(PLACEHOLDER_API_KEY) });
  assert.equal(seen[0].authorization, "Bearer pcr-file");
});

test("with the proxy down, refusing, silent or answering junk, catalog.run lists the shipped catalog", async () => {
  const down = await stand_in(() => {});
  servers.at(-1).close();
  const refusing = await stand_in((req, res) => { res.writeHead(401); res.end("{}"); });
  const junk = await stand_in((req, res) => { res.writeHead(200); res.end("<html>"); });
  const silent = await stand_in(() => {}); // accepts, never answers
  for (const { port } of [down, refusing, junk, silent]) {
    const started = Date.now();
    const result = await createCatalogHooks({ providerId: "blockrun", host: "127.0.0.1",
      placeholderKey: PLACEHOLDER_API_KEY, portFor: () => port, apiKeyFile: async () => null,
      timeoutMs: 300 }).catalog.run({ config: {} });
    assert.deepEqual(result.provider.models, STATIC_MODELS);
    assert.ok(Date.now() - started < 2_000, "bounded in time");
  }
  assert.ok(STATIC_MODELS.length > 20 && STATIC_MODELS[0].id === "auto");
});

test("a live id not in models[] resolves to its own metadata for a turn", async () => {
  const { port } = await stand_in(json(LIVE));
  const h = hooks(port);
  const ctx = { provider: "blockrun", modelId: "acme/brand-new-1", config: config("k"),
    providerConfig: { baseUrl: `http://127.0.0.1:${port}/v1`, api: "openai-completions" } };
  assert.equal(h.resolveDynamicModel(ctx), undefined); // not known before the proxy was asked
  const model = await h.prepareDynamicModel(ctx);
  assert.equal(model.id, "acme/brand-new-1");
  assert.equal(model.provider, "blockrun");
  assert.equal(model.api, "openai-completions");
  assert.equal(model.baseUrl, `http://127.0.0.1:${port}/v1`);
  assert.equal(model.contextWindow, 400_000);
  assert.deepEqual(model.input, ["text", "image"]);
  assert.deepEqual(h.resolveDynamicModel({ ...ctx, modelId: "blockrun/acme/brand-new-1" }), model);
});

test("a shipped model resolves without the proxy; an unknown id is left to OpenClaw", async () => {
  const h = hooks(1);
  const ctx = { provider: "blockrun", modelId: "deepseek/deepseek-chat", config: {}, providerConfig: {} };
  const model = h.resolveDynamicModel(ctx);
  assert.equal(model.id, "deepseek/deepseek-chat");
  assert.equal(model.baseUrl, "http://127.0.0.1:1/v1");
  assert.equal(h.resolveDynamicModel({ ...ctx, modelId: "no/such-model" }), undefined);
  assert.equal(await h.prepareDynamicModel({ ...ctx, modelId: "no/such-model" }), null);
  assert.equal(h.resolveDynamicModel({}), undefined);
});

test("the list is fetched at most once per minute, and an unknown id asks again at most every 5 s", async () => {
  const { port, seen } = await stand_in(json(LIVE));
  const clock = { t: 1_000_000 };
  const h = hooks(port, { clock });
  await h.catalog.run({ config: {} });
  await h.catalog.run({ config: {} });
  await h.prepareDynamicModel({ modelId: "auto" });
  assert.equal(seen.length, 1);
  await h.prepareDynamicModel({ modelId: "not/listed" });
  await h.prepareDynamicModel({ modelId: "not/listed" });
  assert.equal(seen.length, 1, "within 5 s of the last fetch");
  clock.t += 5_000;
  await h.prepareDynamicModel({ modelId: "not/listed" });
  assert.equal(seen.length, 2);
  clock.t += 60_000;
  await h.catalog.run({ config: {} });
  assert.equal(seen.length, 3);
});

test("rows without metadata keep the shipped metadata; anything else is no model list", () => {
  const rows = toModelRows({ data: [{ id: "deepseek/deepseek-chat" }, { id: "sonnet" }, {}, null] }, "blockrun");
  assert.deepEqual(rows, [STATIC_MODELS.find((m) => m.id === "deepseek/deepseek-chat")]);
  assert.equal(toModelRows({ error: "x" }, "blockrun"), null);
  assert.equal(toModelRows(null, "blockrun"), null);
});
