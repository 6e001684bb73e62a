// ProviderSecrets: one Secrets Manager secret per keyed provider (replicated to every region), plus the
// rotation function and schedule that rotate them. The gateway reads them by name with a short cache.
import { Duration, RemovalPolicy, SecretValue, Tags, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  UNSET_KEY_VALUE,
  type KeyKind,
  type ProviderEndpoint,
  type RotationTarget,
  type RotationTargets,
} from '../../../lambdas/adapters/secrets/key-kinds';
import { SwitchboardFunction } from '../gateway-function';

export interface KeyedProvider {
  readonly secretName: string;
  /** how the rotation function reaches the provider to test a staged key */
  readonly provider: ProviderEndpoint;
}

export interface ProviderSecretsProps {
  /** providers whose key lives in Secrets Manager */
  readonly providers: readonly KeyedProvider[];
  /**
   * Secrets issued by Switchboard itself (e.g. a key handed to a client through Secrets Manager); they
   * rotate automatically with a newly generated value.
   * @default []
   */
  readonly gatewayKeys?: readonly string[];
  /** @default [] (no replicas) */
  readonly replicaRegions?: readonly string[];
  /**
   * How often rotation runs. For provider keys it is the longest a key may live: a rotation that finds no
   * staged key fails, and the rotation alarm tells the operator the key is due.
   * @default Duration.days(90)
   */
  readonly rotationInterval?: Duration;
  /** @default Duration.days(30) */
  readonly gatewayKeyRotationInterval?: Duration;
  /** a fixed name for the rotation function, so alarms elsewhere can watch it @default - generated */
  readonly rotationFunctionName?: string;
}

export class ProviderSecrets extends Construct {
  /** secret name → secret */
  readonly secrets: Map<string, Secret> = new Map();
  /** undefined when there is no secret to rotate */
  readonly rotationFunction?: SwitchboardFunction;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    const targets: RotationTargets = {};
    for (const p of props.providers) targets[p.secretName] = { kind: 'provider-key', provider: p.provider };
    for (const name of props.gatewayKeys ?? []) targets[name] = { kind: 'gateway-key' };
    if (Object.keys(targets).length === 0) return;

    const rotation = new SwitchboardFunction(this, 'Rotation', {
      entry: 'lambdas/handlers/secret-rotation.ts',
      description: 'Rotates Switchboard secrets: promotes operator-staged provider keys after testing them, generates gateway keys',
      serviceName: 'switchboard-secret-rotation',
      // a handful of Secrets Manager calls and at most one HTTPS request per step
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: { ROTATION_TARGETS: JSON.stringify(targets) },
      functionName: props.rotationFunctionName,
    });
    this.rotationFunction = rotation;
    // the role's one Resource::* statement set also holds this grant, which CDK's RotationSchedule adds
    Validations.of(rotation.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "Besides X-Ray: CDK's RotationSchedule grants secretsmanager:GetRandomPassword, an action without resources (unused here).",
    });

    for (const [name, target] of Object.entries(targets)) {
      const secret = this.createSecret(name, target, props.replicaRegions ?? []);
      secret.addRotationSchedule('Rotation', {
        rotationLambda: rotation,
        automaticallyAfter:
          target.kind === 'gateway-key'
            ? (props.gatewayKeyRotationInterval ?? Duration.days(30))
            : (props.rotationInterval ?? Duration.days(90)),
        // a provider key has to be staged by the operator first: rotating on deploy would only fail
        rotateImmediatelyOnUpdate: target.kind === 'gateway-key',
      });
      this.secrets.set(name, secret);
    }
  }

  private createSecret(name: string, target: RotationTarget, replicaRegions: readonly string[]): Secret {
    const kind: KeyKind = target.kind;
    const secret = new Secret(this, `Secret-${name.replace(/[^A-Za-z0-9]/g, '-')}`, {
      secretName: name,
      description:
        target.kind === 'provider-key'
          ? `API key of provider "${target.provider.id}" (${target.provider.type}) for Switchboard; put the key with put-secret-value`
          : 'Switchboard-issued key, rotated automatically',
      // Provider keys start empty (`{"apiKey":""}`), which the gateway reads as "no key here": a deploy
      // never needs the key itself, and this value is no secret.
      ...(target.kind === 'provider-key'
        ? { secretStringValue: SecretValue.unsafePlainText(UNSET_KEY_VALUE) }
        : { generateSecretString: { passwordLength: 48, excludePunctuation: true } }),
      replicaRegions: replicaRegions.map((region) => ({ region })),
      // a deleted key is a provider-side secret the operator would have to fetch again: keep it
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(secret).add('switchboard:kind', kind);
    return secret;
  }
}
