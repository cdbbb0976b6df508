// Validates XML files against an ISO Schematron schema with node-schematron
// (XPath 3.1, so the TBX dialects' `queryBinding="xslt2"` rules run as
// written). Usage: node schematron.js SCHEMA.sch FILE...; prints each failed
// assertion and exits 1 if there was any.
const fs = require('fs');
const { Schema } = require('node-schematron');

const schema = Schema.fromString(fs.readFileSync(process.argv[2], 'utf8'));
let failed = 0;
for (const file of process.argv.slice(3)) {
  for (const result of schema.validateString(fs.readFileSync(file, 'utf8'))) {
    if (!result.isReport) {
      failed += 1;
      const where = result.context ? result.context.nodeName : '?';
      console.log(`${file}: <${where}>: ${result.message.trim()}`);
    }
  }
}
process.exit(failed ? 1 : 0);
