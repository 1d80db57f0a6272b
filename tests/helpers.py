"""Helpers shared by the tests."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_tool(args, cwd=REPO, timeout=600, env=None):
    """Run a repo tool with this interpreter; return the CompletedProcess."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1')
    full_env.update(env or {})
    return subprocess.run([sys.executable] + list(args), cwd=cwd,
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)
