// Side-by-side benchmark (not a test): the jwtgate example Worker and the jose Worker in one
// Miniflare (one workerd), the same JWK Set on 127.0.0.1 and the same tokens; requests/s and
// p99 latency with distinct tokens and with one repeated token, and the ratios.
// Usage: bench.mjs <worker-build output dir> <bundled jose worker> [seconds per run]
import path from 'node:path';
import { AUDIENCE, ISSUER, Miniflare, jwksServer, makeKey, require, token } from '../e2e/lib.mjs';

const [BUILD, JOSE, SECONDS = '8'] = process.argv.slice(2);
const autocannon = require(path.join(process.env.JWTGATE_BENCH_MODULES, 'autocannon'));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

const key = makeKey('k1');
const jwks = await jwksServer([key]);
const bindings = {
  JWTGATE_JWKS_URL: jwks.url,
  JWTGATE_ISSUER: ISSUER,
  JWTGATE_AUDIENCE: AUDIENCE,
};
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  workers: [
    {
      name: 'jwtgate',
      routes: ['jwtgate.bench/*'],
      modules: [
        { type: 'ESModule', path: path.join(BUILD, 'index.js') },
        { type: 'CompiledWasm', path: path.join(BUILD, 'index_bg.wasm') },
      ],
      modulesRoot: BUILD,
      compatibilityDate: '2026-07-01',
      bindings: { ...bindings, JWTGATE_PERSIST: 'off' },
    },
    {
      name: 'jose',
      routes: ['jose.bench/*'],
      modules: [{ type: 'ESModule', path: JOSE }],
      modulesRoot: path.dirname(JOSE),
      compatibilityDate: '2026-07-01',
      bindings,
    },
  ],
});
const url = await mf.ready;

// Enough distinct tokens that none repeats within a run.
const distinct = Array.from({ length: 60_000 }, (_, i) => token(key, { sub: `user-${i}` }));
const repeated = token(key, { sub: 'alice' });

async function run(host, tokens) {
  let i = 0;
  // Warm up (first fetch of the set, JIT), then measure.
  for (let w = 0; w < 50; w += 1) {
    const res = await fetch(url, { headers: { host, authorization: `Bearer ${tokens[w % tokens.length]}` } });
    if (res.status !== 200) throw new Error(`${host}: ${res.status} ${await res.text()}`);
  }
  i = 50;
  const result = await autocannon({
    url: url.href,
    connections: CONNECTIONS,
    duration: Number(SECONDS),
    headers: { host },
    requests: [{
      setupRequest(req) {
        req.headers = { ...req.headers, host, authorization: `Bearer ${tokens[i++ % tokens.length]}` };
        return req;
      },
    }],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${host}: ${bad} failed requests`);
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total };
}

const rows = [];
for (const [label, tokens] of [['distinct tokens', distinct], ['one repeated token', [repeated]]]) {
  const jose = await run('jose.bench', tokens);
  const gate = await run('jwtgate.bench', tokens);
  rows.push({ label, jose, gate });
}
await mf.dispose();
await jwks.close();

const date = new Date().toISOString().slice(0, 10);
console.log(`\njwtgate-worker vs jose in one workerd (Miniflare), ${CONNECTIONS} connections, ${SECONDS} s per run, ${date}`);
console.log('| load | jose req/s | jose p99 ms | jwtgate req/s | jwtgate p99 ms | req/s ratio |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const { label, jose, gate } of rows) {
  console.log(`| ${label} | ${jose.rps.toFixed(0)} | ${jose.p99} | ${gate.rps.toFixed(0)} | ${gate.p99} | ${(gate.rps / jose.rps).toFixed(2)}x |`);
}
console.log(`JWKS fetches: ${jwks.fetches}`);
