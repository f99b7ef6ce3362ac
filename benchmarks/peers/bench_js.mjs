// AWS SDK for JavaScript v3 peer for awsmp-bench-flush: same 25-record BatchMeterUsage
// requests, same concurrency, same emulator; prints one JSON line of results.
// Run with NODE_PATH=<build>/node/node_modules and NODE_EXTRA_CA_CERTS=<emulator CA>.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import https from "node:https";
import fs from "node:fs";

const require = createRequire(import.meta.url);
const { MarketplaceMeteringClient, BatchMeterUsageCommand } = require("@aws-sdk/client-marketplace-metering");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const endpoint = arg("endpoint");
const caFile = arg("ca-file");
const requests = Number(arg("requests", "400"));
const concurrency = Number(arg("concurrency", "8"));
const customers = Number(arg("customers", "10000"));
const productCode = arg("product-code", "prod-demo");
const prefix = arg("customer-prefix", "customer-");
const width = Number(arg("customer-digits", "6"));

const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: fs.readFileSync(caFile) });
const client = new MarketplaceMeteringClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: arg("access-key", "AKIDEXAMPLE"),
                 secretAccessKey: arg("secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") },
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
});

const now = new Date(Math.floor(Date.now() / 60000) * 60000);
const work = [];
for (let b = 0; b < requests; ++b) {
  const records = [];
  for (let r = 0; r < 25; ++r) {
    const i = b * 25 + r;
    records.push({ CustomerIdentifier: prefix + String(i % customers + 1).padStart(width, "0"),
                   Dimension: "tokens_1m", Quantity: 1 + (i % 1000), Timestamp: now });
  }
  work.push(records);
}

await client.send(new BatchMeterUsageCommand({ ProductCode: productCode, UsageRecords: work[0] }));
const latencies = [];
let failures = 0;
let next = 0;
async function worker() {
  while (next < work.length) {
    const records = work[next++];
    const t0 = performance.now();
    try {
      const out = await client.send(new BatchMeterUsageCommand({ ProductCode: productCode, UsageRecords: records }));
      if ((out.Results ?? []).length !== records.length) ++failures;
    } catch (e) {
      console.error(`js request failed: ${e}`);
      ++failures;
    }
    latencies.push(performance.now() - t0);
  }
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const n = latencies.length;
const pkg = require("@aws-sdk/client-marketplace-metering/package.json");
console.log(JSON.stringify({
  client: `aws-sdk-js-v3 ${pkg.version}`, requests: n, failures, concurrency, seconds: wall,
  requests_per_s: n / wall, records_per_s: 25 * n / wall,
  cpu_us_per_request: (cpu.user + cpu.system) / n,
  p50_ms: latencies[Math.floor(n / 2)], p99_ms: latencies[Math.min(n - 1, Math.floor(n * 99 / 100))],
  peak_rss_kb: Math.round(process.resourceUsage().maxRSS),
}));
agent.destroy();
process.exit(failures ? 1 : 0);
