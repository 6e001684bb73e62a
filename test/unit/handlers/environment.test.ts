import { describe, expect, it } from 'vitest';
import { gatewayEnvironment, regionScopeOf } from '../../../lambdas/handlers/environment';

describe('gatewayEnvironment: regions', () => {
  it('is one region, AWS_REGION (local by default), when REGIONS is unset', () => {
    expect(regionScopeOf(gatewayEnvironment.parse({}))).toEqual({ own: 'local', all: ['local'] });
    expect(regionScopeOf(gatewayEnvironment.parse({ AWS_REGION: 'eu-west-1' }))).toEqual({ own: 'eu-west-1', all: ['eu-west-1'] });
  });

  it("takes REGIONS as the deployment's regions, the primary first", () => {
    expect(regionScopeOf(gatewayEnvironment.parse({ AWS_REGION: 'eu-west-1', REGIONS: 'us-east-1,eu-west-1' }))).toEqual({ own: 'eu-west-1', all: ['us-east-1', 'eu-west-1'] });
  });

  it('refuses REGIONS that is not a comma list, lists a region twice, or leaves out AWS_REGION', () => {
    const problems = (env: Record<string, string>) => gatewayEnvironment.safeParse(env).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ AWS_REGION: 'us-east-1', REGIONS: 'us-east-1, eu-west-1' })).toEqual(['REGIONS: a comma list of regions such as us-east-1,eu-west-1']);
    expect(problems({ AWS_REGION: 'us-east-1', REGIONS: 'us-east-1,us-east-1' })).toEqual(['REGIONS: REGIONS lists a region twice']);
    expect(problems({ AWS_REGION: 'ap-south-1', REGIONS: 'us-east-1,eu-west-1' })).toEqual(['REGIONS: REGIONS must include AWS_REGION']);
  });
});
