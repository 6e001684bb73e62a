// Alerts to the SNS topic that emails operators (AWS), or to the log (local runs).
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertPublisher, Logger } from '../../core/ports';

/** SNS subjects are at most 100 printable ASCII characters. */
const SUBJECT_LIMIT = 100;

/** SNS, loaded on first alert: alerts are rare, and cold starts should not pay for the client. */
export class SnsAlertPublisher implements AlertPublisher {
  private sdk: Promise<typeof import('@aws-sdk/client-sns')> | undefined;

  constructor(
    private readonly topicArn: string,
    private readonly logger: Logger,
    private client?: SNSClient,
  ) {}

  async publish(alert: Alert): Promise<void> {
    try {
      const sdk = await (this.sdk ??= import('@aws-sdk/client-sns'));
      this.client ??= new sdk.SNSClient({});
      await this.client.send(
        new sdk.PublishCommand({
          TopicArn: this.topicArn,
          Subject: `[Switchboard] ${alert.subject}`.replace(/[^\x20-\x7e]/g, '?').slice(0, SUBJECT_LIMIT),
          Message: `${alert.message}\n\n${Object.entries(alert.attributes).map(([k, v]) => `${k}: ${v}`).join('\n')}`,
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: alert.kind },
            ...Object.fromEntries(Object.entries(alert.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
          },
        }),
      );
    } catch (err) {
      this.logger.error('alert publish failed', { kind: alert.kind, error: (err as Error).message });
    }
  }
}

export class LogAlertPublisher implements AlertPublisher {
  constructor(private readonly logger: Logger) {}

  async publish(alert: Alert): Promise<void> {
    this.logger.warn(`ALERT ${alert.subject}`, { alert: alert.kind, ...alert.attributes, detail: alert.message });
  }
}
