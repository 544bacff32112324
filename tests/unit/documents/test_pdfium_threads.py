"""PDFium is not thread-safe (domain.native): two threads of one process reading PDFs at once crashed the local
cloud's demo (SIGSEGV while four customers' contracts were verified). Every pdfium use holds ``PDFIUM``; this
test reads statements, their forensics and a contract's consent record from four threads at once, in a process
of its own so that a crash fails the test instead of the test run. With the lock replaced by a no-op, the same
process died in each of three runs (SIGTRAP, SIGABRT, SIGSEGV)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from reportlab.pdfgen import canvas


def statement_pdf(path, pages: int = 4) -> None:
    page_canvas = canvas.Canvas(str(path))
    for page in range(pages):
        for line in range(45):
            page_canvas.drawString(40, 800 - 17 * line,
                                   f"2026-01-{line % 28 + 1:02d} Transfer {page}-{line} 1,234.56 98,765.43")
        page_canvas.showPage()
    page_canvas.save()


WORKER = textwrap.dedent("""
    import sys, threading
    from loanpipe.extraction.forensics import image_evidence
    from loanpipe.extraction.pdf import open_pdf, read_text_layer
    from loanpipe.contracts.verify import _consent_names_the_issued_contract

    data = open(sys.argv[1], "rb").read()
    results, errors = [], []

    def read(rounds):
        try:
            for _ in range(rounds):
                with open_pdf(data) as document:
                    texts = []
                    for index in range(len(document)):
                        page = document[index]
                        try:
                            texts.append(" ".join(box.text for box in read_text_layer(page).boxes))
                        finally:
                            page.close()
                results.append(hash(tuple(texts)))
                image_evidence(data, "application/pdf")
                _consent_names_the_issued_contract(None, data)  # no consent record: pdfium reads the text only
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=read, args=(15,)) for _ in range(4)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    print(len(results), len(set(results)), errors)
""")


def test_four_threads_reading_pdfs_at_once_get_the_same_text_and_the_process_survives(tmp_path):
    pdf = tmp_path / "statement.pdf"
    statement_pdf(pdf)
    done = subprocess.run([sys.executable, "-c", WORKER, str(pdf)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the process died ({done.returncode}): {done.stderr[-2000:]}"
    assert done.stdout.split() == ["60", "1", "[]"]
