// receiver.js - test-only OTLP/HTTP receiver decoding with the OpenTelemetry
// project's generated protobuf code (@opentelemetry/otlp-transformer 0.52.1,
// build/src/generated/root.js), an implementation independent of riptel's.
//
// usage: node receiver.js --out FILE [--port N] [--modules DIR]
//                         [--tls-cert PEM --tls-key PEM [--client-ca PEM]]
//   Listens on 127.0.0.1 (port 0: any), prints "PORT <n>" once listening,
//   over HTTPS with --tls-cert/--tls-key; --client-ca then demands a client
//   certificate issued by that CA (mTLS) and refuses the handshake without.
//   and appends one JSON line per request to FILE:
//   {"path", "contentType", "contentEncoding", "headers", "request"}
//   where request is the decoded Export*ServiceRequest (longs as strings,
//   enums as names, bytes as base64).  Answers 200 with an empty
//   Export*ServiceResponse; a body it cannot decode gets 400.
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const zlib = require('zlib');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const out = arg('--out');
if (!out) {
  console.error('receiver.js: --out FILE is required');
  process.exit(2);
}
const port = Number(arg('--port', '0'));
const modules = path.resolve(arg('--modules',
  path.join(__dirname, '..', '..', 'build', 'node_modules')));
const root = require(path.join(modules, '@opentelemetry', 'otlp-transformer',
  'build', 'src', 'generated', 'root.js'));

const collector = root.opentelemetry.proto.collector;
const services = {
  '/v1/metrics': [collector.metrics.v1.ExportMetricsServiceRequest,
    collector.metrics.v1.ExportMetricsServiceResponse],
  '/v1/traces': [collector.trace.v1.ExportTraceServiceRequest,
    collector.trace.v1.ExportTraceServiceResponse],
  '/v1/logs': [collector.logs.v1.ExportLogsServiceRequest,
    collector.logs.v1.ExportLogsServiceResponse],
};

function handler(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const svc = services[req.url];
    if (req.method !== 'POST' || !svc) {
      res.writeHead(404).end();
      return;
    }
    let body = Buffer.concat(chunks);
    let decoded;
    try {
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      decoded = svc[0].toObject(svc[0].decode(body), {
        longs: String, enums: String, bytes: String, defaults: false, oneofs: true,
      });
    } catch (e) {
      fs.appendFileSync(out, JSON.stringify({ path: req.url, error: String(e) }) + '\n');
      res.writeHead(400).end();
      return;
    }
    fs.appendFileSync(out, JSON.stringify({
      path: req.url,
      contentType: req.headers['content-type'] || '',
      contentEncoding: req.headers['content-encoding'] || '',
      headers: req.headers,
      request: decoded,
    }) + '\n');
    const reply = svc[1].encode(svc[1].create({})).finish();
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
    res.end(Buffer.from(reply));
  });
}

const tlsCert = arg('--tls-cert');
const clientCa = arg('--client-ca');
const server = tlsCert
  ? https.createServer({
    cert: fs.readFileSync(tlsCert),
    key: fs.readFileSync(arg('--tls-key')),
    ca: clientCa ? fs.readFileSync(clientCa) : undefined,
    requestCert: Boolean(clientCa),
    rejectUnauthorized: Boolean(clientCa),
  }, handler)
  : http.createServer(handler);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
