// A tenant's own API Gateway usage-plan key, kept in its tier's plan in one region's API: created and moved
// with the tenant by the CLI, removed with it. Usage-plan throttles apply per key, so each tenant gets its
// plan's throttle for itself (usage-keys.ts says why the key's value can be derived). The CLI's; no Lambda
// function imports it.
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { tenantUsageKeyName, tenantUsageKeyValue, usagePlanName } from './usage-keys';

/** what a region's API holds for one deployment */
export class UsagePlanKeys {
  private plans?: Promise<Map<string, string>>;

  constructor(
    private readonly client: APIGatewayClient,
    private readonly deployment: string,
    /** for messages */
    readonly region: string,
  ) {}

  /**
   * Put the tenant's key (created if missing) in the plan of its tier (`default` when it has none, or its
   * tier has no plan), and in no other plan of this deployment: API Gateway refuses a key in two plans of
   * one stage, so it leaves the old plan first.
   */
  async place(tenantId: string, tier: string | undefined): Promise<{ created: boolean; plan: string }> {
    const plans = await this.usagePlans();
    const wanted = plans.get(usagePlanName(this.deployment, tier)) ?? plans.get(usagePlanName(this.deployment, undefined));
    if (!wanted) {
      throw new Error(
        `${this.region} has no usage plan "${usagePlanName(this.deployment, undefined)}": is the deployment "${this.deployment}" deployed there (--deployment, --region)?`,
      );
    }
    let keyId = await this.keyId(tenantId);
    const created = keyId === undefined;
    if (keyId === undefined) {
      const key = await this.client.send(
        new CreateApiKeyCommand({
          name: tenantUsageKeyName(this.deployment, tenantId),
          value: tenantUsageKeyValue(this.deployment, tenantId),
          enabled: true,
          description: `Usage-plan key of tenant "${tenantId}" (an identifier the authorizer hands over, not a credential)`,
        }),
      );
      keyId = key.id!;
    }
    let inWanted = false;
    for (const planId of plans.values()) {
      const holds = await this.planHolds(planId, keyId);
      if (planId === wanted) inWanted = holds;
      else if (holds) await this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: planId, keyId }));
    }
    if (!inWanted) await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId: wanted, keyId, keyType: 'API_KEY' }));
    const plan = [...plans].find(([, id]) => id === wanted)![0];
    return { created, plan };
  }

  /** Delete the tenant's key (API Gateway takes it out of its plan). False when there was none. */
  async remove(tenantId: string): Promise<boolean> {
    const keyId = await this.keyId(tenantId);
    if (keyId === undefined) return false;
    await this.client.send(new DeleteApiKeyCommand({ apiKey: keyId }));
    return true;
  }

  /** this deployment's plans by name */
  private usagePlans(): Promise<Map<string, string>> {
    this.plans ??= (async () => {
      const plans = new Map<string, string>();
      let position: string | undefined;
      do {
        const page = await this.client.send(new GetUsagePlansCommand({ position, limit: 500 }));
        for (const p of page.items ?? []) if (p.name?.startsWith(`${this.deployment}-`) && p.id) plans.set(p.name, p.id);
        position = page.position;
      } while (position);
      return plans;
    })();
    return this.plans;
  }

  private async keyId(tenantId: string): Promise<string | undefined> {
    const name = tenantUsageKeyName(this.deployment, tenantId);
    let position: string | undefined;
    do {
      const page = await this.client.send(new GetApiKeysCommand({ nameQuery: name, position, limit: 500 }));
      const key = page.items?.find((k) => k.name === name);
      if (key?.id) return key.id;
      position = page.position;
    } while (position);
    return undefined;
  }

  private async planHolds(usagePlanId: string, keyId: string): Promise<boolean> {
    let position: string | undefined;
    do {
      const page = await this.client.send(new GetUsagePlanKeysCommand({ usagePlanId, position, limit: 500 }));
      if (page.items?.some((k) => k.id === keyId)) return true;
      position = page.position;
    } while (position);
    return false;
  }
}

export function apiGatewayClient(region: string): APIGatewayClient {
  return new APIGatewayClient({ region });
}
