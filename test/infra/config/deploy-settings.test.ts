import { describe, expect, it } from 'vitest';
import { DeploySettingsError, parseDeploySettings } from '../../../lib/config/deploy-settings';

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseDeploySettings(raw);
  } catch (err) {
    if (err instanceof DeploySettingsError) return err.problems;
    throw err;
  }
  throw new Error('expected the settings to be rejected');
}

describe('deploy settings', () => {
  it('defaults to one region from the CLI, the default deployment, retained state, the deploy config, nothing optional', () => {
    expect(parseDeploySettings({})).toEqual({
      regions: [],
      alarmEmails: [],
      name: 'switchboard',
      removalPolicy: 'retain',
      gatewayConfig: 'deploy/gateway.config.json',
      routing: 'failover',
      authorizerCacheTtl: 0,
      authorizerCacheHeader: 'authorization',
      gatewayMemoryMb: 512,
      traceSampleRate: 0.05,
      tenantMetrics: false,
      encryptAlarmTopic: false,
      importRetainedState: false,
      payloadRetentionDays: 30,
    });
  });

  it('takes the payload bucket settings, Object Lock days only with a mode and within the retention', () => {
    expect(parseDeploySettings({ payloadRetentionDays: '90', payloadObjectLock: 'compliance', payloadObjectLockDays: '60' })).toMatchObject({ payloadRetentionDays: 90, payloadObjectLock: 'compliance', payloadObjectLockDays: 60 });
    expect(problems({ payloadObjectLock: 'forever' })[0]).toMatch(/^payloadObjectLock:/);
    expect(problems({ payloadObjectLockDays: '10' })[0]).toMatch(/^payloadObjectLockDays: payloadObjectLockDays needs payloadObjectLock/);
    expect(problems({ payloadObjectLock: 'governance', payloadObjectLockDays: '31' })[0]).toMatch(/^payloadObjectLockDays: .*cannot pass payloadRetentionDays/);
    expect(problems({ payloadRetentionDays: '0' })[0]).toMatch(/^payloadRetentionDays:/);
  });

  it('takes a deployment name that fits every AWS name it prefixes', () => {
    expect(parseDeploySettings({ name: 'staging' }).name).toBe('staging');
    expect(problems({ name: 'Prod' })[0]).toMatch(/^name: 1-20 lower-case/);
    expect(problems({ name: 'a-very-long-deployment-name' })[0]).toMatch(/^name:/);
    expect(problems({ name: 'ends-' })[0]).toMatch(/^name:/);
  });

  it('reads flags given as -c key=true', () => {
    expect(parseDeploySettings({ tenantMetrics: 'true', encryptAlarmTopic: 'false', removalPolicy: 'destroy' })).toMatchObject({ tenantMetrics: true, encryptAlarmTopic: false, removalPolicy: 'destroy' });
    expect(problems({ tenantMetrics: 'yes' })[0]).toMatch(/^tenantMetrics:/);
  });

  it('caches authorizer answers only by a header that carries the key', () => {
    expect(parseDeploySettings({ authorizerCacheHeader: 'X-Api-Key' }).authorizerCacheHeader).toBe('x-api-key');
    expect(problems({ authorizerCacheTtl: '300', authorizerCacheHeader: 'x-forwarded-for' })[0]).toMatch(/^authorizerCacheHeader:/);
  });

  it('wants the Slack ids together and the Teams ids together', () => {
    expect(problems({ slackWorkspaceId: 'T0123' })).toEqual([expect.stringMatching(/^slackChannelId: slackWorkspaceId, slackChannelId go together/)]);
    expect(problems({ teamsChannelId: 'x' })).toHaveLength(2);
  });

  it('reads comma lists from -c strings and arrays from cdk.json alike', () => {
    const fromCli = parseDeploySettings({ regions: 'us-east-1, eu-west-1', alarmEmails: 'a@example.com,b@example.com' });
    const fromJson = parseDeploySettings({ regions: ['us-east-1', 'eu-west-1'], alarmEmails: ['a@example.com', 'b@example.com'] });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.regions).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('treats an empty -c value as unset', () => {
    expect(parseDeploySettings({ regions: '', domainName: '' }).regions).toEqual([]);
  });

  it('lists every problem at once, by setting', () => {
    const found = problems({ regions: 'us-east-1,mars-1,us-east-1', alarmEmails: 'ops@example.com,not-an-email', routing: 'random' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^regions\[1\]: an AWS region/),
        expect.stringMatching(/^alarmEmails\[1\]:/),
        expect.stringMatching(/^routing:/),
      ]),
    );
  });

  it('reports a region listed twice', () => {
    expect(problems({ regions: 'us-east-1,us-east-1' })).toEqual(['regions[1]: region "us-east-1" is listed twice']);
  });

  it('wants the three DNS settings together', () => {
    const found = problems({ domainName: 'ai.example.com' });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/hostedZoneId: domainName, hostedZoneId and hostedZoneName go together/);
    expect(found.join('\n')).toMatch(/hostedZoneName: /);
  });

  it('wants the domain inside the hosted zone, and not the apex with several regions', () => {
    const dns = { hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' };
    expect(problems({ ...dns, domainName: 'ai.other.org' })).toEqual(['domainName: "ai.other.org" is not inside the hosted zone "example.com"']);
    expect(problems({ ...dns, domainName: 'example.com', regions: 'us-east-1,eu-west-1' })[0]).toMatch(/not the zone apex/);
    expect(parseDeploySettings({ ...dns, domainName: 'example.com' }).domainName).toBe('example.com');
  });

  it('refuses latency routing with one region', () => {
    expect(problems({ routing: 'latency', regions: 'us-east-1' })).toEqual(['routing: latency routing needs two or more regions']);
  });

  it('coerces numbers given as strings and checks their range', () => {
    expect(parseDeploySettings({ wafRateLimit: '2000', authorizerCacheTtl: '300' })).toMatchObject({ wafRateLimit: 2000, authorizerCacheTtl: 300 });
    expect(problems({ authorizerCacheTtl: '7200' })[0]).toMatch(/^authorizerCacheTtl:/);
  });
});
