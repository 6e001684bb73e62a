// `npm run chaos`: run every chaos scenario against a real local gateway and print the results table
// (markdown, as in docs/resilience.md). `npm run chaos -- primaryDown hang` runs only those.
import '../../lambdas/local/node-version-warning';
import { chaosTable, runScenario, SCENARIOS, type ScenarioResult } from './scenarios';

async function main(): Promise<void> {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const wanted = process.argv.slice(2);
  const names = (wanted.length ? wanted : Object.keys(SCENARIOS)) as Array<keyof typeof SCENARIOS>;
  const results: ScenarioResult[] = [];
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`no scenario "${name}"; there are: ${Object.keys(SCENARIOS).join(', ')}`);
    process.stderr.write(`running ${name}…\n`);
    results.push(await runScenario(scenario));
  }
  console.log(chaosTable(results));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
