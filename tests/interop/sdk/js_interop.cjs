// AWS SDK for JavaScript v3 (its own serialisers, SigV4 signer and error deserialisers) against
// awsmp-emulator. Run by js_interop_runner.py, which starts the emulator and sets
// NODE_EXTRA_CA_CERTS (the emulator's CA) and NODE_PATH (build/node/node_modules).
// Usage: node js_interop.cjs <endpoint> <access key> <secret key> <product>
'use strict';
const metering = require('@aws-sdk/client-marketplace-metering');
const entitlement = require('@aws-sdk/client-marketplace-entitlement-service');

const [endpoint, accessKeyId, secretAccessKey, product] = process.argv.slice(2);
const failures = [];
function check(name, condition, detail) {
  console.log((condition ? 'ok   ' : 'FAIL ') + name + (!condition && detail !== undefined ? ': ' + JSON.stringify(detail) : ''));
  if (!condition) failures.push(name);
}
async function expectError(name, cls, fn) {
  try {
    await fn();
    check(name, false, 'no error');
  } catch (e) {
    const ok = typeof cls === 'string' ? e.name === cls : e instanceof cls;
    check(name, ok, { name: e.name, message: e.message });
    check(name + ' has a request id', !!(e.$metadata && e.$metadata.requestId), e.$metadata);
    return e.$metadata && e.$metadata.httpStatusCode;
  }
}

async function main() {
  const config = { endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey } };
  const m = new metering.MarketplaceMeteringClient(config);
  const ent = new entitlement.MarketplaceEntitlementServiceClient(config);
  const now = new Date();

  const r = await m.send(new metering.ResolveCustomerCommand({ RegistrationToken: 'token-0001' }));
  check('ResolveCustomer ids', r.CustomerIdentifier === 'customer-0001' && r.ProductCode === product &&
        r.CustomerAWSAccountId === '100000000001' && r.LicenseArn.endsWith('l-0001'), r);
  await expectError('ResolveCustomer InvalidTokenException', metering.InvalidTokenException,
                    () => m.send(new metering.ResolveCustomerCommand({ RegistrationToken: 'token-4242' })));

  const records = [
    { CustomerIdentifier: 'customer-0001', Dimension: 'tokens_1m', Quantity: 7, Timestamp: now },
    { CustomerIdentifier: 'customer-0002', Dimension: 'requests', Quantity: 3, Timestamp: now,
      UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'k', Value: 'v' }] }, { AllocatedUsageQuantity: 2 }] },
  ];
  const b1 = await m.send(new metering.BatchMeterUsageCommand({ ProductCode: product, UsageRecords: records }));
  check('BatchMeterUsage success', b1.Results.map((x) => x.Status).join() === 'Success,Success', b1.Results);
  check('BatchMeterUsage timestamps round-trip', b1.Results[0].UsageRecord.Timestamp instanceof Date &&
        Math.floor(b1.Results[0].UsageRecord.Timestamp.getTime() / 1000) === Math.floor(now.getTime() / 1000),
        b1.Results[0].UsageRecord);
  const b2 = await m.send(new metering.BatchMeterUsageCommand({ ProductCode: product, UsageRecords: records }));
  check('BatchMeterUsage resend keeps ids', b2.Results.map((x) => x.MeteringRecordId).join() === b1.Results.map((x) => x.MeteringRecordId).join());
  const b3 = await m.send(new metering.BatchMeterUsageCommand({ ProductCode: product, UsageRecords: [{ ...records[0], Quantity: 8 }] }));
  check('BatchMeterUsage DuplicateRecord', b3.Results[0].Status === 'DuplicateRecord', b3.Results);

  const status = await expectError('BatchMeterUsage InvalidProductCodeException', metering.InvalidProductCodeException,
                                   () => m.send(new metering.BatchMeterUsageCommand({ ProductCode: 'prod-nope', UsageRecords: records })));
  check('InvalidProductCodeException is HTTP 400', status === 400, status);
  await expectError('BatchMeterUsage InvalidUsageAllocationsException', metering.InvalidUsageAllocationsException,
                    () => m.send(new metering.BatchMeterUsageCommand({ ProductCode: product, UsageRecords: [{ ...records[1], Quantity: 4 }] })));
  await expectError('BatchMeterUsage TimestampOutOfBoundsException', metering.TimestampOutOfBoundsException,
                    () => m.send(new metering.BatchMeterUsageCommand({ ProductCode: product,
                      UsageRecords: [{ ...records[0], Timestamp: new Date(now.getTime() - 7 * 3600 * 1000) }] })));

  const mu = await m.send(new metering.MeterUsageCommand({ ProductCode: product, UsageDimension: 'requests', UsageQuantity: 2, Timestamp: now, ClientToken: 'js-token-1' }));
  check('MeterUsage id', !!mu.MeteringRecordId, mu);
  const again = await m.send(new metering.MeterUsageCommand({ ProductCode: product, UsageDimension: 'requests', UsageQuantity: 2, Timestamp: now, ClientToken: 'js-token-1' }));
  check('MeterUsage ClientToken idempotency', again.MeteringRecordId === mu.MeteringRecordId, again);
  await expectError('MeterUsage IdempotencyConflictException', metering.IdempotencyConflictException,
                    () => m.send(new metering.MeterUsageCommand({ ProductCode: product, UsageDimension: 'requests', UsageQuantity: 5, Timestamp: now, ClientToken: 'js-token-1' })));
  await expectError('MeterUsage DryRunOperation', 'DryRunOperation',
                    () => m.send(new metering.MeterUsageCommand({ ProductCode: product, UsageDimension: 'tokens_1m', UsageQuantity: 1, Timestamp: now, DryRun: true })));

  const items = [];
  let pages = 0;
  for await (const page of entitlement.paginateGetEntitlements({ client: ent, pageSize: 2 }, { ProductCode: product })) {
    pages += 1;
    items.push(...page.Entitlements);
  }
  check('GetEntitlements pages', pages === 2 && items.length === 4, { pages, n: items.length });
  check('GetEntitlements values', items.every((e) => e.Value && e.Value.IntegerValue === 1), items[0]);
  const filtered = await ent.send(new entitlement.GetEntitlementsCommand({ ProductCode: product, Filter: { CUSTOMER_IDENTIFIER: ['customer-0002'] } }));
  check('GetEntitlements filter', filtered.Entitlements.length === 2 && filtered.Entitlements.every((e) => e.CustomerIdentifier === 'customer-0002'), filtered);
  await expectError('GetEntitlements InvalidParameterException', entitlement.InvalidParameterException,
                    () => ent.send(new entitlement.GetEntitlementsCommand({ ProductCode: product, NextToken: 'forged' })));

  const wrong = new metering.MarketplaceMeteringClient({ ...config, credentials: { accessKeyId, secretAccessKey: 'wrong' } });
  const sigStatus = await expectError('wrong secret', 'InvalidSignatureException',
                                      () => wrong.send(new metering.ResolveCustomerCommand({ RegistrationToken: 'token-0001' })));
  check('wrong secret is HTTP 403', sigStatus === 403, sigStatus);

  console.log('js interop: ' + failures.length + ' failure(s)');
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.log('FAIL unexpected: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
});
