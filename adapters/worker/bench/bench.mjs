// Side-by-side benchmark (not a test): the jwtgate example Worker, the jose
// Worker and two empty Workers (JS, and workers-rs: the ceilings) in one workerd process, the
// same JWK Set on 127.0.0.1 and the same tokens; requests/s and p99 latency with distinct
// tokens and with one repeated token, and the ratios to jose.
// Usage: bench.mjs <example build> <floor build> <bundled jose
// worker> [seconds per run]
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { AUDIENCE, ISSUER, jwksServer, makeKey, require, token } from '../e2e/lib.mjs';

const [BUILD, BUILD_FLOOR, JOSE, SECONDS = '8'] = process.argv.slice(2);
const autocannon = require(path.join(process.env.JWTGATE_BENCH_MODULES, 'autocannon'));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

const key = makeKey('k1');
const jwks = await jwksServer([key]);
const bindings = {
  JWTGATE_JWKS_URL: jwks.url,
  JWTGATE_ISSUER: ISSUER,
  JWTGATE_AUDIENCE: AUDIENCE,
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Distinct tokens never repeat across the whole benchmark (the verified-token cache would
// answer a repeat): one pool, one cursor, and an error rather than a wrap-around. Signed
// before workerd starts, so no idle keep-alive connection goes stale meanwhile.
// Enough for ~14,000 distinct-token requests/s over all Workers of a round.
const distinct = Array.from({ length: Number(process.env.BENCH_TOKENS ?? 14_000 * Number(SECONDS) * ROUNDS) }, (_, i) => token(key, { sub: `user-${i}` }));
let cursor = 0;
const nextDistinct = () => {
  if (cursor >= distinct.length) throw new Error('token pool exhausted: raise BENCH_TOKENS');
  return distinct[cursor++];
};
const repeated = token(key, { sub: 'alice' });
const loads = [['distinct tokens', nextDistinct], ['one repeated token', () => repeated]];

// Plain workerd, no Miniflare: Miniflare's Node proxy in front of workerd caps a run at
// about 2,000 requests/s on this machine, below either Worker. Each Worker gets its own
// socket on 127.0.0.1; the JWKS server is reached through a network service that allows
// loopback (workerd's default outbound allows public addresses only).
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const names = ['empty', 'floor', 'webcrypto', 'jose', 'jwtgate'];
const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwtgate-bench-'));
// capnp embeds are relative to the config file.
for (const [sub, build] of [['jwtgate', BUILD], ['floor', BUILD_FLOOR]]) {
  fs.mkdirSync(path.join(dir, sub));
  for (const f of ['index.js', 'index_bg.wasm']) fs.copyFileSync(path.join(build, f), path.join(dir, sub, f));
}
fs.copyFileSync(JOSE, path.join(dir, 'jose.js'));
fs.copyFileSync(new URL('./webcrypto-worker.mjs', import.meta.url), path.join(dir, 'webcrypto.js'));
const text = (env) => Object.entries(env).map(([name, v]) => `(name = "${name}", text = "${v}")`).join(', ');
fs.writeFileSync(path.join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
${['jwtgate', 'floor'].map((name) => `    (name = "${name}", worker = (
      modules = [
        (name = "index.js", esModule = embed "${name}/index.js"),
        (name = "index_bg.wasm", wasm = embed "${name}/index_bg.wasm"),
      ],
      compatibilityDate = "2026-07-01",
      bindings = [${text({ ...bindings, JWTGATE_PERSIST: 'off' })}],
      globalOutbound = "loopback",
    )),
`).join('')}    (name = "jose", worker = (
      modules = [(name = "jose.js", esModule = embed "jose.js")],
      compatibilityDate = "2026-07-01",
      bindings = [${text(bindings)}],
      globalOutbound = "loopback",
    )),
    (name = "webcrypto", worker = (
      modules = [(name = "webcrypto.js", esModule = embed "webcrypto.js")],
      compatibilityDate = "2026-07-01",
      bindings = [${text({ JWK: JSON.stringify(key.jwk).replace(/"/g, '\\"') })}],
    )),
    (name = "empty", worker = (
      modules = [(name = "empty.js", esModule = "export default { fetch() { return new Response('{}'); } };")],
      compatibilityDate = "2026-07-01",
    )),
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [
${names.map((n) => `    (name = "${n}", address = "127.0.0.1:${ports[n]}", http = (), service = "${n}"),`).join('\n')}
  ],
);
`);
const workerdBin = path.join(process.env.JWTGATE_NODE_MODULES, '.bin', 'workerd');
const workerd = spawn(workerdBin, ['serve', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'inherit', 'inherit'] });
const stopWorkerd = () => workerd.kill('SIGTERM');
process.on('exit', stopWorkerd);
const origin = (name) => `http://127.0.0.1:${ports[name]}/`;
for (let tries = 0; ; tries += 1) {
  try {
    await Promise.all(Object.keys(ports).map((name) => fetch(origin(name))));
    break;
  } catch (e) {
    if (tries > 100 || workerd.exitCode !== null) throw new Error(`workerd did not start: ${e}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const workerdVersion = execFileSync(workerdBin, ['--version']).toString().trim();

async function run(name, next) {
  const url = origin(name);
  // Warm up (first fetch of the set, JIT), then measure.
  for (let w = 0; w < 50; w += 1) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${next()}` } });
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
  }
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: Number(SECONDS),
    requests: [{
      setupRequest(req) {
        req.headers = { ...req.headers, authorization: `Bearer ${next()}` };
        return req;
      },
    }],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${name}: ${bad} failed requests`);
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total };
}

// Rounds alternate which Worker goes first; each load's figures are the medians over the
// rounds, and the ratio's spread is its range. `empty` (a JS Worker that answers '{}') is the
// ceiling of this runtime and load generator on this machine; `floor` (bench/floor, a
// workers-rs Worker that reads the Authorization header and answers '{}') is the framework's.
// `webcrypto` (bench/webcrypto-worker.mjs) only checks the signature with crypto.subtle: the
// runtime's own cost of the check, which jose and jwtgate-worker both pay.
const runs = loads.map(() => Object.fromEntries(names.map((n) => [n, []])));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [l, [, next]] of loads.entries()) {
    const order = round % 2 ? ['empty', 'floor', 'webcrypto', 'jwtgate', 'jose'] : ['empty', 'floor', 'webcrypto', 'jose', 'jwtgate'];
    // The ceilings verify no token: they get the repeated one, not the pool's.
    for (const name of order) runs[l][name].push(await run(name, ['empty', 'floor'].includes(name) ? () => repeated : next));
  }
}
stopWorkerd();
await jwks.close();
fs.rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const date = new Date().toISOString().slice(0, 10);
console.log(`\njwtgate-worker vs jose in one ${workerdVersion}, ${CONNECTIONS} connections, ${SECONDS} s per run, medians of ${ROUNDS} rounds, ${date}`);
console.log('| load | Worker | req/s | p99 ms | × jose req/s (range) |');
console.log('|---|---|---:|---:|---:|');
const label = { empty: "empty JS Worker (the harness's ceiling)", floor: 'empty workers-rs Worker (the framework\'s floor)', webcrypto: 'JS Worker: WebCrypto verify only (the platform\'s floor)', jose: 'jose', jwtgate: 'jwtgate-worker (ES256 by WebCrypto)' };
for (const [l, [load]] of loads.entries()) {
  const r = runs[l];
  for (const name of names) {
    const ratios = r[name].map((x, i) => x.rps / r.jose[i].rps);
    const spread = `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
    console.log(`| ${load} | ${label[name]} | ${median(r[name].map((x) => x.rps)).toFixed(0)} | ${median(r[name].map((x) => x.p99))} | ${name === 'jose' ? '1x' : spread} |`);
  }
}
console.log(`JWKS fetches: ${jwks.fetches}`);
