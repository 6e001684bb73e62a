// ProviderSecrets: one Secrets Manager secret per keyed provider (replicated to every region), plus the
// rotation function and schedule that rotate them. The gateway reads them by name with a short cache.
import { Duration, RemovalPolicy, SecretValue, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  UNSET_KEY_VALUE,
  type KeyKind,
  type ProviderEndpoint,
  type RotationTarget,
  type RotationTargets,
} from '../../../lambdas/adapters/secrets/key-kinds';
import { SwitchboardFunction } from '../gateway-function';
import { SERVICES } from '../../config/metrics';

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
  /** @default - generated */
  readonly rotationLogGroupName?: string;
  /** @default 'Switchboard' */
  readonly metricNamespace?: string;
  /**
   * A deleted provider key is one the operator would have to fetch from the provider again: kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** the secrets alone, without rotation (a stack that only imports retained secrets) @default false */
  readonly withoutRotation?: boolean;
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
    if (props.withoutRotation) {
      for (const [name, target] of Object.entries(targets)) {
        const secret = this.createSecret(name, target, props.replicaRegions ?? [], props.removalPolicy ?? RemovalPolicy.RETAIN);
        Validations.of(secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'Synthesized only to cdk import a retained secret (an import creates nothing else); the next regular deploy adds its rotation.',
        });
        this.secrets.set(name, secret);
      }
      return;
    }

    const rotation = new SwitchboardFunction(this, 'Rotation', {
      entry: 'lambdas/handlers/secret-rotation.ts',
      description: 'Rotates Switchboard secrets: promotes operator-staged provider keys after testing them, generates gateway keys',
      serviceName: SERVICES.rotation,
      // a handful of Secrets Manager calls and at most one HTTPS request per step
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: { ROTATION_TARGETS: JSON.stringify(targets) },
      functionName: props.rotationFunctionName,
      logGroupName: props.rotationLogGroupName,
      metricNamespace: props.metricNamespace,
    });
    this.rotationFunction = rotation;
    const account = Stack.of(this).account;

    for (const [name, target] of Object.entries(targets)) {
      const secret = this.createSecret(name, target, props.replicaRegions ?? [], props.removalPolicy ?? RemovalPolicy.RETAIN);
      // Secrets Manager may invoke the function for this secret only (not for a secret of another account
      // that names this function: the confused deputy)
      const invoke = new CfnPermission(this, `InvokeFor-${logicalIdOf(name)}`, {
        action: 'lambda:InvokeFunction',
        functionName: rotation.functionArn,
        principal: 'secretsmanager.amazonaws.com',
        sourceAccount: account,
        sourceArn: secret.secretArn,
      });
      rotation.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [secret.secretArn],
        }),
      );
      const interval = target.kind === 'gateway-key' ? (props.gatewayKeyRotationInterval ?? Duration.days(30)) : (props.rotationInterval ?? Duration.days(90));
      // CfnRotationSchedule rather than secret.addRotationSchedule, whose invoke permission names no source
      const schedule = new CfnRotationSchedule(this, `Rotation-${logicalIdOf(name)}`, {
        secretId: secret.secretArn,
        rotationLambdaArn: rotation.functionArn,
        rotationRules: { scheduleExpression: `rate(${interval.toDays()} days)` },
        // A provider key has to be staged by the operator first. Without an immediate rotation Secrets Manager
        // runs testSecret once on a copy of the current value (the empty placeholder): it passes quietly.
        rotateImmediatelyOnUpdate: target.kind === 'gateway-key',
      });
      schedule.node.addDependency(invoke, rotation.role!);
      this.secrets.set(name, secret);
    }
  }

  private createSecret(name: string, target: RotationTarget, replicaRegions: readonly string[], removalPolicy: RemovalPolicy): Secret {
    const kind: KeyKind = target.kind;
    const secret = new Secret(this, `Secret-${logicalIdOf(name)}`, {
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
      removalPolicy,
    });
    Tags.of(secret).add('switchboard:kind', kind);
    return secret;
  }
}

function logicalIdOf(secretName: string): string {
  return secretName.replace(/[^A-Za-z0-9]/g, '-');
}
