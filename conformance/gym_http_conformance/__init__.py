"""The gym-http-api conformance suite: language-neutral cases and a runner
that checks any server, by URL, against them."""

from .cases import CaseFile, load_case_files
from .runner import CaseResult, run_cases

__all__ = ["CaseFile", "CaseResult", "load_case_files", "run_cases"]
__version__ = "1.0.0"
