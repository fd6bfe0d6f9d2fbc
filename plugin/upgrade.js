// Keeps an older install's provider block working after an upgrade: the proxy now refuses the old placeholder
// key and explains a spend-cap stop only to a client that sends the client header, so the gateway service
// writes the real key and the missing headers into models.providers.blockrun once the proxy is up.
import { PLACEHOLDER_API_KEY, PROVIDER_ID } from "./constants.js";
import { readApiKey } from "./paths.js";
import { PROVIDER_HEADERS } from "./provider_block.js";

const needsKey = (block) => block != null && typeof block === "object" &&
  (block.apiKey === undefined || block.apiKey === null || block.apiKey === "" || block.apiKey === PLACEHOLDER_API_KEY);
// The headers the provider block carries that older installs did not write (the client header makes the proxy
// explain a spend-cap stop in chat instead of answering 429, which OpenClaw treats as a provider failure).
const missingHeaders = (block) => block != null && typeof block === "object"
  ? Object.keys(PROVIDER_HEADERS).filter((name) => block.headers?.[name] === undefined) : [];

// An upgrade must keep a working setup working: the proxy now refuses the old placeholder key, so put the real
// one into our provider block (only ours, only when it holds the placeholder or no key: a key the user chose
// stays), and add the headers it lacks (never changing one that is there). Returns true when it wrote the
// config. Without OpenClaw's config writer it says what to run instead.
export async function upgradeProviderBlock(api, stateDir, logger) {
  const runtimeConfig = api.runtime?.config;
  const current = typeof runtimeConfig?.current === "function" ? runtimeConfig.current() : api.config;
  const block = current?.models?.providers?.[PROVIDER_ID];
  const wantsKey = needsKey(block);
  if (!wantsKey && missingHeaders(block).length === 0) return false;
  const key = wantsKey ? await readApiKey(stateDir) : null;
  if ((wantsKey && !key) || typeof runtimeConfig?.mutateConfigFile !== "function") {
    logger.warn?.(`pyclawrouter: models.providers.${PROVIDER_ID} is missing ${wantsKey ? "the proxy's API key" :
      "the proxy's client header"}; run \`pyclawrouter openclaw install\` again to write it`);
    return false;
  }
  const changed = [];
  await runtimeConfig.mutateConfigFile({
    afterWrite: { mode: "auto" }, // models.* reloads hot in OpenClaw's reload plan: no gateway restart
    mutate(draft) {
      const mine = draft?.models?.providers?.[PROVIDER_ID];
      if (key && needsKey(mine)) { // re-checked on the file's own snapshot
        mine.apiKey = key;
        changed.push("the proxy's API key (apiKey)");
      }
      const names = missingHeaders(mine);
      if (names.length === 0) return;
      mine.headers = { ...(mine.headers ?? {}), ...Object.fromEntries(names.map((n) => [n, PROVIDER_HEADERS[n]])) };
      changed.push(`the header${names.length > 1 ? "s" : ""} ${names.join(", ")}`);
    },
  });
  if (changed.length) logger.info(`pyclawrouter: wrote ${changed.join(" and ")} into models.providers.${PROVIDER_ID}`);
  return changed.length > 0;
}

// What the service calls: a failed write is logged with what to run, never thrown into the gateway.
export async function upgradeQuietly(api, stateDir, logger) {
  try {
    await upgradeProviderBlock(api, stateDir, logger);
  } catch (err) {
    logger.warn?.(`pyclawrouter: could not write the proxy's API key into the OpenClaw config ` +
      `(${err?.message ?? err}); run \`pyclawrouter openclaw install\` again`);
  }
}
