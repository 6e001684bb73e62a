// Bedrock runtime through the AWS SDK, with IAM credentials from the default chain (the Lambda role in AWS).
// One client per region and endpoint, made on first use: loading the SDK and building a client is slow on a
// cold start, and a gateway without a bedrock provider should not pay for it. `baseUrl` becomes the client's
// endpoint (VPC endpoints, proxies, tests). The SDK's own retries are off: the gateway retries and falls over.
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ProviderConfig } from '../../core/config/schema';

export type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

export interface BedrockRuntime {
  sdk: BedrockSdk;
  client: BedrockRuntimeClient;
}

let sdkModule: Promise<BedrockSdk> | undefined;
const runtimes = new Map<string, Promise<BedrockRuntime>>();

export function bedrockRuntime(config: ProviderConfig): Promise<BedrockRuntime> {
  const key = `${config.region ?? ''}|${config.baseUrl ?? ''}`;
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = (sdkModule ??= import('@aws-sdk/client-bedrock-runtime')).then((sdk) => ({
      sdk,
      client: new sdk.BedrockRuntimeClient({
        ...(config.region ? { region: config.region } : {}),
        ...(config.baseUrl ? { endpoint: config.baseUrl } : {}),
        maxAttempts: 1,
      }),
    }));
    runtimes.set(key, runtime);
    runtime.catch(() => runtimes.delete(key));
  }
  return runtime;
}
