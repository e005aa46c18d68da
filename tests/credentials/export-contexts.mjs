// Writes the contexts the app ships (portfolio/services/certification/contexts/) from the npm
// packages pinned here, with SOURCES.json recording each one's package and SHA-256.
// Run: node tests/credentials/export-contexts.mjs DIR   (tests check the files still match).
import {createHash} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {CONTEXTS} from './contexts.mjs';

const dir = process.argv[2];
const shipped = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  'https://w3id.org/security/multikey/v1',
  'https://w3id.org/security/data-integrity/v2',
];
const sources = [];
for(const url of shipped) {
  const {document, source} = CONTEXTS.get(url);
  const file = url.replace(/^https:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_') +
    (url.endsWith('.json') ? '' : '.json');
  const text = JSON.stringify(document, null, 2) + '\n';
  writeFileSync(join(dir, file), text);
  sources.push({url, file, package: source,
    sha256: createHash('sha256').update(text).digest('hex')});
}
writeFileSync(join(dir, 'SOURCES.json'), JSON.stringify(sources, null, 2) + '\n');
