// Waiting in end-to-end tests, without timed assertions: poll (bounded) for state written after an answer was
// sent, and keep a burst inside one fixed rate-limit window.

/** poll until the condition holds: for state written after an answer was sent (settlement, ledger entries) */
export async function eventually(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

export async function until(condition: () => boolean): Promise<void> {
  await eventually(async () => condition());
}

/** fixed windows: keep a burst inside one minute so "exactly N per minute" is one window's count */
export async function awayFromMinuteEnd(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
}
