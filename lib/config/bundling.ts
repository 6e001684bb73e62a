// How every Switchboard function is bundled and started, in one place for the construct that deploys them
// (lib/constructs/gateway-function) and the bench that measures the same bundle (bench/bundle.ts). Plain
// values only: the bench must not load aws-cdk-lib.

/** esbuild's target: the Node.js major of the Lambda runtime (FUNCTION_RUNTIME) */
export const ESBUILD_TARGET = 'node24';

/**
 * ESM output keeps middy (ESM only) and tree-shaking intact; bundled CommonJS dependencies that call
 * `require` for Node built-ins need a real `require` in scope, which this banner provides.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);";

/** stack traces in the logs point at the TypeScript source, through the bundle's source map */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';
