"""Run a command-line tool of a repository checkout in a fresh process."""
import os
import subprocess
import sys
from typing import Sequence


def run_repo_tool(cmd: Sequence[str], repo: str) -> None:
    """``python cmd...`` from ``repo``, streaming its output.

    ``repo`` goes first on ``PYTHONPATH`` (the plug-ins under ``projects/``
    import from it); a non-zero exit raises ``CalledProcessError``.
    """
    print('$ ' + ' '.join(cmd), flush=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [repo] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    subprocess.run([sys.executable] + list(cmd), cwd=repo, check=True,
                   env=env)
