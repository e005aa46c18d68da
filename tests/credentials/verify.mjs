// An independent check of the app's credentials with Digital Bazaar's libraries.
//
// stdin: {"documents": {url: document, ...}, "credentials": {name: credential, ...},
//         "now": optional ISO date-time}
// `documents` are what the app serves (its issuer profile, its status lists); the contexts
// come from their npm packages (contexts.mjs). Nothing is fetched from the network: any other
// URL fails. stdout: {name: {verified, errors, revoked}, ...}. A credential is verified only
// when its proof, its validity dates, its status list (itself verified) and its status bit
// all pass.
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {CONTEXTS} from './contexts.mjs';

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', chunk => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function makeLoader(documents) {
  return async url => {
    const context = CONTEXTS.get(url);
    if(context) {
      return {contextUrl: null, documentUrl: url, document: context.document};
    }
    if(url in documents) {
      return {contextUrl: null, documentUrl: url, document: documents[url]};
    }
    // A verification method: its controller document, then the key with that id in it.
    const [base] = url.split('#');
    if(base !== url && base in documents) {
      const controller = documents[base];
      const method = (controller.assertionMethod || []).find(m => m.id === url);
      if(method) {
        return {contextUrl: null, documentUrl: url, document: {
          '@context': 'https://w3id.org/security/multikey/v1', ...method}};
      }
    }
    throw new Error(`document loader: ${url} is not available offline`);
  };
}

function messages(error) {
  if(!error) {
    return [];
  }
  const list = Array.isArray(error) ? error : [error];
  return list.flatMap(e => [e.message, ...(e.errors ? messages(e.errors) : []),
    ...(e.cause ? messages(e.cause) : [])]);
}

async function check(credential, documentLoader, now) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus, now
  });
  const errors = messages(result.error);
  let revoked = null;
  if(result.statusResult) {
    errors.push(...messages(result.statusResult.error));
    revoked = (result.statusResult.results || []).some(r => r.status === true);
    if(revoked) {
      errors.push('The credential is revoked (its status list bit is set).');
    }
  }
  for(const r of result.results || []) {
    errors.push(...messages(r.error));
  }
  return {verified: result.verified && revoked !== true, revoked, errors};
}

const input = JSON.parse(await readStdin());
const documentLoader = makeLoader(input.documents || {});
const output = {};
for(const [name, credential] of Object.entries(input.credentials || {})) {
  try {
    output[name] = await check(credential, documentLoader, input.now);
  } catch(e) {
    output[name] = {verified: false, revoked: null, errors: messages(e)};
  }
}
process.stdout.write(JSON.stringify(output) + '\n');
