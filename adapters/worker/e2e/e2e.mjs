// End-to-end checks of jwtgate-worker's example in real workerd (through Miniflare), against
// a JWKS server on 127.0.0.1 that this script controls. Prints one PASS/FAIL line per check
// and exits non-zero if any failed. Run by .ci/worker-e2e.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AUDIENCE, ISSUER, jwksServer, makeKey, sleep, startRust, token } from './lib.mjs';

const BUILD = process.argv[2];
if (!BUILD) throw new Error('usage: e2e.mjs <worker-build output dir>');

// Small policy knobs so the whole run takes well under a minute of waiting.
const TTL = 3;
const STALE = 5;
const COOLDOWN = 2;
const KID_INTERVAL = 3;

const results = [];
function check(name, ok, detail) {
  results.push(ok);
  console.log(`${ok ? 'PASS' : 'FAIL'} workerd: ${name}${ok ? '' : ` -- ${detail}`}`);
}

const key = makeKey('k1');
const other = makeKey('k-rotated');
const jwks = await jwksServer([key]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jwtgate-e2e-'));
const running = new Set();

function bindings(extra = {}) {
  return {
    JWTGATE_JWKS_URL: jwks.url,
    JWTGATE_ISSUER: ISSUER,
    JWTGATE_AUDIENCE: AUDIENCE,
    JWTGATE_TTL: String(TTL),
    JWTGATE_STALE_IF_ERROR: String(STALE),
    JWTGATE_FAILURE_COOLDOWN: String(COOLDOWN),
    JWTGATE_UNKNOWN_KID_INTERVAL: String(KID_INTERVAL),
    JWTGATE_FETCH_TIMEOUT: '2',
    ...extra,
  };
}

async function start(extra, persist) {
  const mf = await startRust(BUILD, bindings(extra), persist);
  running.add(mf);
  return mf;
}

async function stop(mf) {
  running.delete(mf);
  await mf.dispose();
}

async function call(mf, tok) {
  const headers = tok ? { authorization: `Bearer ${tok}` } : {};
  const res = await mf.dispatchFetch('http://localhost/api/me', { headers });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: the check says so */ }
  return { status: res.status, headers: res.headers, body, text };
}

const show = (r) => `${r.status} ${r.text}`;

async function main() {
  const valid = token(key, { sub: 'alice', role: 'admin' });

  // 1. A valid token: 200, and the handler sees the claims.
  const warm = await start({}, path.join(tmp, 'warm'));
  let r = await call(warm, valid);
  check('a valid token gets 200 and its claims reach the handler',
    r.status === 200 && r.body?.sub === 'alice' && r.body?.role === 'admin'
      && r.body?.claims?.iss === ISSUER, show(r));

  // 2. An expired token: 401 with its code.
  r = await call(warm, token(key, { exp: Math.floor(Date.now() / 1000) - 60 }));
  check('an expired token gets 401 ERR_AUTH_TOKEN_EXPIRED',
    r.status === 401 && r.body?.code === 'ERR_AUTH_TOKEN_EXPIRED' && r.body?.valid === false
      && r.body?.retryable === false && r.headers.get('www-authenticate') === 'Bearer', show(r));

  // 2b. Signatures are checked by the runtime's WebCrypto: its verdicts are the core's.
  const [signed, sig] = [valid.slice(0, valid.lastIndexOf('.')), valid.slice(valid.lastIndexOf('.') + 1)];
  const raw = Buffer.from(sig, 'base64url');
  const flipped = Buffer.from(raw);
  flipped[40] ^= 1;
  // The high-S twin (s -> n - s) is valid ECDSA; RFC 7518 has no low-S rule, nor does the core.
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  const twin = Buffer.concat([raw.subarray(0, 32), Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')]);
  const impostor = makeKey(key.kid);
  const verdicts = {
    tampered: await call(warm, `${signed}.${flipped.toString('base64url')}`),
    wrongKey: await call(warm, token(impostor, { sub: 'alice' })),
    short: await call(warm, `${signed}.${raw.subarray(0, 63).toString('base64url')}`),
    highS: await call(warm, `${signed}.${twin.toString('base64url')}`),
  };
  const invalid = (a) => a.status === 401 && a.body?.code === 'ERR_AUTH_SIGNATURE_INVALID';
  check('a tampered, wrong-key or short signature gets 401 ERR_AUTH_SIGNATURE_INVALID and its high-S twin verifies',
    invalid(verdicts.tampered) && invalid(verdicts.wrongKey) && invalid(verdicts.short)
      && verdicts.highS.status === 200 && verdicts.highS.body?.sub === 'alice',
    Object.entries(verdicts).map(([k, a]) => `${k}: ${show(a)}`).join('; '));

  // 3. An unknown kid: at most one refetch per interval, and a rotated-in key is found.
  jwks.keys = [key, other];
  const before = jwks.fetches;
  const unknown = token(makeKey('k-unknown'));
  const firstUnknown = await call(warm, unknown);
  const statuses = [firstUnknown.status];
  for (let i = 0; i < 20; i += 1) statuses.push((await call(warm, unknown)).status);
  const rotated = await call(warm, token(other));
  const burstFetches = jwks.fetches - before;
  await sleep(KID_INTERVAL * 1000 + 200);
  await call(warm, unknown);
  const afterInterval = jwks.fetches - before;
  check('an unknown kid triggers at most one refetch per interval',
    firstUnknown.body?.code === 'ERR_AUTH_KEY_NOT_FOUND' && statuses.every((s) => s === 401)
      && burstFetches === 1 && afterInterval === 2 && rotated.status === 200,
    `fetches in the interval ${burstFetches}, after it ${afterInterval}, rotated key ${show(rotated)}`);

  // 4. A warm isolate through an outage: stale keys past the ttl, until stale-if-error ends.
  r = await call(warm, valid); // the last successful fetch was the unknown-kid one just now
  const fetchedAt = Date.now();
  jwks.mode = 'down';
  await sleep((TTL + 1) * 1000);
  const stale = await call(warm, valid);
  const health = await (await warm.dispatchFetch('http://localhost/health')).json();
  const waitEnd = fetchedAt + (TTL + STALE + 1) * 1000 - Date.now();
  await sleep(Math.max(0, waitEnd));
  const expired = await call(warm, valid);
  check('a warm isolate keeps verifying through the outage past ttl while stale-if-error lasts',
    r.status === 200 && stale.status === 200 && health.stale_serves >= 1
      && expired.status === 503 && expired.body?.code === 'ERR_AUTH_JWKS_FETCH_FAILED',
    `past ttl ${show(stale)}, stale_serves ${health.stale_serves}, past ttl+stale ${show(expired)}`);
  await stop(warm);

  // 5. A cold isolate, endpoint down, nothing persisted: 503 with Retry-After.
  const cold = await start({ JWTGATE_PERSIST: 'off' }, null);
  r = await call(cold, valid);
  check('a cold isolate with the JWKS endpoint down gets 503 ERR_AUTH_JWKS_FETCH_FAILED with Retry-After',
    r.status === 503 && r.body?.code === 'ERR_AUTH_JWKS_FETCH_FAILED' && r.body?.retryable === true
      && r.headers.get('retry-after') === String(COOLDOWN), `${show(r)} retry-after=${r.headers.get('retry-after')}`);
  await stop(cold);

  // 6. A burst of 200 requests on a cold isolate during the outage: one fetch per cooldown.
  const burst = await start({ JWTGATE_PERSIST: 'off', JWTGATE_FAILURE_COOLDOWN: '60' }, null);
  const beforeBurst = jwks.fetches;
  const answers = await Promise.all(Array.from({ length: 200 }, () => call(burst, valid)));
  const burstCount = jwks.fetches - beforeBurst;
  check('a burst of 200 requests on a cold isolate during an outage makes at most one fetch per cooldown',
    burstCount === 1 && answers.every((a) => a.status === 503),
    `${burstCount} fetches, statuses ${[...new Set(answers.map((a) => a.status))]}`);
  await stop(burst);

  // 6b. A burst on a healthy cold isolate: one fetch, and the requests that found it in
  // flight wait for it (polling the isolate's cache) instead of failing.
  jwks.mode = 'up';
  jwks.keys = [key];
  const healthy = await start({ JWTGATE_PERSIST: 'off' }, null);
  const beforeHealthy = jwks.fetches;
  const healthyAnswers = await Promise.all(Array.from({ length: 50 }, () => call(healthy, valid)));
  const healthyCount = jwks.fetches - beforeHealthy;
  check('a burst of 50 requests on a healthy cold isolate makes one fetch and all get 200',
    healthyCount === 1 && healthyAnswers.every((a) => a.status === 200),
    `${healthyCount} fetches, statuses ${[...new Set(healthyAnswers.map((a) => a.status))]}`);
  await stop(healthy);

  // 7. A restarted runtime verifies from the persisted set, until its ttl + stale-if-error.
  jwks.mode = 'up';
  jwks.keys = [key];
  const persist = path.join(tmp, 'restart');
  const first = await start({}, persist);
  const seeded = await call(first, valid);
  const storedAt = Date.now();
  await stop(first);
  jwks.mode = 'down';
  const beforeRestart = jwks.fetches;
  const second = await start({}, persist);
  const restored = await call(second, valid);
  const h2 = await (await second.dispatchFetch('http://localhost/health')).json();
  await stop(second);
  await sleep(Math.max(0, storedAt + (TTL + 1) * 1000 - Date.now()));
  const third = await start({}, persist);
  const restoredStale = await call(third, valid);
  await stop(third);
  await sleep(Math.max(0, storedAt + (TTL + STALE + 1) * 1000 - Date.now()));
  const fourth = await start({}, persist);
  const restoredExpired = await call(fourth, valid);
  await stop(fourth);
  check('a restarted runtime with the endpoint down verifies from the persisted set, and stops past ttl + stale_if_error',
    seeded.status === 200 && restored.status === 200 && h2.fetches_ok === 0
      && jwks.fetches === beforeRestart + 2 && restoredStale.status === 200
      && restoredExpired.status === 503 && restoredExpired.body?.code === 'ERR_AUTH_JWKS_FETCH_FAILED',
    `fresh restore ${show(restored)} (fetches_ok ${h2.fetches_ok}), stale restore ${show(restoredStale)}, `
      + `expired restore ${show(restoredExpired)}, fetches while down ${jwks.fetches - beforeRestart}`);

  // 7b. The same through KV (JWTGATE_PERSIST=kv:JWKS): a restart restores from KV, and a
  // record the Worker did not write (tampered in place) is ignored.
  jwks.mode = 'up';
  const kvDir = path.join(tmp, 'kv-restart');
  const kvPersist = { JWTGATE_PERSIST: 'kv:JWKS' };
  const kvFirst = await start(kvPersist, kvDir);
  const kvSeeded = await call(kvFirst, valid);
  const kvKeys = (await (await kvFirst.getKVNamespace('JWKS')).list()).keys.map((k) => k.name);
  await stop(kvFirst);
  jwks.mode = 'down';
  const kvSecond = await start(kvPersist, kvDir);
  const kvRestored = await call(kvSecond, valid);
  const kvHealth = await (await kvSecond.dispatchFetch('http://localhost/health')).json();
  const kv = await kvSecond.getKVNamespace('JWKS');
  for (const name of kvKeys) {
    const record = await kv.get(name, 'arrayBuffer');
    const bytes = new Uint8Array(record);
    bytes[bytes.length - 1] ^= 1;
    await kv.put(name, bytes);
  }
  await stop(kvSecond);
  const kvThird = await start(kvPersist, kvDir);
  const kvTampered = await call(kvThird, valid);
  await stop(kvThird);
  check('with KV persistence a restarted runtime verifies from KV, and ignores a record it did not write',
    kvSeeded.status === 200 && kvKeys.length === 1 && kvRestored.status === 200
      && kvHealth.fetches_ok === 0 && kvTampered.status === 503
      && kvTampered.body?.code === 'ERR_AUTH_JWKS_FETCH_FAILED',
    `seeded ${show(kvSeeded)}, KV keys ${JSON.stringify(kvKeys)}, restored ${show(kvRestored)} `
      + `(fetches_ok ${kvHealth.fetches_ok}), tampered ${show(kvTampered)}`);

  // 8. A redirecting or non-200 endpoint is a fetch failure (the redirect leads to a good set).
  const strict = await start({ JWTGATE_PERSIST: 'off', JWTGATE_FAILURE_COOLDOWN: '1' }, null);
  const outcomes = [];
  for (const mode of ['redirect', 'status500', 'status201']) {
    jwks.mode = mode;
    const n = jwks.fetches;
    const a = await call(strict, valid);
    outcomes.push({ mode, status: a.status, code: a.body?.code, fetched: jwks.fetches - n });
    await sleep(1100);
  }
  jwks.mode = 'up';
  const recovered = await call(strict, valid);
  await stop(strict);
  check('a redirecting or non-200 JWKS endpoint is a fetch failure',
    outcomes.every((o) => o.status === 503 && o.code === 'ERR_AUTH_JWKS_FETCH_FAILED' && o.fetched === 1)
      && recovered.status === 200,
    `${JSON.stringify(outcomes)}, then up: ${recovered.status}`);
}

const deadline = setTimeout(() => {
  console.log('FAIL workerd: the run did not finish within 150 s');
  process.exit(1);
}, 150_000);
try {
  await main();
} catch (e) {
  check('the run completes', false, e?.stack ?? String(e));
} finally {
  for (const mf of running) await mf.dispose().catch(() => {});
  await jwks.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(deadline);
}
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`workerd: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === 11 ? 0 : 1);
