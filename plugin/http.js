// One GET of JSON from the proxy on loopback, bounded in time from the request to the last byte of the body,
// for the hooks OpenClaw calls (catalog.js, usage.js): none of them may hang OpenClaw on a proxy that is down
// or slow. Plain fetch, not OpenClaw's ctx.fetchFn: OpenClaw builds that one from HTTP(S)_PROXY when the
// environment sets it, and the proxy is on loopback.

// Why no JSON came: `stage` is "request" when no answer did (refused, timed out, cancelled) and "body" when the
// answer's body did not (cut off, timed out, not JSON); `cause` is what fetch or the JSON parser threw.
export class RequestFailed extends Error {
  constructor(stage, cause) {
    super(String(cause?.message ?? cause), { cause });
    this.name = "RequestFailed";
    this.stage = stage;
  }
}

// -> {ok: true, status, data} for a 2xx answer, data its parsed JSON body; {ok: false, status} for any other
// status, whose body is dropped unread. Throws RequestFailed. `bearer` (when set) is sent as the Bearer token;
// `signal` (OpenClaw's own cancellation) ends the request as the timeout does; fetchImpl is for tests.
export async function fetchJson(url, { timeoutMs, bearer = null, signal = null, fetchImpl = fetch }) {
  const headers = { accept: "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let res;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    res = await fetchImpl(url, { headers, signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
  } catch (err) {
    throw new RequestFailed("request", err);
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    return { ok: false, status: res.status };
  }
  try {
    return { ok: true, status: res.status, data: await res.json() };
  } catch (err) {
    throw new RequestFailed("body", err);
  }
}
