// The global DNS stack (deployed in the primary region; Route 53 is global): the shared name's routed
// records and their /health checks, pointing at each region's custom domain.
import { CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FailoverDns, type FailoverDnsProps } from '../constructs/failover-dns';

export type GlobalDnsStackProps = StackProps & FailoverDnsProps;

export class GlobalDnsStack extends Stack {
  readonly dns: FailoverDns;

  constructor(scope: Construct, id: string, props: GlobalDnsStackProps) {
    super(scope, id, props);
    // Weak references (Fn::GetStackOutput) read each region's custom-domain target: no exports to lock a
    // service stack and no cross-region custom resources, so a region can be replaced or torn down alone.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    this.dns = new FailoverDns(this, 'Dns', props);
  }
}
