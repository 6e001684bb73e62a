// Alerts to SNS, mocked at the SDK client: what operators get by email, and that a failed publish never
// reaches the request that raised it.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsAlertPublisher } from '../../../lambdas/adapters/alerts/alert-publishers';
import { MemoryLogger } from '../../helpers/logs';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:switchboard-alerts';

describe('SnsAlertPublisher', () => {
  beforeEach(() => sns.reset());

  it('publishes a subject, the message with its facts, and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsAlertPublisher(TOPIC, new MemoryLogger()).publish({
      kind: 'breaker_opened',
      subject: 'Breaker opened for openai — 12 failures',
      message: 'Calls to openai failed 12 times in a row.',
      attributes: { provider: 'openai', region: 'us-east-1' },
    });
    const [input] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: '[Switchboard] Breaker opened for openai ? 12 failures',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'breaker_opened' }, provider: { DataType: 'String', StringValue: 'openai' } },
    });
    expect(input!.Message).toContain('provider: openai');
  });

  it('keeps the subject within SNS limits', async () => {
    sns.on(PublishCommand).resolves({});
    await new SnsAlertPublisher(TOPIC, new MemoryLogger()).publish({ kind: 'budget_threshold', subject: 'x'.repeat(300), message: 'm', attributes: {} });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toHaveLength(100);
  });

  it('logs a failed publish instead of throwing it', async () => {
    sns.on(PublishCommand).rejects(new Error('AuthorizationError'));
    const logger = new MemoryLogger();
    await expect(new SnsAlertPublisher(TOPIC, logger).publish({ kind: 'budget_threshold', subject: 's', message: 'm', attributes: {} })).resolves.toBeUndefined();
    expect(logger.find('alert publish failed')).toHaveLength(1);
  });
});
