// Bedrock runtime through the AWS SDK, with IAM credentials from the default chain (the Lambda role in AWS).
// One client per region and endpoint, made on first use: loading the SDK and building a client is slow on a
// cold start, and a gateway without a bedrock provider should not pay for it. `baseUrl` becomes the client's
// endpoint (VPC endpoints, proxies, tests). The SDK's own retries are off: the gateway retries and falls over.
//
// The client's default handler is HTTP/2 with a fresh session (TCP and TLS handshakes) for every request;
// Converse and ConverseStream work over HTTP/1.1, so a keep-alive HTTP/1.1 handler reuses connections
// instead, and also works through HTTP/1.1-only proxies.
import http from 'node:http';
import https from 'node:https';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ProviderConfig } from '../../core/config/schema';

export type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

export interface BedrockRuntime {
  sdk: BedrockSdk;
  client: BedrockRuntimeClient;
}

const agentOptions = { keepAlive: true, maxSockets: 256 };

let sdkModules: Promise<[BedrockSdk, typeof import('@smithy/node-http-handler')]> | undefined;
const runtimes = new Map<string, Promise<BedrockRuntime>>();

export function bedrockRuntime(config: ProviderConfig): Promise<BedrockRuntime> {
  const key = `${config.region ?? ''}|${config.baseUrl ?? ''}`;
  let runtime = runtimes.get(key);
  if (!runtime) {
    sdkModules ??= Promise.all([import('@aws-sdk/client-bedrock-runtime'), import('@smithy/node-http-handler')]);
    runtime = sdkModules.then(([sdk, { NodeHttpHandler }]) => ({
      sdk,
      client: new sdk.BedrockRuntimeClient({
        ...(config.region ? { region: config.region } : {}),
        ...(config.baseUrl ? { endpoint: config.baseUrl } : {}),
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions) }),
      }),
    }));
    runtimes.set(key, runtime);
    runtime.catch(() => runtimes.delete(key));
  }
  return runtime;
}
