"""Tests of tiny ops and networks: one intra-op thread each."""
from helpers import single_thread  # noqa: F401 (an autouse fixture)
