// RegionalDomain: the custom domain of one region's API: an ACM certificate validated through the hosted
// zone, a regional API Gateway domain name mapped to the stage, and (single region) the DNS record itself.
// With several regions the shared name's records are routed (failover or latency) by the global DNS stack.
import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import { BasePathMapping, DomainName, EndpointType, SecurityPolicy, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface RegionalDomainProps {
  readonly api: RestApi;
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /**
   * Create the A record of domainName here. Off when several regions share the name: the global DNS stack
   * then owns the routed records.
   * @default true
   */
  readonly createRecord?: boolean;
}

export class RegionalDomain extends Construct {
  readonly domain: DomainName;

  constructor(scope: Construct, id: string, props: RegionalDomainProps) {
    super(scope, id);
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.hostedZoneId, zoneName: props.hostedZoneName });
    const certificate = new Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: CertificateValidation.fromDns(zone),
    });
    this.domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    // the API at the root of the domain: https://ai.example.com/v1/chat/completions
    new BasePathMapping(this, 'Mapping', { domainName: this.domain, restApi: props.api, stage: props.api.deploymentStage });
    if (props.createRecord ?? true) {
      new ARecord(this, 'Record', { zone, recordName: props.domainName, target: RecordTarget.fromAlias(new ApiGatewayDomain(this.domain)) });
    }
  }
}
