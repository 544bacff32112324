"""The testkit: in-memory fakes of the ports, the scenario builder and the sample-document generator.

Installed beside ``loanpipe`` by ``make setup`` (tests, benchmarks, ``loanpipe samples`` and the demo use it)
and never copied into a Lambda layer: the layer build copies ``layers/common/loanpipe`` only.
"""
