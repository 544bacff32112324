"""The checks of ``validation.validate``, one module per concern.

Each check is a function that takes what it needs (documents, the policy, the clock) and the ``CheckLog``
it appends its results to, and returns the figures it established; none keeps state of its own.
``log`` the results in run order; ``fields`` reading a document's fields; ``documents`` presence and
reading confidence; ``pages`` statements photographed page by page; ``identity`` the ID card and the
same person across documents; ``statements`` balances, period and recency; ``employer`` does a row name
the employer; ``income`` certified income against salary credits; ``dates`` the certificate's dates;
``fraud`` duplicate and edited images, concurrent applications, the officer's phone; ``capture`` where and
when the photos were taken.
"""
