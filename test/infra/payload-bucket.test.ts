// The payload bucket construct (KMS, TLS only, no public access, lifecycle expiry, optional Object Lock,
// cdk-nag clean) on its own, and in the app: the state stack holds it, the ledger table has the ByRequest
// index, the gateway function may write and read payloads/* of it and Query that index, and the API has the
// request history routes on both the key and the IAM paths.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_BY_REQUEST_INDEX, TABLES } from '../../lambdas/adapters/dynamodb/tables';
import type { SwitchboardApp } from '../../lib/app';
import { grantPayloads, PayloadBucket, payloadBucketName } from '../../lib/constructs/payload-bucket';
import { synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

function bucketStack(props: Partial<ConstructorParameters<typeof PayloadBucket>[2]> = {}): { stack: Stack; tpl: Template } {
  const stack = new Stack(new App(), 'T', { env: { account: '111122223333', region: 'eu-west-1' } });
  new PayloadBucket(stack, 'Payloads', { bucketName: 'sb-payloads-111122223333-eu-west-1', ...props });
  return { stack, tpl: Template.fromStack(stack) };
}

describe('PayloadBucket', () => {
  it('is KMS-encrypted with a bucket key, private, owner-enforced, and expires payloads after 30 days by default', () => {
    const { tpl } = bucketStack();
    tpl.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'sb-payloads-111122223333-eu-west-1',
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'payloads/', ExpirationInDays: 30, Status: 'Enabled' })]) },
    });
    // no Object Lock, no versioning unless asked
    const bucket = Object.values(tpl.findResources('AWS::S3::Bucket'))[0]!;
    expect(bucket.Properties.ObjectLockEnabled ?? false).toBe(false);
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    // retained on stack deletion by default
    expect(bucket.DeletionPolicy).toBe('Retain');
    // no customer-managed key: nothing billed while idle
    tpl.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('refuses plain HTTP in its bucket policy', () => {
    const { tpl } = bucketStack();
    tpl.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('takes the expiry in days, and Object Lock (compliance or governance) with versioning', () => {
    const { tpl } = bucketStack({ expirationDays: 400, objectLock: { mode: 'compliance', days: 365 } });
    tpl.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 1 } })]) },
    });
    const governance = bucketStack({ objectLock: { mode: 'governance', days: 7 } }).tpl;
    governance.hasResourceProperties('AWS::S3::Bucket', { ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } } });
  });

  it('refuses a lock longer than the expiry, and an expiry below a day', () => {
    expect(() => bucketStack({ expirationDays: 30, objectLock: { mode: 'governance', days: 31 } })).toThrow(/Object Lock days/);
    expect(() => bucketStack({ expirationDays: 0 })).toThrow(/expiry/);
  });

  it('passes cdk-nag AwsSolutions, the one acknowledgement (access logs) with its reason', () => {
    const { stack } = bucketStack({ objectLock: { mode: 'governance', days: 7 } });
    const found = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(found).toEqual([]);
  });

  it('grants a function PutObject and GetObject on payloads/* only, and names the bucket and its region', () => {
    const stack = new Stack(new App(), 'F', { env: { account: '111122223333', region: 'eu-west-1' } });
    const fn = new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>{}') });
    grantPayloads(fn, 'sb-payloads-111122223333-us-east-1', 'us-east-1');
    const tpl = Template.fromStack(stack);
    tpl.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { PAYLOAD_BUCKET: 'sb-payloads-111122223333-us-east-1', PAYLOAD_BUCKET_REGION: 'us-east-1' } } });
    const statements = Object.values(tpl.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::sb-payloads-111122223333-us-east-1/payloads/*']] } }]);
  });

  it("acknowledges its grant in cdk-nag's own words, with the partition a reference or (cdk.json's enablePartitionLiterals, a named region) a literal", () => {
    for (const [context, region] of [[{}, undefined], [{ '@aws-cdk/core:enablePartitionLiterals': true }, 'us-east-1']] as const) {
      const stack = new Stack(new App({ context }), 'G', { env: region ? { region } : {} });
      const fn = new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>{}') });
      grantPayloads(fn, payloadBucketName('switchboard', stack.account, region ?? stack.region), region ?? stack.region);
      const found = new AwsSolutionsChecks().validateScope(stack).violations.filter((v) => v.ruleName.includes('IAM5'));
      expect(found, JSON.stringify(context)).toEqual([]);
    }
  });

  it('names the bucket per deployment, account and region', () => {
    expect(payloadBucketName('switchboard', '111122223333', 'us-east-1')).toBe('switchboard-payloads-111122223333-us-east-1');
  });
});

describe('in the app (single region, no context)', () => {
  let sb: SwitchboardApp;
  let state: Template;
  let service: Template;
  beforeAll(() => {
    delete process.env.CDK_DEFAULT_REGION;
    sb = synthApp({ payloadRetentionDays: '90', payloadObjectLock: 'governance', payloadObjectLockDays: '30' });
    state = template(sb.state);
    service = template(sb.services[0]!);
  }, SYNTH_TIMEOUT_MS);

  it('the state stack holds the payload bucket with the deploy settings, and the ledger table its ByRequest index', () => {
    state.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['switchboard-payloads-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) },
    });
    state.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'switchboard-cost-ledger',
      GlobalSecondaryIndexes: [{ IndexName: LEDGER_BY_REQUEST_INDEX.name, KeySchema: [{ AttributeName: 'rq', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'rq', AttributeType: 'S' }]),
    });
    // the other tables have no index
    for (const def of Object.values(TABLES).filter((t) => !('indexes' in t))) {
      const table = Object.values(state.findResources('AWS::DynamoDB::GlobalTable')).find((t) => t.Properties.TableName === def.localName)!;
      expect(table.Properties.GlobalSecondaryIndexes, def.localName).toBeUndefined();
    }
  });

  it('the gateway function names the bucket, may use payloads/* of it, and may Query the ByRequest index', () => {
    const gateway = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    expect(gateway.Properties.Environment.Variables.PAYLOAD_BUCKET).toEqual({ 'Fn::Join': ['', ['switchboard-payloads-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] });
    const statements = Object.values(service.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>);
    const json = JSON.stringify(statements);
    expect(json).toContain('"Action":["s3:PutObject","s3:GetObject"]');
    expect(json).toContain(`:table/switchboard-cost-ledger/index/${LEDGER_BY_REQUEST_INDEX.name}`);
    // nothing wider on S3
    expect(json).not.toMatch(/"s3:\*"|s3:DeleteObject|s3:ListBucket/);
  });

  it('the API routes GET /v1/requests and /v1/requests/{id} (and under /iam/v1)', () => {
    const resources = Object.values(service.findResources('AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart as string);
    expect(resources.filter((p) => p === 'requests')).toHaveLength(2);
    const methods = Object.values(service.findResources('AWS::ApiGateway::Method')).filter((m) => m.Properties.HttpMethod === 'GET');
    expect(methods.length).toBeGreaterThanOrEqual(4);
  });
});
