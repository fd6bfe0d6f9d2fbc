// node --test tests/js : plugin/usage.js, OpenClaw's provider usage hooks, against a stand-in for the proxy's
// /v1/usage (tests/proxy/test_usage_route.py runs the same hooks against the real proxy).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import plugin, { PLACEHOLDER_API_KEY } from "../../plugin/index.js";
import { USAGE_PATH, createUsageHooks, formatUsd, toSnapshot } from "../../plugin/usage.js";

const REPORT = {
  paymentChain: "base",
  balances: [
    { chain: "base", address: "0xabc", balanceUsd: "99.9958", balanceError: null, isLow: false, isEmpty: false },
    { chain: "solana", address: "So1", balanceUsd: null, balanceError: "no answer from the RPC within 1.5 s" },
  ],
  today: { since: "2026-12-02T00:00:00Z", spentUsd: 0.0042, pendingUsd: 0, pendingCount: 0, settledUsd: 0.0042,
    voidUsd: 0, payments: 3 },
  run: { session: "d-1234", spentUsd: 0.0012, payments: 1, lastSignedAt: 1_796_000_000 },
  maxCostPerRun: 0.5,
  maxCostPerRunMode: "graceful",
  remainingUsd: 0.4988,
};

const servers = [];
after(() => servers.forEach((s) => s.close()));

// A stand-in proxy: answers /v1/usage with `reply(req, res)`; returns its port.
function stand_in(reply) {
  return new Promise((resolve) => {
    const server = createServer(reply).listen(0, "127.0.0.1", () => resolve(server.address().port));
    servers.push(server);
  });
}

function hooks(port, { key = null, lastError = null } = {}) {
  return createUsageHooks({
    providerId: "blockrun",
    host: "127.0.0.1",
    placeholderKey: PLACEHOLDER_API_KEY,
    portFor: () => port,
    apiKeyFile: async () => key,
    lastError: async () => lastError,
  });
}

test("the provider OpenClaw registers carries both usage hooks", () => {
  const providers = [];
  plugin.register({ registrationMode: "cli-metadata", pluginConfig: {}, logger: { info() {}, warn() {} },
    registerProvider: (p) => providers.push(p), registerCommand() {}, registerService() {} });
  assert.equal(typeof providers[0].resolveUsageAuth, "function");
  assert.equal(typeof providers[0].fetchUsageSnapshot, "function");
});

test("resolveUsageAuth uses the configured key, else the key file for a placeholder or no key", async () => {
  const { resolveUsageAuth } = hooks(1, { key: "from-file" });
  const asked = [];
  const ctx = (value) => ({ resolveApiKeyFromConfigAndStore: (params) => (asked.push(params), value) });
  assert.deepEqual(await resolveUsageAuth(ctx("configured")), { token: "configured" });
  assert.deepEqual(asked[0], { providerIds: ["blockrun"] });
  assert.deepEqual(await resolveUsageAuth(ctx(PLACEHOLDER_API_KEY)), { token: "from-file" });
  assert.deepEqual(await resolveUsageAuth(ctx(undefined)), { token: "from-file" });
  assert.deepEqual(await hooks(1).resolveUsageAuth(ctx(undefined)), { token: "" });
});

test("a report becomes balance, spend and budget entries in USD, with the exact figures in the summary", async () => {
  let seen;
  const port = await stand_in((req, res) => {
    seen = { url: req.url, auth: req.headers.authorization };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(REPORT));
  });
  const snapshot = await hooks(port).fetchUsageSnapshot({ token: "k", timeoutMs: 5_000, config: {} });
  assert.deepEqual(seen, { url: USAGE_PATH, auth: "Bearer k" });
  assert.equal(snapshot.provider, "blockrun");
  assert.equal(snapshot.displayName, "BlockRun (pyclawrouter)");
  assert.equal(snapshot.error, undefined);
  assert.deepEqual(snapshot.windows, []);
  assert.deepEqual(snapshot.billing, [
    { type: "balance", label: "Wallet on Base (USDC)", amount: 99.9958, unit: "USD" },
    { type: "spend", label: "Spent today (UTC)", amount: 0.0042, unit: "USD", period: "day",
      resetAt: Date.parse("2026-12-03T00:00:00Z") },
    { type: "spend", label: "Spent this run", amount: 0.0012, unit: "USD" },
    { type: "budget", label: "maxCostPerRun (this run)", used: 0.0012, limit: 0.5, unit: "USD" },
  ]);
  assert.equal(snapshot.summary, "Base $99.9958 · Solana balance unknown (no answer from the RPC within 1.5 s) · " +
    "today $0.0042 · this run $0.0012 of $0.50 ($0.4988 left)");
  assert.equal(snapshot.plan, "pays per request in USDC on Base");
});

test("no cap and no run yet: no budget entry, nothing made up", () => {
  const snapshot = toSnapshot("blockrun", { ...REPORT, run: null, maxCostPerRun: null, remainingUsd: null });
  assert.deepEqual(snapshot.billing.map((b) => b.label), ["Wallet on Base (USDC)", "Spent today (UTC)"]);
  assert.ok(!snapshot.summary.includes("this run"));
  const capped = toSnapshot("blockrun", { ...REPORT, run: null });
  assert.deepEqual(capped.billing.at(-1), { type: "budget", label: "maxCostPerRun (this run)", used: 0, limit: 0.5,
    unit: "USD" });
});

test("formatUsd keeps every USDC decimal that is not a trailing zero", () => {
  assert.deepEqual([0, 0.0042, 0.5, 99.99, 100, 0.123456, 1e-6].map(formatUsd),
    ["$0.00", "$0.0042", "$0.50", "$99.99", "$100.00", "$0.123456", "$0.000001"]);
});

test("a proxy that is down gives an error snapshot with its last recorded failure", async () => {
  const port = await stand_in(() => {});
  servers.at(-1).close();
  await new Promise((r) => setTimeout(r, 50));
  const snapshot = await hooks(port, { lastError: { message: "the proxy exited (code 1)\nTraceback", at: "t" } })
    .fetchUsageSnapshot({ token: "k", timeoutMs: 5_000 });
  assert.deepEqual(snapshot.windows, []);
  assert.equal(snapshot.billing, undefined);
  assert.equal(snapshot.error,
    `proxy not answering on 127.0.0.1:${port} (ECONNREFUSED); last proxy failure: the proxy exited (code 1)`);
});

test("a proxy that never answers is given up on within OpenClaw's time budget", async () => {
  const port = await stand_in(() => {}); // accepts, never answers
  const snapshot = await hooks(port).fetchUsageSnapshot({ token: "k", timeoutMs: 300 });
  assert.equal(snapshot.error, `proxy not answering on 127.0.0.1:${port} (no answer within 0.3s)`);
  const cancelled = new AbortController();
  setTimeout(() => cancelled.abort(), 50);
  const gone = await hooks(port).fetchUsageSnapshot({ token: "k", timeoutMs: 60_000, signal: cancelled.signal });
  assert.match(gone.error, /cancelled/);
});

test("a refused key and a broken answer are said in words", async () => {
  const refused = await stand_in((req, res) => res.writeHead(401).end("{}"));
  assert.equal((await hooks(refused).fetchUsageSnapshot({ token: "bad" })).error,
    "the proxy refused the API key; run `pyclawrouter openclaw install` again");
  const broken = await stand_in((req, res) => res.writeHead(200).end("<html>"));
  assert.equal((await hooks(broken).fetchUsageSnapshot({ token: "k" })).error,
    "the proxy's answer to /v1/usage is not JSON");
  const failing = await stand_in((req, res) => res.writeHead(503).end("{}"));
  assert.equal((await hooks(failing).fetchUsageSnapshot({ token: "k" })).error,
    "the proxy answered HTTP 503 to /v1/usage");
});

test("the hooks index.js registers find the port in the config and the key in the state directory", async () => {
  let seen;
  const port = await stand_in((req, res) => {
    seen = req.headers.authorization;
    res.writeHead(200).end(JSON.stringify(REPORT));
  });
  const home = mkdtempSync(join(tmpdir(), "pyclawrouter-usage-"));
  writeFileSync(join(home, "api-key"), "key-in-file\n");
  process.env.PYCLAWROUTER_HOME = home;
  const providers = [];
  plugin.register({ registrationMode: "cli-metadata", pluginConfig: {}, logger: { info() {}, warn() {} },
    registerProvider: (p) => providers.push(p), registerCommand() {}, registerService() {} });
  const config = { plugins: { entries: { pyclawrouter: { config: { port } } } } };
  const auth = await providers[0].resolveUsageAuth({ config, resolveApiKeyFromConfigAndStore: () => undefined });
  const snapshot = await providers[0].fetchUsageSnapshot({ config, ...auth, timeoutMs: 5_000 });
  assert.equal(seen, "Bearer key-in-file");
  assert.equal(snapshot.billing[0].amount, 99.9958);
});
