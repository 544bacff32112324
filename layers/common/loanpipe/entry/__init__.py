"""Entry points' machinery (the top layer): the composition root, the stage runner, logging and metrics."""
