// OpenClaw's provider usage hooks for `blockrun` (resolveUsageAuth + fetchUsageSnapshot; the manifest declares
// the provider in contracts.usageProviders): `openclaw status --usage`, chat /status and the Control UI's Usage
// cards show the wallet's USDC balance on each chain, what was spent today (UTC) and in the latest run (the
// session maxCostPerRun caps), and what is left of maxCostPerRun. All of it comes from one GET of the proxy's
// /v1/usage, which the spend ledger answers; the request carries the per-install API key OpenClaw already holds
// (models.providers.blockrun.apiKey) and is bounded in time, so a proxy that is down or slow yields a snapshot
// that says so instead of a hang. No dependencies, no imports from openclaw: index.js passes in what it shares.
import { fetchJson } from "./http.js";

export const USAGE_PATH = "/v1/usage";
// OpenClaw gives each provider's usage 5 s by default; the proxy answers from a cache and the local ledger.
export const USAGE_TIMEOUT_MS = 3_000;
export const DISPLAY_NAME = "BlockRun (pyclawrouter)";
const CHAIN_LABELS = { base: "Base", solana: "Solana" };
const DAY_MS = 86_400_000;

const chainLabel = (chain) => CHAIN_LABELS[chain] ?? String(chain);

const finite = (value) => {
  const number = typeof value === "string" && value.trim() ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
};

// USDC has 6 decimals: show every one that is not a trailing zero, and at least cents ("$0.0042", "$99.99").
export function formatUsd(amount) {
  const fixed = Math.abs(amount).toFixed(6).replace(/0+$/, "");
  const [whole, fraction = ""] = fixed.split(".");
  return `${amount < 0 ? "-" : ""}$${whole}.${fraction.padEnd(2, "0")}`;
}

function errorSnapshot(providerId, error) {
  return { provider: providerId, displayName: DISPLAY_NAME, windows: [], error };
}

// /v1/usage's JSON -> OpenClaw's ProviderUsageSnapshot: billing entries of kind balance, spend and budget, in
// USD (the ledger counts in USD; USDC is what the wallet holds), and a summary with the exact figures, because
// OpenClaw rounds billing amounts to cents when it prints them.
export function toSnapshot(providerId, data) {
  const billing = [];
  const parts = [];
  for (const entry of Array.isArray(data?.balances) ? data.balances : []) {
    const label = chainLabel(entry?.chain);
    const usd = finite(entry?.balanceUsd);
    if (usd === undefined) {
      parts.push(`${label} balance unknown (${entry?.balanceError ?? "not read"})`);
      continue;
    }
    billing.push({ type: "balance", label: `Wallet on ${label} (USDC)`, amount: usd, unit: "USD" });
    parts.push(`${label} ${formatUsd(usd)}`);
  }
  const today = finite(data?.today?.spentUsd);
  if (today !== undefined) {
    const since = Date.parse(data?.today?.since ?? "");
    billing.push({ type: "spend", label: "Spent today (UTC)", amount: today, unit: "USD", period: "day",
      ...(Number.isFinite(since) ? { resetAt: since + DAY_MS } : {}) });
    parts.push(`today ${formatUsd(today)}`);
  }
  const run = finite(data?.run?.spentUsd);
  if (run !== undefined) billing.push({ type: "spend", label: "Spent this run", amount: run, unit: "USD" });
  const cap = finite(data?.maxCostPerRun);
  if (cap !== undefined) {
    billing.push({ type: "budget", label: "maxCostPerRun (this run)", used: run ?? 0, limit: cap, unit: "USD" });
    const left = finite(data?.remainingUsd) ?? Math.max(0, cap - (run ?? 0));
    parts.push(`this run ${formatUsd(run ?? 0)} of ${formatUsd(cap)} (${formatUsd(left)} left)`);
  } else if (run !== undefined) {
    parts.push(`this run ${formatUsd(run)}`);
  }
  const paying = data?.paymentChain ? chainLabel(data.paymentChain) : null;
  return {
    provider: providerId,
    displayName: DISPLAY_NAME,
    windows: [],
    billing,
    summary: parts.join(" · "),
    ...(paying ? { plan: `pays per request in USDC on ${paying}` } : {}),
  };
}

// portFor(config): the proxy's port for an OpenClaw config; apiKeyFile(): the key the proxy wrote, read when the
// config holds none (or the placeholder of old installs); lastError(): the proxy's recorded failure, or null.
export function createUsageHooks({ providerId, host, placeholderKey, portFor, apiKeyFile, lastError }) {
  return {
    resolveUsageAuth: async (ctx) => {
      const configured = ctx?.resolveApiKeyFromConfigAndStore?.({ providerIds: [providerId] });
      const token = configured && configured !== placeholderKey ? configured : await apiKeyFile();
      // No key at all still gets a snapshot: the proxy may not require one, and if it does its answer says so.
      return { token: token ?? "" };
    },
    fetchUsageSnapshot: async (ctx) => {
      const port = portFor(ctx?.config);
      const timeoutMs = Math.max(1, Math.min(finite(ctx?.timeoutMs) ?? USAGE_TIMEOUT_MS, USAGE_TIMEOUT_MS));
      const why = async () => {
        const last = await lastError();
        return last?.message ? `; last proxy failure: ${String(last.message).split("\n")[0].slice(0, 160)}` : "";
      };
      const reasonOf = (err) => err?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s`
        : err?.name === "AbortError" ? "cancelled" : err?.cause?.code ?? String(err?.message ?? err);
      let answer;
      try {
        answer = await fetchJson(`http://${host}:${port}${USAGE_PATH}`,
          { timeoutMs, bearer: ctx?.token, signal: ctx?.signal });
      } catch (failed) {
        const err = failed.cause;
        if (failed.stage === "request") {
          return errorSnapshot(providerId, `proxy not answering on ${host}:${port} (${reasonOf(err)})${await why()}`);
        }
        return errorSnapshot(providerId, err instanceof SyntaxError
          ? `the proxy's answer to ${USAGE_PATH} is not JSON`
          : `the proxy's answer to ${USAGE_PATH} did not arrive (${reasonOf(err)})`);
      }
      if (!answer.ok) {
        return errorSnapshot(providerId, answer.status === 401
          ? "the proxy refused the API key; run `pyclawrouter openclaw install` again"
          : `the proxy answered HTTP ${answer.status} to ${USAGE_PATH}`);
      }
      const { data } = answer;
      if (data === null || typeof data !== "object") {
        return errorSnapshot(providerId, `the proxy's answer to ${USAGE_PATH} is not a usage report`);
      }
      return toSnapshot(providerId, data);
    },
  };
}
