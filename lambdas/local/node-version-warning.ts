// Imported first by main.ts, before the AWS SDK loads: the SDK warns that it will want Node 22 from 2027.
// Lambda runs Node 22 and a laptop's Node 20 still works today, so keep the banner readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
