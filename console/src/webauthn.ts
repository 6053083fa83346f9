// The browser's WebAuthn with the server's JSON: idgate's options ({"publicKey": {...}},
// base64url fields) go to navigator.credentials as the browser parses them, and the
// authenticator's answer goes back as PublicKeyCredential.toJSON() gives it.

/** Creates a passkey from BeginEnrollment's options_json; returns FinishEnrollment's credential_json. */
export async function createPasskey(optionsJson: string): Promise<string> {
  const { publicKey } = JSON.parse(optionsJson);
  const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey) });
  if (!cred) throw new Error('The browser made no passkey.');
  return JSON.stringify((cred as PublicKeyCredential).toJSON());
}

/** Signs BeginStepUp's options_json with a passkey; returns FinishStepUp's assertion_json. */
export async function signWithPasskey(optionsJson: string): Promise<string> {
  const { publicKey } = JSON.parse(optionsJson);
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey) });
  if (!cred) throw new Error('The browser gave no assertion.');
  return JSON.stringify((cred as PublicKeyCredential).toJSON());
}

/**
 * Why this page cannot use passkeys of the relying party rpId, or '' if it can: WebAuthn
 * needs the page's host to be rpId or a subdomain of it (an IP address never is).
 */
export function originProblem(hostname: string, rpId: string): string {
  if (!rpId) return '';
  if (hostname === rpId || hostname.endsWith(`.${rpId}`)) return '';
  return `Passkeys here belong to ${rpId} (IDGATE_WEBAUTHN_RP_ID), and this page is served from ${hostname}: open it at ${rpId} instead.`;
}
