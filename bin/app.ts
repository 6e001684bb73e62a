// cdk.json runs this: the Switchboard app from CDK context (see lib/config/deploy-settings.ts).
import { buildApp } from '../lib/app';

buildApp().app.synth();
