// Auto-inject: a user who only ran `openclaw plugins install <dir>` (never `pyclawrouter openclaw install`) gets
// a working `blockrun` provider. The gateway service calls injectProvider() once per process at start (never
// register(), which OpenClaw runs several times, also in processes that must not write the config). It writes
// through OpenClaw's own transactional writer (runtime.config.mutateConfigFile), re-checking everything on the
// file's snapshot inside the mutation, so running it again, or next to the Python installer, changes nothing.
//
// It never replaces the user's choices: an existing provider block, an existing default model and every other
// provider stay as they are. What it added goes into the install record in the state directory (the file
// `pyclawrouter openclaw install` writes, same keys), which does two jobs: `pyclawrouter openclaw uninstall`
// removes exactly that, and while the record exists a missing provider block means the user removed it, so it
// is not added again. No dependencies, no imports from openclaw: service.js passes in the ids it shares.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, constants, link, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";

import { LOCAL_SERVICE_TIMING, PROVIDER_API, PROVIDER_HEADERS, PROVIDER_MODELS } from "./provider_block.js";

// The Python proxy needs 3.11+ (`-P` keeps the working directory off sys.path) and the pyclawrouter package.
const PROBE = "import sys, pyclawrouter; sys.exit(0 if sys.version_info >= (3, 11) else 3)";
const PROBE_TIMEOUT_MS = 20_000; // a cold import on a slow disk; this runs once, off every request path
export const INSTALL_HINT = "Install pyclawrouter into a Python 3.11+ environment (`pip install pyclawrouter`, " +
  "or `pip install -e <checkout>`) whose python3 is on the gateway's PATH, or set " +
  "plugins.entries.pyclawrouter.config.python to an interpreter that has it.";
// What the Python installer calls the key (same as ``api_key.KEY_PREFIX``): 32 random bytes, URL-safe base64.
const KEY_PREFIX = "pcr-";

const isFile = async (path) => access(path, constants.X_OK).then(() => true, () => false);

// Every executable `name` on PATH, in PATH order, once per directory (/bin and /usr/bin are often one). Paths
// as PATH gives them, not resolved: a venv's python3 is a symlink whose target would lose the venv.
export async function allOnPath(name, env = process.env) {
  const seen = new Set();
  const found = [];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const real = await realpath(dir).catch(() => null);
    if (real === null || seen.has(real)) continue;
    seen.add(real);
    if (await isFile(join(dir, name))) found.push(join(dir, name));
  }
  return found;
}

function runProbe(python) {
  return new Promise((resolve) => {
    execFile(python, ["-P", "-c", PROBE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, _out, stderr) => {
      if (!err) return resolve(null);
      const text = String(stderr ?? "");
      if (err.code === 3 || /Unknown option:? -P|unknown option -P/i.test(text)) {
        return resolve(`${python} is older than Python 3.11`);
      }
      if (/No module named '?pyclawrouter/.test(text)) return resolve(`${python} does not have pyclawrouter`);
      if (err.killed) return resolve(`${python} did not answer within ${PROBE_TIMEOUT_MS / 1000}s`);
      return resolve(`${python} failed: ${text.trim().split("\n").slice(-1)[0] || err.message}`);
    });
  });
}

// The interpreter that runs the proxy: the one the config records (`pyclawrouter openclaw install` writes it),
// else the first python3 on PATH that has pyclawrouter on Python 3.11+. Not just the first python3: the
// gateway puts /usr/bin ahead of the PATH it was started with, so a venv's python3 is rarely first.
// {python} or {problem}: a sentence that says what was tried and what to install.
export async function findPython(configured, env = process.env, probe = runProbe) {
  if (typeof configured === "string" && configured.trim()) return { python: configured.trim() };
  const candidates = await allOnPath("python3", env);
  if (candidates.length === 0) {
    return { problem: `No python3 on PATH, so the pyclawrouter proxy cannot start. ${INSTALL_HINT}` };
  }
  const problems = [];
  for (const python3 of candidates) {
    const problem = await probe(python3);
    if (!problem) return { python: python3 };
    problems.push(problem);
  }
  return { problem: `No python3 on PATH has pyclawrouter (${problems.join("; ")}), so the pyclawrouter proxy ` +
    `cannot start. ${INSTALL_HINT}` };
}

async function readKey(path) {
  try {
    return (await readFile(path, "utf8")).trim() || null;
  } catch {
    return null;
  }
}

// The per-install API key in `path` (<state dir>/api-key), created (0600, in a 0700 directory) when there is
// none. Created by hard-linking a complete temporary file into place, so a concurrent creator (the proxy, the
// Python installer) either wins and its key is read back, or loses and reads ours: never two keys.
export async function ensureApiKey(path, stateDir) {
  const existing = await readKey(path);
  if (existing) return existing;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, `${KEY_PREFIX}${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, path).catch((err) => { if (err?.code !== "EEXIST") throw err; });
  } finally {
    await rm(temporary, { force: true });
  }
  return readKey(path);
}

// models.providers.blockrun as `pyclawrouter openclaw install` writes it (a Python test holds the two equal).
export function buildProviderBlock({ host, port, apiKey, python, args, stateDir, manageProxy }) {
  const block = {
    baseUrl: `http://${host}:${port}/v1`,
    api: PROVIDER_API,
    apiKey,
    headers: { ...PROVIDER_HEADERS },
    models: PROVIDER_MODELS.map((model) => structuredClone(model)),
  };
  if (manageProxy !== false) {
    block.localService = { command: python, args, cwd: stateDir, healthUrl: `http://${host}:${port}/health`,
      ...LOCAL_SERVICE_TIMING };
  }
  return block;
}

const primaryOf = (cfg) => {
  const model = cfg?.agents?.defaults?.model;
  if (typeof model === "string") return model || null;
  return typeof model?.primary === "string" && model.primary ? model.primary : null;
};

export async function readRecord(path) {
  try {
    const data = JSON.parse(await readFile(path, "utf8"));
    return data && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}

async function writeRecord(path, record) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  await rename(temporary, path);
}

// One pass of the auto-inject. Returns what it did, one of "disabled", "present", "removed-by-user",
// "no-writer", "added", "raced" (someone else wrote the block between the check and the write), for tests and
// logs; every outcome that leaves the user without a provider is logged with what to do.
export async function injectProvider({ api, config, providerId, primaryModel, recordPath, apiKeyPath, makeBlock,
  logger }) {
  const say = (line) => logger.info?.(`pyclawrouter: ${line}`);
  if (config.autoInject === false) return "disabled";
  const runtimeConfig = api.runtime?.config;
  const current = typeof runtimeConfig?.current === "function" ? runtimeConfig.current() : api.config;
  if (current?.models?.providers?.[providerId] != null) return "present";
  if ((await readRecord(recordPath)) !== null) {
    say(`models.providers.${providerId} was removed after pyclawrouter added it, so it is not added again. ` +
      `To add it back run \`pyclawrouter openclaw install\` (or delete ${recordPath} and restart the gateway); ` +
      `plugins.entries.pyclawrouter.config.autoInject: false silences this.`);
    return "removed-by-user";
  }
  if (typeof runtimeConfig?.mutateConfigFile !== "function") {
    logger.warn?.(`pyclawrouter: this OpenClaw cannot write its config from a plugin; run ` +
      "`pyclawrouter openclaw install` to add the blockrun provider");
    return "no-writer";
  }
  const block = await makeBlock();
  let setPrimary = false;
  let wrote = false;
  let keptPrimary = null;
  await runtimeConfig.mutateConfigFile({
    afterWrite: { mode: "auto" }, // models.* and agents.defaults.model reload hot: no gateway restart
    mutate(draft) {
      draft.models ??= {};
      draft.models.providers ??= {};
      if (draft.models.providers[providerId] != null) return; // re-checked on the file's own snapshot
      draft.models.providers[providerId] = block;
      wrote = true;
      keptPrimary = primaryOf(draft);
      if (keptPrimary) return;
      draft.agents ??= {};
      draft.agents.defaults ??= {};
      const model = draft.agents.defaults.model;
      if (model && typeof model === "object") model.primary = primaryModel;
      else draft.agents.defaults.model = { primary: primaryModel };
      setPrimary = true;
    },
  });
  if (!wrote) return "raced";
  await writeRecord(recordPath, { set_primary: setPrimary, previous_provider: null, added_config_keys: [],
    added_by: "plugin" });
  say(`added models.providers.${providerId} to the OpenClaw config (${block.models.length} models at ` +
    `${block.baseUrl}${block.localService ? `, proxy run by ${block.localService.command}` : ""}; API key from ` +
    `${apiKeyPath}).`);
  say(setPrimary
    ? `set the default model to ${primaryModel} (there was none).`
    : `your default model stays ${keptPrimary}; to route through pyclawrouter: ` +
      `\`openclaw config set agents.defaults.model.primary ${primaryModel}\`, or /model ${primaryModel} in a chat.`);
  return "added";
}
