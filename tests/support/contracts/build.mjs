// Regenerates TestUSDC.json (ABI + runtime bytecode) from TestUSDC.sol with the npm `solc` package.
// Usage: npm install --prefix <dir> solc@0.8.30 && node tests/support/contracts/build.mjs <dir>/node_modules/solc
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const solcPath = resolve(process.argv[2] ?? "solc");
const solc = createRequire(import.meta.url)(solcPath);
const source = readFileSync(join(here, "TestUSDC.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "TestUSDC.sol": { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const contract = output.contracts["TestUSDC.sol"].TestUSDC;
const artifact = {
  contract: "TestUSDC",
  compiler: `solc ${solc.version()}`,
  settings: { optimizer: true, runs: 200, evmVersion: "cancun" },
  abi: contract.abi,
  runtimeBytecode: "0x" + contract.evm.deployedBytecode.object,
};
writeFileSync(join(here, "TestUSDC.json"), JSON.stringify(artifact, null, 2) + "\n");
console.log(`TestUSDC.json: ${contract.evm.deployedBytecode.object.length / 2} bytes of runtime code`);
