// pcsd's TLS identity: an EC P-256 key made with Node's crypto (written 0600) and a
// self-signed X.509 certificate made at first start by the system `openssl` CLI (Node's
// crypto can sign but cannot build certificates). The client pins the certificate's
// SHA-256 fingerprint at auth time.

import { execFile } from "node:child_process";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { writeFileAtomic } from "./fsutil.js";

export interface TlsIdentity {
  key: string;
  cert: string;
  /** "AB:CD:..." SHA-256 of the DER certificate, as Node's getPeerCertificate() reports it. */
  fingerprint256: string;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) =>
    execFile(cmd, args, { timeout: 30_000 }, (e, _out, err) =>
      e ? rej(new Error(`${cmd} ${args[0]}: ${String(err).trim() || e.message}`)) : res(),
    ),
  );
}

/** Loads the key and certificate, creating them first when either is missing. */
export async function ensureTlsIdentity(
  keyFile: string,
  certFile: string,
  commonName: string,
  openssl = "openssl",
): Promise<{ identity: TlsIdentity; created: boolean }> {
  let created = false;
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    writeFileAtomic(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }) as string, 0o600);
    const tmpCert = `${certFile}.new`;
    const cn = commonName.replace(/[^A-Za-z0-9._-]/g, "_") || "pcsd";
    try {
      await run(openssl, [
        "req",
        "-x509",
        "-new",
        "-sha256",
        "-key",
        keyFile,
        "-out",
        tmpCert,
        "-days",
        "3650",
        "-subj",
        `/CN=${cn}/O=tandem pcsd`,
      ]);
    } catch (e) {
      throw new TandemError(
        ErrorCodes.PCSD_TLS,
        `cannot create the pcsd certificate: ${(e as Error).message}`,
      );
    }
    writeFileAtomic(certFile, readFileSync(tmpCert), 0o644);
    rmSync(tmpCert, { force: true });
    created = true;
  }
  try {
    const key = readFileSync(keyFile, "utf8");
    const cert = readFileSync(certFile, "utf8");
    const fingerprint256 = new X509Certificate(cert).fingerprint256;
    return { identity: { key, cert, fingerprint256 }, created };
  } catch (e) {
    throw new TandemError(ErrorCodes.PCSD_TLS, `cannot load the pcsd certificate: ${(e as Error).message}`);
  }
}
