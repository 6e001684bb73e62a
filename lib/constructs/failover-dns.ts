// FailoverDns: the shared name's Route 53 records across regions, each guarded by a health check on the
// region's GET /health. `failover`: PRIMARY (first region) and SECONDARY (second); `latency`: every region,
// nearest healthy one answers.
import { CfnHealthCheck, CfnRecordSet } from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface RegionEndpoint {
  readonly region: string;
  /** the regional custom domain's target (d-….execute-api.<region>.amazonaws.com) and its hosted zone */
  readonly aliasDomainName: string;
  readonly aliasHostedZoneId: string;
  /** the API's execute-api host and stage, where Route 53 probes /health (its certificate matches that host) */
  readonly healthCheckHost: string;
  readonly healthCheckPath: string;
}

export interface FailoverDnsProps {
  readonly domainName: string;
  readonly hostedZoneId: string;
  /** in priority order: the first is PRIMARY */
  readonly endpoints: readonly RegionEndpoint[];
  /** @default 'failover' */
  readonly routing?: 'failover' | 'latency';
  /** failed probes in a row before a region counts as down (probes run every 10 s) @default 3 */
  readonly failureThreshold?: number;
}

export class FailoverDns extends Construct {
  readonly healthChecks: Record<string, CfnHealthCheck> = {};
  readonly records: CfnRecordSet[] = [];

  constructor(scope: Construct, id: string, props: FailoverDnsProps) {
    super(scope, id);
    const routing = props.routing ?? 'failover';
    if (props.endpoints.length < 2) throw new Error('FailoverDns needs two or more regions');
    // Route 53 failover has exactly one PRIMARY and one SECONDARY; further regions serve latency routing only
    const routed = routing === 'failover' ? props.endpoints.slice(0, 2) : props.endpoints;

    routed.forEach((endpoint, i) => {
      const healthCheck = new CfnHealthCheck(this, `Health-${endpoint.region}`, {
        healthCheckConfig: {
          type: 'HTTPS',
          fullyQualifiedDomainName: endpoint.healthCheckHost,
          resourcePath: endpoint.healthCheckPath,
          port: 443,
          enableSni: true,
          // 10 s probes (a billed option) put failover at about 30 s instead of 90 s
          requestInterval: 10,
          failureThreshold: props.failureThreshold ?? 3,
        },
        healthCheckTags: [{ key: 'Name', value: `switchboard ${endpoint.region} /health` }],
      });
      this.healthChecks[endpoint.region] = healthCheck;
      const routingProps =
        routing === 'failover' ? { failover: i === 0 ? 'PRIMARY' : 'SECONDARY' } : { region: endpoint.region };
      this.records.push(
        new CfnRecordSet(this, `Record-${endpoint.region}`, {
          hostedZoneId: props.hostedZoneId,
          name: props.domainName,
          type: 'A',
          setIdentifier: `switchboard-${endpoint.region}`,
          healthCheckId: healthCheck.attrHealthCheckId,
          aliasTarget: {
            dnsName: endpoint.aliasDomainName,
            hostedZoneId: endpoint.aliasHostedZoneId,
            evaluateTargetHealth: true,
          },
          ...routingProps,
        }),
      );
    });
  }
}
