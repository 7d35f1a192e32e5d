'use strict';

// Catalog API: cache-aside reads of items (Redis in front of PostgreSQL) and writes
// that publish a cache invalidation on a Redis stream after the transaction commits.
// Tracing is zero-code: start with
//   node --require @opentelemetry/auto-instrumentations-node/register server.js
// (run.sh does this). Only the trace-context injection into stream messages uses the API.

const express = require('express');
const Redis = require('ioredis');
const { Pool } = require('pg');
const { context, propagation } = require('@opentelemetry/api');

const PORT = Number(process.env.PORT || 8080);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379/0';
const DATABASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const CACHE_TTL_SECONDS = Number(process.env.CACHE_TTL_SECONDS || 300);

const STREAM = 'invalidations';
const GROUP = 'invalidation-workers';

const redis = new Redis(REDIS_URL, { connectionName: 'catalog-api' });
const pool = new Pool({ connectionString: DATABASE_URL });

redis.on('error', (err) => console.error('redis:', err.message));
pool.on('error', (err) => console.error('postgres:', err.message));

const cacheKey = (id) => `cache:key:${id}`;

async function migrate() {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)'
  );
  await pool.query(
    "INSERT INTO items (id, name, version) SELECT n, 'Widget ' || n, 1 FROM generate_series(1, 100) AS n ON CONFLICT DO NOTHING"
  );
  try {
    await redis.xgroup('CREATE', STREAM, GROUP, '$', 'MKSTREAM');
  } catch (err) {
    if (!String(err.message).startsWith('BUSYGROUP')) throw err;
  }
}

function parseId(raw) {
  const id = Number(raw);
  return Number.isInteger(id) && id > 0 && id <= 2147483647 ? id : null;
}

const app = express();
app.use(express.json());

app.get('/healthz', (req, res) => {
  res.json({ ok: true });
});

app.get('/item/:id', async (req, res, next) => {
  try {
    const id = parseId(req.params.id);
    if (id === null) return res.status(400).json({ error: 'bad id' });
    const key = cacheKey(id);

    const cached = await redis.get(key);
    if (cached !== null) {
      return res.type('application/json').send(cached);
    }

    const { rows } = await pool.query('SELECT id, name, version FROM items WHERE id = $1', [id]);
    if (rows.length === 0) return res.status(404).json({ error: 'not found' });

    const json = JSON.stringify(rows[0]);
    await redis.set(key, json, 'EX', CACHE_TTL_SECONDS);
    res.type('application/json').send(json);
  } catch (err) {
    next(err);
  }
});

app.put('/item/:id', async (req, res, next) => {
  const id = parseId(req.params.id);
  if (id === null) return res.status(400).json({ error: 'bad id' });
  const name = req.body && req.body.name;
  if (typeof name !== 'string' || name.length === 0) {
    return res.status(400).json({ error: 'body must be {"name": "..."}' });
  }

  let row;
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await client.query(
        'UPDATE items SET name = $1, version = version + 1 WHERE id = $2 RETURNING id, name, version',
        [name, id]
      );
      if (result.rows.length === 0) {
        await client.query('ROLLBACK');
        return res.status(404).json({ error: 'not found' });
      }
      row = result.rows[0];
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }

    // Only after COMMIT: tell the workers to drop the cached copy. The W3C trace
    // context travels in the message so the worker joins this request's trace.
    const key = cacheKey(id);
    const carrier = {};
    propagation.inject(context.active(), carrier);
    const traceFields = carrier.traceparent ? ['traceparent', carrier.traceparent] : [];
    await redis.xadd(STREAM, '*', 'entity_id', String(id), 'key', key, ...traceFields);

    res.json(row);
  } catch (err) {
    next(err);
  }
});

// Malformed JSON bodies arrive here from express.json() as 400s; anything else is a 500.
app.use((err, req, res, next) => {
  if (err.type === 'entity.parse.failed' || err.status === 400) {
    return res.status(400).json({ error: 'invalid JSON body' });
  }
  console.error(err);
  res.status(500).json({ error: 'internal error' });
});

let server;

async function main() {
  await migrate();
  // HOST unset: every interface, as in a container; tests and inkproof set 127.0.0.1
  server = app.listen(PORT, process.env.HOST, () => {
    console.log(`catalog-api listening on ${process.env.HOST || '*'}:${PORT}`);
  });
}

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`catalog-api: ${signal}, shutting down`);
  // The OpenTelemetry register hook flushes spans on SIGTERM (and on beforeExit), so
  // close our handles and let the event loop drain instead of calling process.exit().
  setTimeout(() => process.exit(1), 5000).unref();
  const closeServer = new Promise((resolve) => {
    if (!server) return resolve();
    server.close(resolve);
    server.closeIdleConnections(); // Node 18 keeps idle keep-alive sockets open otherwise
  });
  closeServer
    .then(() => Promise.allSettled([redis.quit(), pool.end()]))
    .then(() => console.log('catalog-api: stopped'));
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

main().catch((err) => {
  console.error('catalog-api failed to start:', err);
  process.exit(1);
});
