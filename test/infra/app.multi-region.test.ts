// The multi-region command: two regions, a custom domain with failover, alarm emails.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../lambdas/adapters/dynamodb/tables';
import type { SwitchboardApp } from '../../lib/app';
import { allPolicyActions, MULTI_REGION_CONTEXT, synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

let sb: SwitchboardApp;
let state: Template;
let east: Template;
let west: Template;

beforeAll(() => {
  sb = synthApp(MULTI_REGION_CONTEXT);
  state = template(sb.state);
  [east, west] = sb.services.map((s) => template(s)) as [Template, Template];
}, SYNTH_TIMEOUT_MS);

describe('stacks', () => {
  it('puts state in the primary region and a service stack in each region, named after the deployment', () => {
    expect([sb.state, ...sb.services].map((s) => `${s.stackName}@${s.region}`)).toEqual([
      'switchboard-state-us-east-1@us-east-1',
      'switchboard-service-us-east-1@us-east-1',
      'switchboard-service-eu-west-1@eu-west-1',
    ]);
  });

  it('deploys state first', () => {
    for (const s of sb.services) expect(s.dependencies).toContain(sb.state);
  });
});

describe('global tables', () => {
  it('replicates every table to eu-west-1 with PITR and deletion protection, TTL where defined', () => {
    const tables = state.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    let withTtl = 0;
    for (const t of Object.values(tables)) {
      const replicas = t.Properties.Replicas as Array<{ Region: string; PointInTimeRecoverySpecification: unknown; DeletionProtectionEnabled: boolean }>;
      expect(replicas.map((r) => r.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
      for (const r of replicas) expect(r).toMatchObject({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true });
      if (t.Properties.TimeToLiveSpecification?.Enabled) withTtl++;
    }
    expect(withTtl).toBeGreaterThanOrEqual(3);
  });

  it('lets each region reach its own replica by name, without exports', () => {
    const statements = Object.values(west.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
    const ledgerWrites = statements.filter((s) => [s.Action].flat().includes('dynamodb:UpdateItem') && JSON.stringify(s.Resource).includes('switchboard-cost-ledger'));
    // the gateway and the lease sweep
    expect(ledgerWrites).toHaveLength(2);
    for (const w of ledgerWrites) {
      expect(JSON.stringify(w.Resource)).toMatch(/:dynamodb:eu-west-1:.*:table\/switchboard-cost-ledger/);
      expect(JSON.stringify(w.Resource)).not.toContain('us-east-1');
    }
    for (const tpl of [east, west, state]) expect(JSON.stringify(tpl.toJSON())).not.toContain('Fn::ImportValue');
  });
});

describe('secrets', () => {
  it('replicates the provider secret to eu-west-1 and rotates it from the primary', () => {
    state.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'switchboard/openai', ReplicaRegions: [{ Region: 'eu-west-1' }] });
    state.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  it('grants each region the secret replica of its own region', () => {
    west.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([':secretsmanager:eu-west-1:', ':secret:switchboard/openai-??????'])] },
          }),
        ]),
      },
    });
  });

  it('alarms on the rotation function in the primary region only', () => {
    expect(Object.keys(east.findResources('AWS::CloudWatch::Alarm')).some((id) => id.includes('SecretRotationFunctionErrors'))).toBe(true);
    expect(Object.keys(west.findResources('AWS::CloudWatch::Alarm')).some((id) => id.includes('SecretRotation'))).toBe(false);
  });
});

describe('regional custom domains', () => {
  it('gives each region a DNS-validated certificate and a TLS 1.2 regional domain mapped to the stage', () => {
    for (const tpl of [east, west]) {
      tpl.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'ai.example.com',
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: 'ai.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
      });
      tpl.hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: 'ai.example.com',
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: 'TLS_1_2',
      });
      tpl.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    }
  });
});

describe('routed DNS', () => {
  const records = (tpl: Template) => Object.values(tpl.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
  const checks = (tpl: Template) => Object.values(tpl.findResources('AWS::Route53::HealthCheck')).map((h) => h.Properties.HealthCheckConfig);

  it('routes ai.example.com PRIMARY to us-east-1 and SECONDARY to eu-west-1, each record in its own region\'s stack', () => {
    expect(records(east).map((r) => [r.Name, r.Type, r.Failover, r.SetIdentifier])).toEqual([['ai.example.com', 'A', 'PRIMARY', 'switchboard-us-east-1']]);
    expect(records(west).map((r) => [r.Name, r.Type, r.Failover, r.SetIdentifier])).toEqual([['ai.example.com', 'A', 'SECONDARY', 'switchboard-eu-west-1']]);
    for (const r of [...records(east), ...records(west)]) {
      expect(r.HealthCheckId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RoutedRecordHealth/), 'HealthCheckId'] });
      expect(r.AliasTarget.EvaluateTargetHealth).toBe(true);
    }
  });

  it("points each record at its region's domain in the same template, so a replaced domain or API updates it (no stale outputs)", () => {
    for (const tpl of [east, west]) {
      const [record] = records(tpl);
      expect(record!.AliasTarget.DNSName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Domain[0-9A-F]{8}$/), 'RegionalDomainName'] });
      expect(record!.AliasTarget.HostedZoneId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Domain[0-9A-F]{8}$/), 'RegionalHostedZoneId'] });
      expect(JSON.stringify(tpl.toJSON())).not.toContain('Fn::GetStackOutput');
    }
  });

  it("follows each region's RegionUnhealthy alarm: Route 53 itself never calls the gateway", () => {
    for (const [tpl, region] of [[east, 'us-east-1'], [west, 'eu-west-1']] as const) {
      expect(checks(tpl)).toEqual([
        { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: { Ref: expect.stringMatching(/^AlertingRegionUnhealthy/) }, Region: region }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      ]);
    }
  });

  it('has no custom resources or exports between stacks', () => {
    for (const tpl of [east, west]) expect(JSON.stringify(tpl.toJSON())).not.toMatch(/Custom::|ExportsWriter|ExportsReader|Fn::ImportValue/);
  });
});

describe('alerting in every region', () => {
  it('subscribes ops@example.com to each region alarm topic', () => {
    for (const tpl of [east, west]) tpl.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has at least four alarms per region, all with actions, and a dashboard', () => {
    for (const tpl of [east, west]) {
      const alarms = Object.values(tpl.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBeGreaterThanOrEqual(4);
      for (const a of alarms) expect(a.Properties.AlarmActions?.length).toBeGreaterThan(0);
      tpl.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    }
  });
});

describe('IAM', () => {
  it('names every action in every stack: no wildcard', () => {
    for (const stack of [sb.state, ...sb.services]) {
      expect(allPolicyActions(template(stack)).filter((a) => a.includes('*')), stack.stackName).toEqual([]);
    }
  });
});

describe('region-owned items', () => {
  const functions = (t: Template) => Object.values(t.findResources('AWS::Lambda::Function'));
  const sweepers = (t: Template) => functions(t).filter((f) => f.Properties.Environment?.Variables?.SWEEP_LEASES === 'true');
  const gateway = (t: Template) => functions(t).find((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'switchboard-gateway')!;

  it('sweeps budget leases in every region, each with the ledger and tenants tables it reads and writes', () => {
    for (const tpl of [east, west]) {
      expect(sweepers(tpl)).toHaveLength(1);
      const env = sweepers(tpl)[0]!.Properties.Environment.Variables;
      expect(env[TABLES.costLedger.envVar]).toBeDefined();
      expect(env[TABLES.tenants.envVar]).toBeDefined();
    }
  });

  it("tells the gateway and the sweep of each region the deployment's regions, the primary first", () => {
    for (const tpl of [east, west]) {
      expect(gateway(tpl).Properties.Environment.Variables.REGIONS).toBe('us-east-1,eu-west-1');
      expect(sweepers(tpl)[0]!.Properties.Environment.Variables.REGIONS).toBe('us-east-1,eu-west-1');
    }
  });
});
