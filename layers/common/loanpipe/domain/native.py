"""Locks for native libraries that must not be entered by two threads of one process at once.

PDFium is not thread-safe: pypdfium2's documentation says no two pdfium calls may run at the same time in
different threads, not even on different documents ("doing so would crash or corrupt the process"). Every use
of pdfium in the product (opening a statement, its picture and forensics, stamping and verifying a contract)
holds ``PDFIUM`` from opening the document to closing it. On Lambda a process serves one invocation at a time,
so the lock is never waited for there; it matters where threads share a process: the local cloud's demo verifies
four customers' signed contracts in four threads, and two at once crashed the whole process (SIGSEGV, on the
dev-set replay). Reentrant, so a guarded helper may call another.
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
