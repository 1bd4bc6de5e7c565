// SPDX-License-Identifier: BSD-3-Clause
// Validate glTF files (.gltf or .glb) with the Khronos validator; print each file's counts of
// errors and warnings, the messages of the errors, and exit 1 when any file has an error.
'use strict';
const fs = require('fs');
const path = require('path');
let validator;
try {
    validator = require('gltf-validator');
} catch (e) {
    console.error('validate-gltf: the gltf-validator package is not installed in tools/node ' +
                  '(run tools/install-deps.sh, which make test runs)');
    process.exit(2);
}

async function check(file) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    const report = await validator.validateBytes(bytes, {
        uri: path.basename(file),
        externalResourceFunction: (uri) =>
            new Promise((resolve, reject) => {
                fs.readFile(path.resolve(path.dirname(file), decodeURIComponent(uri)), (err, data) =>
                    err ? reject(err.toString()) : resolve(new Uint8Array(data)));
            }),
    });
    const issues = report.issues;
    console.log(`${file}: ${issues.numErrors} errors, ${issues.numWarnings} warnings`);
    for (const m of issues.messages) {
        if (m.severity === 0) console.log(`  error ${m.code} at ${m.pointer || ''}: ${m.message}`);
    }
    return issues.numErrors;
}

(async () => {
    if (process.argv.length < 3) {
        console.error('usage: node validate-gltf.js FILE.gltf|FILE.glb...');
        process.exit(2);
    }
    let errors = 0;
    for (const f of process.argv.slice(2)) {
        try {
            errors += await check(f);
        } catch (e) {
            console.error(`${f}: ${e}`);
            errors += 1;
        }
    }
    process.exit(errors > 0 ? 1 : 0);
})();
