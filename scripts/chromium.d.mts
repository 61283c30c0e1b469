/** Types of chromium.mjs, for the TypeScript Playwright configs and harnesses. */
export declare function findChromium(): string;
export declare const CHROMIUM_ARGS: string[];
