import { fileURLToPath } from "node:url";

// Tests run from dist/test/helpers/; the repository root is three levels up.
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const cliPath = `${repoRoot}dist/cli/main.js`;
export const sampleSite = `${repoRoot}sample-site`;
export const fixtures = `${repoRoot}test/fixtures`;
export const goldenDir = `${repoRoot}test/golden/sample-site`;
