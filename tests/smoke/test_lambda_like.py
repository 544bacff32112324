"""The built functions run as on Lambda (``loanpipe_infra.deploy.lambdalike``): python3.13 with boto3 only, each
function's layers in an /opt of its own, its code as the task root, its environment from the template. What runs
on this machine but would not on Lambda fails here: a wheel for another Python, a package or a shared library a
layer forgot, a model or an executable the OCR layer does not carry, the font of the contract.

Needs ``make build`` (``make test`` runs it first) and the Lambda-like interpreter (``make test-smoke`` passes it
as LOANPIPE_LAMBDA_PYTHON); about a minute on 2 cores.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loanpipe_infra.deploy.lambdalike import LambdaLike, ProbeFailed, prepare
from loanpipe_infra.deploy.sizes import function_layers

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LAYOUT = ROOT / ".aws-sam" / "lambda"
PYTHON = Path(os.environ.get("LOANPIPE_LAMBDA_PYTHON", ROOT / ".tools" / "lambda-python3.13" / "bin" / "python"))
ENGINES = ("rapidocr", "tesseract")
# The PP-OCR models and Tesseract read these clean phone photos well: a field each engine must get right, so an
# engine that starts but reads nothing (a missing model, a broken library) fails.
TELLING_FIELD = {"id_card_front": "id_number", "id_card_back": "valid_from", "income_certificate": "id_number",
                 "bank_statement": "account_number"}

pytestmark = pytest.mark.skipif(not (BUILD / "template.yaml").exists() or not PYTHON.exists(),
                                reason="needs make build and the Lambda-like python3.13 (make test-smoke)")


def _function(template: dict, name: str) -> LambdaLike:
    return prepare(name, template, BUILD, PYTHON, LAYOUT)


@pytest.fixture(scope="module")
def baseline(template) -> set[str]:
    """The shared libraries the bare interpreter and its standard library map (the runtime has its own)."""
    return set(_function(template, "ApiFunction").probe({"baseline": True})["libraries"])


@pytest.fixture(scope="module")
def phone_documents(tmp_path_factory) -> list[dict]:
    """One phone photo of each document type (the statement's first page), with the truth."""
    from testkit.samples import generate_documents

    documents = generate_documents(tmp_path_factory.mktemp("documents"), 4, seed=21, tiers=("phone",))
    return [{"path": str(doc.path), "type": str(doc.doc_type), "fields": doc.fields} for doc in documents]


@pytest.mark.parametrize("function", ["ApiFunction", "ValidateFunction", "ScoreFunction", "DraftSweepFunction",
                                      "StallFunction"])
def test_a_light_function_starts_with_its_layers_and_loads_nothing_from_this_machine(template, baseline, function):
    # Given the function laid out as Lambda lays it out
    lambda_like = _function(template, function)
    # When its handler module is imported by python3.13, then what it defers to its first message or request is
    # built (settings, boto3 clients, policy, message models: no AWS call)
    answer = lambda_like.probe({"first_use": []})
    # Then it starts on 3.13, without the OCR engines, the PDF stack or a library Lambda does not have, and what it
    # deferred imports there too
    assert answer["python"].startswith("3.13.")
    assert not {"cv2", "onnxruntime", "rapidocr_onnxruntime", "pyhanko", "reportlab"} & set(answer["first_use_modules"])
    scheduled = function in ("DraftSweepFunction", "StallFunction")  # settings models at start, no policy read
    deferred = {"boto3"} if scheduled else {"boto3", "pydantic", "yaml"}
    assert deferred <= set(answer["first_use_modules"]) - set(answer["modules"])
    assert lambda_like.foreign_libraries(answer, baseline) == []


def test_the_extract_function_reads_each_document_type_with_both_engines(template, baseline, phone_documents):
    # Given the extract function with its layers (vision, OCR) and one photo of each document type
    lambda_like = _function(template, "ExtractFunction")
    request = [{"path": doc["path"], "type": doc["type"], "engine": engine}
               for doc in phone_documents for engine in ENGINES]
    # When it creates both engines and reads every document with each
    answer = lambda_like.probe({"engines": list(ENGINES), "extract": request})
    # Then every read names the type it was given and gets the type's telling field right, with either engine
    truth = {doc["path"]: doc["fields"] for doc in phone_documents}
    misread = [(read["type"], read["engine"], read["fields"].get(TELLING_FIELD[read["type"]]))
               for read in answer["extract"]
               if read["fields"].get(TELLING_FIELD[read["type"]]) != truth[read["path"]][TELLING_FIELD[read["type"]]]]
    assert [(read["type"], read["engine_used"]) for read in answer["extract"]] == \
        [(item["type"], item["engine"]) for item in request]
    assert misread == []
    # And the tesseract it ran is the layer's, with no library of this machine behind either engine
    assert lambda_like.foreign_libraries(answer, baseline) == []


def test_the_contract_function_renders_and_seals_a_contract(template, baseline, tmp_path):
    # Given the contract function with its seal layer, a signing key and its development chain
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from loanpipe_infra.localcloud.devca import issue_dev_chain
    from testkit.signing import LENDER, drawn_signature

    key = ec.generate_private_key(ec.SECP256R1())
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    authority = issue_dev_chain(public_der, LENDER, datetime.now(UTC))
    (tmp_path / "chain.pem").write_bytes(authority.chain_pem)
    (tmp_path / "crl.der").write_bytes(authority.crl_der)
    (tmp_path / "signature.png").write_bytes(drawn_signature())
    lambda_like = _function(template, "ContractFunction")
    # When it renders a contract with the layer's font and seals it (pyHanko, from the seal layer)
    answer = lambda_like.probe({"contract": {"out": str(tmp_path / "sealed.pdf"), "key_pem": str(tmp_path / "key.pem"),
                                             "chain_pem": str(tmp_path / "chain.pem"),
                                             "crl_der": str(tmp_path / "crl.der"),
                                             "signature_png": str(tmp_path / "signature.png")}})
    # Then the sealed contract is a PDF and nothing came from this machine
    assert answer["contract"]["pdf_bytes"] > 10_000
    assert (tmp_path / "sealed.pdf").read_bytes().startswith(b"%PDF")
    assert lambda_like.foreign_libraries(answer, baseline) == []


def test_only_the_contract_function_carries_the_seal(template):
    # Given the layers each function runs with
    layers = function_layers(template)
    # Then pyHanko's layer is the contract function's alone
    assert [name for name, listed in layers.items() if "SealLayer" in listed] == ["ContractFunction"]
    assert not (BUILD / "CommonLayer" / "python" / "pyhanko").exists()


def _fake_function(tmp_path: Path, code: str) -> tuple[dict, Path]:
    """A build with one function ``F`` whose handler module is ``code``, and no layer."""
    (tmp_path / "build" / "F").mkdir(parents=True)
    (tmp_path / "build" / "F" / "app.py").write_text(code, encoding="utf-8")
    return {"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {}}}}, tmp_path / "build"


def test_a_package_no_layer_ships_fails_even_when_this_machine_has_it(tmp_path):
    # Given a handler that imports pydantic, which this machine's virtual environment has and no layer ships
    template, build = _fake_function(tmp_path, "import pydantic\n")
    # When it is probed as on Lambda, Then it does not start
    with pytest.raises(ProbeFailed, match="No module named 'pydantic'"):
        prepare("F", template, build, PYTHON, tmp_path / "layout").probe({})


def test_a_shared_library_from_this_machine_is_named(tmp_path, baseline):
    # Given a handler that loads a library of this machine which Lambda's runtime does not have
    candidates = ("/usr/lib/x86_64-linux-gnu/libzstd.so.1", "/usr/lib/x86_64-linux-gnu/libgmp.so.10")
    library = next((path for path in candidates if Path(path).exists()), None) or pytest.skip("no libzstd, libgmp")
    template, build = _fake_function(tmp_path, f"import ctypes\nctypes.CDLL({library!r})\n")
    lambda_like = prepare("F", template, build, PYTHON, tmp_path / "layout")
    # When it is probed, Then the library is reported as foreign
    foreign = lambda_like.foreign_libraries(lambda_like.probe({}), baseline)
    assert [Path(path).name.split(".so")[0] for path in foreign] == [Path(library).name.split(".so")[0]]
