// The batch resources of a deployment whose gateway config enables batches: three priority queues with a
// dead-letter queue (redrive) and its alarm, the files bucket (KMS, TLS only, lifecycle), the worker function fed
// through event source mappings bounded by maxConcurrency (never reserved concurrency), least-privilege grants,
// and a cdk-nag gate. A deployment that does not enable batches has none of it (its idle cost is unchanged).
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SwitchboardApp } from '../../lib/app';
import { synthApp, SYNTH_TIMEOUT_MS, template } from './synth';
import { loadDeployedGatewayConfig } from '../../lib/config/gateway-config';
import { idleCost, type StackTemplate } from '../../lib/cost/estimate';

function idleOf(app: SwitchboardApp) {
  const templates: StackTemplate[] = [app.state, ...app.services].map((s) => ({ region: s.region.startsWith('${Token') ? '' : s.region, template: template(s).toJSON() as StackTemplate['template'] }));
  return idleCost(templates, loadDeployedGatewayConfig(app.settings.gatewayConfig, app.names).config);
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let sb: SwitchboardApp;
let tpl: Template;
let resources: Resources;
beforeAll(() => {
  delete process.env.CDK_DEFAULT_REGION;
  sb = synthApp({ gatewayConfig: 'test/fixtures/batches.gateway.config.json' });
  tpl = template(sb.services[0]!);
  resources = tpl.toJSON().Resources as Resources;
}, SYNTH_TIMEOUT_MS);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalIdOf = (type: string, match: (r: { Properties: Record<string, unknown> }) => boolean) => ofType(type).find(([, r]) => match(r))![0];

describe('batch resources', () => {
  it('has three encrypted priority queues that redrive to one dead-letter queue after 5 receives', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const withRedrive = queues.filter(([, q]) => q.Properties.RedrivePolicy);
    expect(withRedrive).toHaveLength(3);
    const dlq = queues.find(([, q]) => !q.Properties.RedrivePolicy)![0];
    for (const [, q] of withRedrive) {
      expect(q.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 });
      // at least the worker's 15 minutes: SQS refuses an event source whose function may outlive the visibility timeout
      expect(q.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(900);
    }
    // every queue refuses requests without TLS
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies.length).toBe(4);
    for (const [, p] of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('alarms on the dead-letter queue depth, to the alarm topic', () => {
    const dlq = ofType('AWS::SQS::Queue').find(([, q]) => !q.Properties.RedrivePolicy)![0];
    tpl.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('AlertingTopic') })],
    });
  });

  it('keeps files in a KMS-encrypted, TLS-only, private bucket whose objects expire', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets).toHaveLength(1);
    const [id, bucket] = buckets[0]!;
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' }));
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket).includes(id))![1];
    expect(policy.Properties.PolicyDocument).toMatchObject({ Statement: [expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] });
  });

  it('feeds the worker through one event source mapping per queue, bounded by maxConcurrency, not reserved concurrency', () => {
    const worker = logicalIdOf('AWS::Lambda::Function', (r) => String(r.Properties.Description).includes('batch worker'));
    const fn = resources[worker]!.Properties;
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.Timeout).toBe(900);
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [, m] of mappings) {
      expect(m.Properties.FunctionName).toEqual({ Ref: worker });
      expect(m.Properties.BatchSize).toBe(1);
      expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect((m.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeGreaterThanOrEqual(2);
    }
    expect(mappings.map(([, m]) => (m.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).sort()).toEqual([4, 4, 8]);
  });

  it('grants the worker and the gateway only what batches need: send to the three queues, get/put/delete under files/ and work/', () => {
    const worker = logicalIdOf('AWS::Lambda::Function', (r) => String(r.Properties.Description).includes('batch worker'));
    const gateway = logicalIdOf('AWS::Lambda::Function', (r) => String(r.Properties.Description).startsWith('Switchboard gateway'));
    for (const fnId of [worker, gateway]) {
      const role = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = ofType('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement);
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions).not.toContain('*');
      // (the gateway's payload-logging grant, on payloads/* of its own bucket, is test/infra/payload-bucket.test.ts's)
      expect([...new Set(actions.filter((a) => a.startsWith('s3:')))].sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
      const s3 = statements.find((s) => JSON.stringify(s.Action).includes('s3:DeleteObject'))!;
      expect(JSON.stringify(s3.Resource)).toMatch(/\/files\/\*.*\/work\/\*/);
      const send = statements.find((s) => JSON.stringify(s.Action).includes('sqs:SendMessage'))!;
      expect((send.Resource as unknown[]).length).toBe(3);
      const env = (resources[fnId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const v of ['BATCH_QUEUE_HIGH_URL', 'BATCH_QUEUE_NORMAL_URL', 'BATCH_QUEUE_LOW_URL', 'BATCH_BUCKET', 'BATCHES_TABLE']) expect(env[v], v).toBeDefined();
    }
    // only the worker receives (through its event source mappings)
    const workerRole = (resources[worker]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const receivers = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('sqs:ReceiveMessage'));
    expect(receivers.every(([, p]) => JSON.stringify(p.Properties.Roles).includes(workerRole))).toBe(true);
  });

  it('sweeps overdue batches hourly through the worker (a scheduled rule with its own event)', () => {
    const worker = logicalIdOf('AWS::Lambda::Function', (r) => String(r.Properties.Description).includes('batch worker'));
    tpl.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [worker, 'Arn'] }, Input: JSON.stringify({ sweep: 'overdue-batches' }) })],
    });
  });

  it('shows queue depth, lines per minute and batch failures on the dashboard', () => {
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const title of ['Batch queue depth', 'Batch lines per minute', 'Batches finished, by status']) expect(body).toContain(title);
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(body).toContain('BatchLines');
    expect(body).toContain('BatchesFinished');
  });

  it('passes cdk-nag (AwsSolutions, Serverless) with nothing unacknowledged', () => {
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack.validateScope(sb.app).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });

  it('adds nothing to a deployment that does not enable batches; enabled, $0.89 a month idle (the DLQ alarm, the queues\' polling)', () => {
    const plainApp = synthApp();
    const plain = template(plainApp.services[0]!).toJSON().Resources as Resources;
    expect(Object.values(plain).filter((r) => ['AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::Lambda::EventSourceMapping'].includes(r.Type))).toEqual([]);
    const [without, withBatches] = [idleOf(plainApp), idleOf(sb)];
    expect(without.usd.toFixed(2)).toBe('5.93');
    expect((withBatches.usd - without.usd).toFixed(4)).toBe('0.8884');
    const polling = withBatches.regions.flatMap((r) => r.lines).find((l) => l.item === 'SQS polling of idle batch queues')!;
    expect(polling).toMatchObject({ usd: 0.7884, arithmetic: '3 event source mappings × 657,000 long polls × $0.4/M' });
  });
});
