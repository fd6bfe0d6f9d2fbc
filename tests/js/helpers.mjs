// Shared by the tests in this directory. Not a test file: node --test runs *.test.mjs files, not this one.
import { createServer } from "node:http";

// A port nothing listens on right now, for a proxy the test starts or expects to find down.
export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Polls check() every 50 ms until it is truthy (true) or ms have passed (false).
export async function until(check, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

// After each test that ran the proxy service: kill what it started and forget it, so the next test starts
// from the state a new gateway process has (service.js keeps one proxy per process in `state`).
export function stopService(state) {
  state.stopped = true;
  clearTimeout(state.restartTimer);
  state.restartTimer = null;
  state.lastError = null;
  state.child?.kill("SIGKILL");
  state.child = null;
  state.injected = false;
}
