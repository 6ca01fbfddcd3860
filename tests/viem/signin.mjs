// A front end signing in as RainbowKit / wagmi apps do, with viem: fetch a nonce, build the
// EIP-4361 message with createSiweMessage, sign it with signMessage (EIP-191 personal_sign),
// post it, then call /me with the session. Run by tests/signin_viem.rs against the example
// server: BASE=http://127.0.0.1:PORT node tests/viem/signin.mjs
// Prints one JSON line: {"address", "signin": {status, body}, "me": {status, body}, "replay": …}.
import { createSiweMessage } from "viem/siwe";
import { privateKeyToAccount } from "viem/accounts";

const base = process.env.BASE;
const account = privateKeyToAccount(
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
);
const url = new URL(base);

const { nonce } = await (await fetch(`${base}/signin/nonce`)).json();
const message = createSiweMessage({
  domain: url.host,
  address: account.address,
  statement: "Sign in to the example server with viem.",
  uri: url.origin,
  version: "1",
  chainId: 1,
  nonce,
});
const signature = await account.signMessage({ message });
const post = (body) =>
  fetch(`${base}/signin/siwe`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const res = await post({ message, signature });
const signin = { status: res.status, body: await res.json() };
const me = await fetch(`${base}/me`, {
  headers: { authorization: `Bearer ${signin.body.token}` },
});
const replay = await post({ message, signature });
console.log(
  JSON.stringify({
    address: account.address,
    signin,
    me: { status: me.status, body: await me.json() },
    replay: { status: replay.status, body: await replay.json() },
  }),
);
