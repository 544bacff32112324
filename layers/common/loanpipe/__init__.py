"""loanpipe: the domain library shared by every Lambda function (shipped as the common layer)."""

__version__ = "0.1.0"
