// Runs s3rver in its own process, because its ListObjectsV2 continuation tokens use the DES cipher, which Node 17+
// only offers with --openssl-legacy-provider (a process-start flag the test process cannot turn on for itself).
// Protocol on stdout, one JSON object per line: {"ready": {"port": N}} once listening, then {"event": <S3 notification>}
// for every object write, which the local event bus turns into EventBridge "Object Created" events.
'use strict';
const S3rver = require('s3rver');

const { directory, buckets } = JSON.parse(process.argv[2]);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.on('event', (event) => process.stdout.write(JSON.stringify({ event }) + '\n'));
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ ready: { port: address.port } }) + '\n'),
  (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
// the parent holds our stdin open; when it goes away (even killed), so do we
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
