"""The local cloud's RFC 3161 time-stamping authority: the stand-in for a qualified TSA, so the seal's
timestamp path (PAdES B-LT) runs locally the way it runs against a real one.

An HTTP endpoint on 127.0.0.1 answers ``application/timestamp-query`` POSTs with a time-stamp token: a CMS
SignedData over a TSTInfo (the request's message imprint, the time, a serial number, the request's nonce),
signed with an ECDSA key whose certificate (extended key usage timeStamping, critical) the development CA
issued, so the tokens chain to the same development root as the seal and the CA's CRL covers the TSA too.
The key lives in memory only. The clock is this machine's: a development TSA proves nothing to anyone else.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import algos, cms, core, pem, tsp, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

log = logging.getLogger(__name__)

# A policy OID under the UUID arc (2.25), which anyone may use without registering: "loanpipe development TSA".
POLICY = "2.25.208420262981430196735474735219427823373"
MAX_REQUEST_BYTES = 64 * 1024


class TimeStampAuthority:
    """Makes RFC 3161 responses with one certificate and key."""

    def __init__(self, certificate_pem: bytes, key: ec.EllipticCurvePrivateKey):
        self._cert_der: bytes = pem.unarmor(certificate_pem)[2]
        self.certificate = x509.Certificate.load(self._cert_der)
        self._key = key

    def respond(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """The DER TimeStampResp for a DER TimeStampReq (a rejection for one that cannot be read)."""
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            _ = imprint["hashed_message"].native, request["nonce"].native
        except (ValueError, TypeError, KeyError) as exc:
            log.info("time-stamp request refused: %s", exc)
            status = tsp.PKIStatusInfo({"status": "rejection", "fail_info": {"bad_data_format"}}).dump()
            return b"\x30" + bytes([len(status)]) + status  # TimeStampResp without a token (asn1crypto insists)
        token = self._token(request, now or datetime.now(UTC))
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()

    def _token(self, request: tsp.TimeStampReq, now: datetime) -> cms.ContentInfo:
        info: dict = {"version": "v1", "policy": POLICY, "message_imprint": request["message_imprint"],
                      "serial_number": secrets.randbits(63), "gen_time": now,
                      "tsa": x509.GeneralName(name="directory_name", value=self.certificate.subject)}
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": core.UTCTime(now)})]}),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [tsp.SigningCertificateV2({"certs": [
                tsp.ESSCertIDv2({"hash_algorithm": {"algorithm": "sha256"},
                                 "cert_hash": hashlib.sha256(self._cert_der).digest()})]})]}),
        ])
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": self.certificate.issuer, "serial_number": self.certificate.serial_number})}),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature,
        })
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info)},
            "certificates": [self.certificate],
            "signer_infos": [signer],
        })
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


class LocalTsaServer:
    """The TSA on an HTTP port of 127.0.0.1 (0: any free port), served from a daemon thread."""

    def __init__(self, authority: TimeStampAuthority, port: int = 0):
        self._authority = authority
        handler = _handler(authority)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-tsa", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(authority: TimeStampAuthority) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get_content_type() != "application/timestamp-query" or not 0 < length <= MAX_REQUEST_BYTES:
                self.send_error(400, "expected an application/timestamp-query body")
                return
            body = authority.respond(self.rfile.read(length))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            log.debug("tsa request: %s", format % args)

    return Handler
