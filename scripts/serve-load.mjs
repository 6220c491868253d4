#!/usr/bin/env node
// Load figures for `facet serve`, on loopback only: starts the server (the shipped model,
// --threads 1) as a child process and prints, per scenario, the status counts, p50/p95
// latency, the server's peak RSS and its RSS 10 s after.
//   burst:   N concurrent valid POST /v1/predict (default queue, then --queue 128)
//   slow:    the same burst beside 20 slow uploads (19 MiB declared, 18 MiB sent, then
//            trickled so that they stay open)
//   soak:    M sequential POSTs: RSS at start, middle and end, and any error
// usage: node scripts/serve-load.mjs [--concurrent 200] [--soak 10000] [--soak-align detect|aligned]
//        [--only burst,slow,soak] [--after 10] [--cli packages/facet/dist/src/cli/main.js]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    concurrent: { type: 'string', default: '200' },
    soak: { type: 'string', default: '10000' },
    'soak-align': { type: 'string', default: 'detect' },
    only: { type: 'string', default: 'burst,slow,soak' },
    after: { type: 'string', default: '10' },
    cli: { type: 'string' },
  },
});
const concurrent = Number(o.concurrent);
const soakCount = Number(o.soak);
const afterS = Number(o.after);
const only = new Set(o.only.split(','));
const cli = o.cli ?? fileURLToPath(new URL('../packages/facet/dist/src/cli/main.js', import.meta.url));
const MiB = 1024 * 1024;

const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
};

async function startServer(extra) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--threads', '1', '--quiet', '--samples', '1', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const line = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const info = JSON.parse(line);
  return { child, url: info.url, info, stderr: () => err };
}

async function stop(server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

/** Samples the server's RSS every 100 ms until stopped; returns the peak. */
function rssSampler(pid) {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      /* exited */
    }
  }, 100);
  return { stop: () => (clearInterval(timer), peak) };
}

async function face(url) {
  const list = await (await fetch(new URL('/samples.json', url))).json();
  return Buffer.from(await (await fetch(new URL(list[0].url, url))).arrayBuffer());
}

async function post(url, body, query = '') {
  const t0 = performance.now();
  try {
    const r = await fetch(new URL(`/v1/predict${query}`, url), { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
    await r.arrayBuffer();
    return { status: r.status, ms: performance.now() - t0 };
  } catch (e) {
    return { status: `error: ${e.cause?.code ?? e.message}`, ms: performance.now() - t0 };
  }
}

/** An upload that declares 19 MiB, sends 18 MiB, then 64 KiB every 2 s, held open until close(). */
async function slowUpload(url) {
  const { port } = new URL(url);
  const sock = connect(Number(port), '127.0.0.1');
  let reply = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => (reply += d));
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  sock.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${19 * MiB}\r\n\r\n`);
  sock.write(Buffer.alloc(18 * MiB, 0xff));
  const timer = setInterval(() => !sock.destroyed && sock.write(Buffer.alloc(64 * 1024, 0xff)), 2000);
  return {
    status: () => (reply ? reply.split(' ')[1] : sock.destroyed ? 'closed' : 'open'),
    close: () => (clearInterval(timer), sock.destroy()),
  };
}

function summary(results) {
  const counts = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const ok = results.filter((r) => r.status === 200).map((r) => r.ms);
  const all = results.map((r) => r.ms);
  return { counts, p50_ms: pct(all, 50), p95_ms: pct(all, 95), p50_ms_200: pct(ok, 50), p95_ms_200: pct(ok, 95) };
}

async function burst(queueArgs, withSlow) {
  const server = await startServer(queueArgs);
  const pid = server.child.pid;
  try {
    const body = await face(server.url);
    await post(server.url, body); // warm: the detector and the session load once
    const idle = rssMiB(pid);
    const sampler = rssSampler(pid);
    const slow = withSlow ? await Promise.all(Array.from({ length: 20 }, () => slowUpload(server.url))) : [];
    if (withSlow) await sleep(500);
    const results = await Promise.all(Array.from({ length: concurrent }, () => post(server.url, body)));
    const slowStatus = {};
    for (const s of slow) slowStatus[s.status()] = (slowStatus[s.status()] ?? 0) + 1;
    const health = await (await fetch(new URL('/healthz', server.url))).json();
    for (const s of slow) s.close();
    const peak = sampler.stop();
    await sleep(afterS * 1000);
    const after = rssMiB(pid);
    const drained = await (await fetch(new URL('/healthz', server.url))).json();
    return {
      scenario: `${concurrent} concurrent${withSlow ? ' + 20 slow 19 MiB uploads' : ''}`,
      args: queueArgs.join(' ') || '(default queue 16)',
      ...summary(results),
      slow_uploads: withSlow ? slowStatus : undefined,
      rss_mib: { idle: Math.round(idle), peak: Math.round(peak), [`after_${afterS}s`]: Math.round(after) },
      buffered_during: health.buffered,
      buffered_after: drained.buffered?.bytes,
      connections_after: drained.connections?.open,
    };
  } finally {
    await stop(server);
  }
}

async function soak() {
  const server = await startServer([]);
  const pid = server.child.pid;
  try {
    const body = await face(server.url);
    const query = o['soak-align'] === 'aligned' ? '?align=aligned' : '';
    await post(server.url, body, query);
    const rss = { start: Math.round(rssMiB(pid)) };
    const errors = {};
    const t0 = performance.now();
    const lat = [];
    for (let i = 1; i <= soakCount; i++) {
      const r = await post(server.url, body, query);
      lat.push(r.ms);
      if (r.status !== 200) errors[r.status] = (errors[r.status] ?? 0) + 1;
      if (i === Math.floor(soakCount / 2)) rss.middle = Math.round(rssMiB(pid));
      if (i % 1000 === 0) process.stderr.write(`soak: ${i}/${soakCount}, rss ${Math.round(rssMiB(pid))} MiB\n`);
    }
    rss.end = Math.round(rssMiB(pid));
    return {
      scenario: `${soakCount} sequential POSTs (align ${o['soak-align']})`,
      seconds: Math.round((performance.now() - t0) / 1000),
      errors,
      p50_ms: pct(lat, 50),
      p95_ms: pct(lat, 95),
      rss_mib: rss,
    };
  } finally {
    await stop(server);
  }
}

const out = [];
if (only.has('burst')) {
  out.push(await burst([], false));
  out.push(await burst(['--queue', '128'], false));
}
if (only.has('slow')) {
  out.push(await burst([], true));
  out.push(await burst(['--queue', '128'], true));
}
if (only.has('soak')) out.push(await soak());
for (const r of out) console.log(JSON.stringify(r));
