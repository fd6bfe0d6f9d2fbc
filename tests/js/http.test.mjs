// node --test tests/js : plugin/http.js, the time-bounded JSON GET the catalog and usage hooks make to the proxy.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, test } from "node:test";

import { RequestFailed, fetchJson } from "../../plugin/http.js";
import { freePort } from "./helpers.mjs";

const servers = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections(); // the stalled and silent answers hold their connections open
    server.close();
  }
});

function serve(reply) {
  return new Promise((resolve) => {
    const server = createServer(reply)
      .listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/x`));
    servers.push(server);
  });
}

const failure = async (promise) => {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RequestFailed, String(err));
    return err;
  }
  assert.fail("no failure");
};

test("a 2xx answer is its JSON, with the bearer token sent; another status is only the status", async () => {
  let seen;
  const ok = await serve((req, res) => {
    seen = { accept: req.headers.accept, auth: req.headers.authorization };
    res.writeHead(200).end('{"a": 1}');
  });
  assert.deepEqual(await fetchJson(ok, { timeoutMs: 2_000, bearer: "k" }), { ok: true, status: 200, data: { a: 1 } });
  assert.deepEqual(seen, { accept: "application/json", auth: "Bearer k" });
  await fetchJson(ok, { timeoutMs: 2_000 });
  assert.equal(seen.auth, undefined);
  const refused = await serve((req, res) => res.writeHead(401).end("{}"));
  assert.deepEqual(await fetchJson(refused, { timeoutMs: 2_000 }), { ok: false, status: 401 });
});

test("no answer and a bad body are told apart, and a stalled body is given up on in time", async () => {
  const down = await failure(fetchJson(`http://127.0.0.1:${await freePort()}/x`, { timeoutMs: 2_000 }));
  assert.equal(down.stage, "request");
  assert.equal(down.cause?.cause?.code, "ECONNREFUSED");

  const silent = await serve(() => {}); // accepts, never answers
  const late = await failure(fetchJson(silent, { timeoutMs: 200 }));
  assert.deepEqual([late.stage, late.cause?.name], ["request", "TimeoutError"]);

  const html = await serve((req, res) => res.writeHead(200).end("<html>"));
  const notJson = await failure(fetchJson(html, { timeoutMs: 2_000 }));
  assert.equal(notJson.stage, "body");
  assert.ok(notJson.cause instanceof SyntaxError);

  const stalled = await serve((req, res) => res.writeHead(200).write('{"a": ')); // headers, then nothing
  const started = Date.now();
  const cut = await failure(fetchJson(stalled, { timeoutMs: 300 }));
  assert.deepEqual([cut.stage, cut.cause?.name], ["body", "TimeoutError"]);
  assert.ok(Date.now() - started < 2_000);
});

test("the caller's signal cancels the request as the timeout does", async () => {
  const silent = await serve(() => {});
  const cancel = new AbortController();
  setTimeout(() => cancel.abort(), 50);
  const gone = await failure(fetchJson(silent, { timeoutMs: 60_000, signal: cancel.signal }));
  assert.deepEqual([gone.stage, gone.cause?.name], ["request", "AbortError"]);
});
