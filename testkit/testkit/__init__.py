"""The testkit: what only tests, benchmarks and the demo use.

- ``testkit.fakes``: the in-memory fake of every port (``InMemory<Port>``);
- ``testkit.defects``: the one catalogue of defects the builders plant, named by reason code;
- ``testkit.scenarios``: the scenario builder (a case as extracted data, one defect planted);
- ``testkit.samples``: the sample-document generator (application folders and document files).

Installed beside ``loanpipe`` by ``make setup`` (tests, benchmarks, ``loanpipe samples`` and the demo use it)
and never copied into a Lambda layer: the layer build copies ``layers/common/loanpipe`` only. It imports
``loanpipe`` and never ``loanpipe_infra`` (import-linter, pyproject.toml).
"""
