// The gateway config a function was bundled with. `cdk synth` validated it (filling in every default) and
// put the result into the bundle, so a function trusts it as is and carries no config schema: its size
// is start time.
import type { GatewayConfig } from '../core/config/schema';
import { BUNDLED_CONFIG_DEFINE } from './environment';

export function bundledConfig(): GatewayConfig {
  const json = process.env.SWITCHBOARD_CONFIG_JSON;
  if (!json) throw new Error(`this function runs with the gateway config bundled at synth (${BUNDLED_CONFIG_DEFINE}); build it with cdk synth`);
  return JSON.parse(json) as GatewayConfig;
}
