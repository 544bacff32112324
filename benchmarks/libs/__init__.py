"""Parts of ``python -m benchmarks.libraries``: each measures one library against the project's own code."""
