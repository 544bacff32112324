"""The probe ``lambdalike`` runs inside a Lambda-like python3.13 (source passed with ``-c``, so nothing of
loanpipe_infra is importable there): it imports the function's handler module as Lambda's bootstrap does, then does
what the request asks, and prints one JSON line. Standard library only, besides what the function ships.

Request (a JSON file named by argv[1]):
  {"baseline": true}                      only the interpreter and its standard library (no handler)
  {"first_use": [module, ...]}            then build what the first message builds (a stage's runner.prepare()),
                                          or the API's dependencies and those modules (a first request's route)
  {"engines": ["rapidocr", ...]}          create the OCR engines once, as the first document would
  {"extract": [{"path", "type", "engine"}]} read documents with extract_document (the extract stage's reader)
  {"contract": {"out", "key_pem", "chain_pem", "crl_der", "signature_png"}}
                                          render a contract PDF and seal it with that key, chain and CRL
"""

import json
import sys
import time
from pathlib import Path

STDLIB = ["ssl", "ctypes", "lzma", "bz2", "zlib", "decimal", "hashlib", "uuid", "json", "sqlite3", "zoneinfo",
          "xml.parsers.expat", "asyncio", "multiprocessing", "socket", "select", "mmap", "csv", "unicodedata"]


def mapped_libraries():
    paths = set()
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split(maxsplit=5)[-1].strip() if line.count(" ") >= 5 else ""
            if ".so" in Path(path).name:
                paths.add(path)
    return sorted(paths)


def extract(documents):
    from loanpipe.extraction.extract import extract_document

    results = []
    for document in documents:
        started = time.perf_counter()
        read = extract_document(Path(document["path"]).read_bytes(), expected_type=document["type"],
                                filename=Path(document["path"]).name, engine=document["engine"])
        results.append({**document, "seconds": round(time.perf_counter() - started, 3), "engine_used": read.engine,
                        "doc_type": read.result.doc_type.value, "quality_ok": read.result.quality.ok,
                        "fields": {name: field.value for name, field in read.result.fields.items()},
                        "transactions": len(read.result.transactions)})
    return results


class _SoftwareKey:
    """A RawSigner over a key in memory (on Lambda the key is in KMS)."""

    algorithm = "ECDSA_SHA_256"

    def __init__(self, key_pem):
        from cryptography.hazmat.primitives import serialization

        self._key = serialization.load_pem_private_key(key_pem, password=None)

    def sign(self, message):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return self._key.sign(message, ec.ECDSA(hashes.SHA256()))


def contract(request):
    import hashlib
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from loanpipe.contracts.render import ContractTerms, render_contract
    from loanpipe.contracts.seal import ConsentRecord, SigningIdentity, seal_contract
    from loanpipe.decision.loans import apr, schedule
    from loanpipe.domain.application import read_declared

    declared = read_declared(json.dumps({
        "applicant": {"name": "欧阳娜娜", "id_number": "110105198803120014", "phone": "13800138000",
                      "address": "北京市朝阳区建国路88号"},
        "loan": {"amount": "120000.00", "term_months": 36, "vehicle_price": "180000.00", "vehicle_type": "new"},
        "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"},
    }))
    plan = schedule(Decimal("120000.00"), Decimal("0.0588"), 36)
    terms = ContractTerms(contract_number="LP-SMOKE-1", lender="示范汽车金融有限公司", contract_date=date(2026, 11, 20),
                          schedule=plan, apr=apr(plan.principal, [row.payment for row in plan.rows]),
                          approved_by="R-0007")
    started = time.perf_counter()
    pdf = render_contract(declared, terms)  # the font from LOANPIPE_FONT_PATH, as the function has it
    rendered = time.perf_counter() - started
    china = timezone(timedelta(hours=8))
    consent = ConsentRecord(ceremony_id="cer-smoke", contract_number="LP-SMOKE-1",
                            contract_sha256=hashlib.sha256(pdf).hexdigest(), signer_name="欧阳娜娜",
                            signer_id_masked="110105********0014", officer_id="FO-0012",
                            signed_at=datetime(2026, 11, 20, 10, 42, tzinfo=china), place="39.91,116.46",
                            code_verified_at=datetime(2026, 11, 20, 10, 41, tzinfo=china))
    identity = SigningIdentity(signer=_SoftwareKey(Path(request["key_pem"]).read_bytes()),
                               chain_pem=Path(request["chain_pem"]).read_bytes(),
                               crls_der=(Path(request["crl_der"]).read_bytes(),))
    started = time.perf_counter()
    sealed = seal_contract(pdf, Path(request["signature_png"]).read_bytes(), consent, identity)
    Path(request["out"]).write_bytes(sealed)
    return {"pdf_bytes": len(pdf), "render_seconds": round(rendered, 3), "sealed_bytes": len(sealed),
            "seal_seconds": round(time.perf_counter() - started, 3)}


def main():
    request = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    answer = {"python": sys.version.split()[0], "prefixes": sorted({sys.base_prefix, sys.prefix})}
    if request.get("baseline"):
        for name in STDLIB:
            __import__(name)
        answer["libraries"] = mapped_libraries()
        print(json.dumps(answer))
        return
    started, started_cpu = time.perf_counter(), time.process_time()
    import app  # the handler module, as Lambda's bootstrap imports it

    answer["import_seconds"] = round(time.perf_counter() - started, 4)
    answer["import_cpu_seconds"] = round(time.process_time() - started_cpu, 4)
    answer["modules"] = sorted({name.split(".")[0] for name in sys.modules})
    if request.get("first_use") is not None:
        # What a function defers to its first message or request, built without calling AWS: a queue-driven
        # function's runner builds its batch and idempotency machinery, message model and the stage's
        # dependencies (settings, boto3 clients, policy); the API its dependencies, then imports the modules
        # named (those of the route a first request takes).
        started, started_cpu = time.perf_counter(), time.process_time()
        if hasattr(app, "runner"):
            app.runner.prepare()
        else:
            from loanpipe.entry.bootstrap import api_deps

            api_deps()
            for name in request["first_use"]:
                __import__(name)
        answer["first_use_seconds"] = round(time.perf_counter() - started, 4)
        answer["first_use_cpu_seconds"] = round(time.process_time() - started_cpu, 4)
        answer["first_use_modules"] = sorted({name.split(".")[0] for name in sys.modules})
    if request.get("engines"):
        from loanpipe.extraction.engines import get_engine

        started, started_cpu = time.perf_counter(), time.process_time()
        for name in request["engines"]:
            get_engine(name)
        answer["engine_seconds"] = round(time.perf_counter() - started, 4)
        answer["engine_cpu_seconds"] = round(time.process_time() - started_cpu, 4)
    if request.get("extract"):
        answer["extract"] = extract(request["extract"])
    if request.get("contract"):
        answer["contract"] = contract(request["contract"])
    answer["libraries"] = mapped_libraries()
    print(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
