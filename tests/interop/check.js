// check.js - assert what receiver.js decoded is riptel's sample telemetry,
// field by field.  The expected values are those of tests/unit/otlp_sample.h
// (sample_metrics(), sample_spans(2), sample_logs(2)) as sent by
// tests/unit/test_export_interop.c.
//
// usage: node check.js FILE.jsonl   (TAP on stdout; exit 1 on any failure)
'use strict';

const fs = require('fs');

let n = 0;
let failed = 0;
function ok(cond, name, detail) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    if (detail !== undefined) console.log(`# got: ${JSON.stringify(detail)}`);
  }
}
function eq(got, want, name) {
  ok(JSON.stringify(got) === JSON.stringify(want), `${name} = ${JSON.stringify(want)}`, got);
}
function hex(b64) {
  return Buffer.from(b64 || '', 'base64').toString('hex');
}
// attributes as {key: [kind, value]} so a wrong AnyValue kind fails
function attrs(list) {
  const o = {};
  for (const kv of list || []) {
    const v = kv.value || {};
    o[kv.key] = [v.value, v[v.value]];
  }
  return o;
}

const lines = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n')
  .filter((l) => l).map((l) => JSON.parse(l));
const by = (p) => lines.filter((l) => l.path === p);

const START = '1700000000000000000';
const TIME = '1700000060000000000';
const TRACE = '0102030405060708090a0b0c0d0e0f10';
const SPAN = 'a1a2a3a4a5a6a7a8';
const RESOURCE = {
  'service.name': ['stringValue', 'riptel-test'],
  'host.name': ['stringValue', 'h1'],
  'process.pid': ['intValue', '4242'],
};

for (const l of lines) ok(!l.error, `${l.path} decoded`, l.error);

// ---- metrics
const m = by('/v1/metrics');
eq(m.length, 1, 'one metrics request');
if (m.length) {
  eq(m[0].contentType, 'application/x-protobuf', 'metrics content type');
  eq(m[0].contentEncoding, '', 'metrics not compressed');
  eq(m[0].headers['x-riptel-test'], 'yes', 'custom header');
  const rm = m[0].request.resourceMetrics;
  eq(rm.length, 1, 'one ResourceMetrics');
  eq(attrs(rm[0].resource.attributes), RESOURCE, 'metrics resource');
  const sm = rm[0].scopeMetrics[0];
  eq(sm.scope.name, 'riptel', 'scope name');
  const ms = sm.metrics;
  eq(ms.map((x) => x.name), ['riptel.connections', 'riptel.connections.active',
    'riptel.connection.duration'], 'metric names (empty one skipped)');
  const [sum, gauge, hist] = ms;
  eq([sum.unit, sum.description], ['{connection}', 'Connections seen'], 'sum unit/description');
  eq(sum.data, 'sum', 'riptel.connections is a Sum');
  eq(sum.sum.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE', 'sum temporality');
  eq(sum.sum.isMonotonic, true, 'sum monotonic');
  const dps = sum.sum.dataPoints;
  eq(dps.map((p) => [p.value, p.asInt]), [['asInt', '42'], ['asInt', '7']], 'sum values');
  eq(attrs(dps[1].attributes), {
    'network.transport': ['stringValue', 'tcp'],
    'riptides.decision': ['stringValue', 'deny'],
  }, 'sum point attributes');
  eq([dps[0].startTimeUnixNano, dps[0].timeUnixNano], [START, TIME], 'sum times');
  eq(gauge.data, 'gauge', 'active is a Gauge');
  eq(gauge.gauge.dataPoints[0].value, 'asDouble', 'gauge value kind');
  eq(gauge.gauge.dataPoints[0].asDouble, 3.5, 'gauge value');
  eq(attrs(gauge.gauge.dataPoints[0].attributes), { 'riptides.tls': ['boolValue', true] },
    'gauge bool attribute');
  eq(hist.data, 'histogram', 'duration is a Histogram');
  eq(hist.unit, 's', 'histogram unit');
  eq(hist.histogram.aggregationTemporality, 'AGGREGATION_TEMPORALITY_DELTA', 'histogram temporality');
  const hp = hist.histogram.dataPoints[0];
  eq(hp.count, '4', 'histogram count');
  eq(hp.explicitBounds, [0.1, 1, 10], 'histogram bounds');
  eq(hp.bucketCounts, ['1', '2', '0', '1'], 'histogram bucket counts (bounds + 1)');
  eq([hp.sum, hp.min, hp.max], [21.25, 0.05, 20], 'histogram sum/min/max');
  eq(attrs(hp.attributes), { 'riptides.weight': ['doubleValue', 0.25] }, 'histogram double attribute');
}

// ---- traces
const t = by('/v1/traces');
eq(t.length, 1, 'one traces request');
if (t.length) {
  eq(t[0].contentEncoding, 'gzip', 'traces gzip-compressed');
  const rs = t[0].request.resourceSpans;
  eq(attrs(rs[0].resource.attributes), RESOURCE, 'traces resource');
  const spans = rs[0].scopeSpans[0].spans;
  eq(spans.length, 2, 'two spans');
  const [root, child] = spans;
  eq(root.name, 'connect', 'root name');
  eq(root.kind, 'SPAN_KIND_CLIENT', 'root kind');
  eq(hex(root.traceId), TRACE, 'trace id (16 bytes)');
  eq(hex(root.spanId), SPAN, 'span id (8 bytes)');
  eq(hex(root.parentSpanId), '', 'root has no parent');
  eq([root.startTimeUnixNano, root.endTimeUnixNano], [START, TIME], 'root times');
  eq(attrs(root.attributes), {
    'network.peer.port': ['intValue', '443'],
    'server.address': ['stringValue', 'example.org'],
    'riptides.tls': ['boolValue', true],
    'riptides.ratio': ['doubleValue', 0.25],
  }, 'span attributes');
  eq(root.events.map((e) => [e.name, e.timeUnixNano, attrs(e.attributes)]),
    [['policy.decision', '1700000000000000005',
      { 'riptides.decision': ['stringValue', 'deny'] }]], 'span event');
  eq([root.status.code, root.status.message], ['STATUS_CODE_ERROR', 'denied'], 'span status');
  eq(child.kind, 'SPAN_KIND_INTERNAL', 'child kind');
  eq(hex(child.parentSpanId), SPAN, 'child parent id');
  eq(hex(child.spanId), 'a1a2a3a4a5a6a7b1', 'child span id');
  eq(hex(child.traceId), TRACE, 'child trace id');
}

// ---- logs
const lg = by('/v1/logs');
eq(lg.length, 1, 'one logs request');
if (lg.length) {
  const recs = lg[0].request.resourceLogs[0].scopeLogs[0].logRecords;
  eq(recs.length, 2, 'two log records');
  const [w, i] = recs;
  eq([w.severityNumber, w.severityText], ['SEVERITY_NUMBER_WARN', 'WARN'], 'warn severity');
  eq(w.body, { stringValue: 'connection denied', value: 'stringValue' }, 'log body');
  eq([hex(w.traceId), hex(w.spanId)], [TRACE, SPAN], 'log trace/span ids');
  // event_name (field 12) is newer than the 0.52.1 decoder, which skips it
  // as an unknown field; test_otlp_encode.c checks it.
  eq([w.timeUnixNano, w.observedTimeUnixNano], [TIME, '1700000060000001000'], 'log times');
  eq(attrs(w.attributes), { 'riptides.reason': ['stringValue', 'policy'] }, 'log attributes');
  eq(i.severityNumber, 'SEVERITY_NUMBER_INFO', 'info severity');
  eq([i.body, hex(i.traceId)], [undefined, ''], 'info has no body or trace');
  eq(attrs(i.attributes), { 'process.pid': ['intValue', '7'] }, 'info attributes');
}

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
