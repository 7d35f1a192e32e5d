'use strict';

// Invalidation worker: reads the "invalidations" stream as consumer group
// "invalidation-workers" and deletes the cached copy named in each message.
// Start with
//   node --require @opentelemetry/auto-instrumentations-node/register worker.js
// Each message is handled in a CONSUMER span that continues the writer's trace
// (W3C traceparent carried in the message fields).

const Redis = require('ioredis');
const { trace, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode } = require('@opentelemetry/api');

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379/0';
const STREAM = 'invalidations';
const GROUP = 'invalidation-workers';
const CONSUMER = 'worker-1';

const tracer = trace.getTracer('catalog-worker');

// Commands (DEL, XACK) on one connection; the blocking read gets a dedicated one.
const redis = new Redis(REDIS_URL, { connectionName: 'catalog-worker' });
const reader = new Redis(REDIS_URL, { connectionName: 'catalog-worker' });
redis.on('error', (err) => console.error('redis:', err.message));
reader.on('error', (err) => console.error('redis (reader):', err.message));

let running = true;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fieldsToObject(fields) {
  const out = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

async function handle(messageId, fields) {
  const ctx = propagation.extract(ROOT_CONTEXT, fields);
  return tracer.startActiveSpan(
    'invalidations process',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': STREAM,
        'messaging.operation.type': 'process',
        'messaging.message.id': messageId,
      },
    },
    ctx,
    async (span) => {
      try {
        const key = fields.key;
        await redis.del(key);
        await redis.xack(STREAM, GROUP, messageId);
      } catch (err) {
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        console.error(`worker: message ${messageId} failed:`, err.message);
      } finally {
        span.end();
      }
    }
  );
}

async function loop() {
  console.log('catalog-worker started');
  while (running) {
    let reply;
    try {
      reply = await reader.xreadgroup(
        'GROUP', GROUP, CONSUMER, 'COUNT', 10, 'BLOCK', 500, 'STREAMS', STREAM, '>'
      );
    } catch (err) {
      if (!running) break;
      // NOGROUP until the API has created the group; other errors: back off and retry.
      if (!String(err.message).startsWith('NOGROUP')) console.error('worker: read failed:', err.message);
      await sleep(500);
      continue;
    }
    if (!reply) continue; // BLOCK timed out
    for (const [, messages] of reply) {
      for (const [messageId, fields] of messages) {
        await handle(messageId, fieldsToObject(fields));
      }
    }
  }
  await Promise.allSettled([reader.quit(), redis.quit()]);
  console.log('catalog-worker: stopped');
}

function shutdown(signal) {
  if (!running) return;
  console.log(`catalog-worker: ${signal}, finishing`);
  running = false;
  // Spans are flushed by the OpenTelemetry register hook (SIGTERM / beforeExit).
  setTimeout(() => process.exit(1), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

loop().catch((err) => {
  console.error('catalog-worker crashed:', err);
  process.exit(1);
});
