// AWS SDK for JavaScript v3 peer of awsmp-bench-dynamodb: the same PutItem + GetItem pairs,
// sequential, keep-alive, same item; prints one JSON line with this process's CPU per call.
// Run with NODE_PATH=<build>/node/node_modules.
import { createRequire } from "node:module";
import http from "node:http";

const require = createRequire(import.meta.url);
const { DynamoDBClient, PutItemCommand, GetItemCommand } = require("@aws-sdk/client-dynamodb");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const endpoint = arg("endpoint");
const calls = Number(arg("calls", "2000"));
const table = arg("table", "bench");

// Counts the TCP connections the agent opens (the awsmp bench reports its own).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let connectionsOpened = 0;
const createConnection = agent.createConnection.bind(agent);
agent.createConnection = (...args) => {
  ++connectionsOpened;
  return createConnection(...args);
};

const client = new DynamoDBClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" },
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({ httpAgent: agent }),
});

function item(i) {
  return {
    pk: { S: `customer-${i % 1000}` }, sk: { N: String(i) }, dimension: { S: "tokens_1m" },
    quantity: { N: String(1000 + i) }, hour: { N: String(1764000000 + 3600 * (i % 24)) },
    instance: { S: "instance-a" }, sealed: { BOOL: false },
    license_arn: { S: "arn:aws:license-manager::123456789012:license:l-0123456789abcdef" },
    account: { S: "123456789012" }, tags: { SS: ["a", "b"] },
  };
}

for (let i = 0; i < 20; ++i) await client.send(new PutItemCommand({ TableName: table, Item: item(i) }));
let missing = 0;
const cpu0 = process.cpuUsage();
const wall0 = process.hrtime.bigint();
for (let i = 0; i < calls; ++i) {
  await client.send(new PutItemCommand({ TableName: table, Item: item(i) }));
  const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `customer-${i % 1000}` }, sk: { N: String(i) } } }));
  if (!got.Item) ++missing;
}
const cpu = process.cpuUsage(cpu0);
const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ client: "aws-sdk-js-v3", calls: 2 * calls, cpu_s: cpuS, cpu_us_per_call: (cpuS * 1e6) / (2 * calls), wall_s: wall, missing, connections_opened: connectionsOpened }));
process.exit(missing === 0 ? 0 : 1);
