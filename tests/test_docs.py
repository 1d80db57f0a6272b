"""The commands in the documentation work.

- Fenced blocks marked ```` ```bash runnable ```` are executed (bash -euo
  pipefail) in a scratch folder that links the repository's tools, configs
  and projects, with this interpreter first on PATH as ``python`` and
  wandb disabled; what they write stays in the scratch folder.
- Every other ``python tools/<tool>.py ...`` command in docs/ and projects/
  READMEs is checked statically: the tool exists, every config path it names
  exists, and every ``--flag`` is one the tool defines.
"""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from helpers import REPO

DOC_FILES = sorted(
    glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True) +
    glob.glob(osp.join(REPO, 'projects', '**', 'README.md'), recursive=True))
FENCE = re.compile(r'^```([^\n]*)\n(.*?)^```', re.S | re.M)
COMMAND = re.compile(r'python (tools/[\w./-]+\.py)(.*)')
PLACEHOLDER = re.compile(r'^[A-Z_]+$|[<>]|\*|\$|\.\.\.')


def rel(path):
    return osp.relpath(path, REPO)


def runnable_blocks():
    blocks = []
    for path in DOC_FILES:
        text = open(path).read()
        for i, m in enumerate(FENCE.finditer(text)):
            if m.group(1).split()[:2] == ['bash', 'runnable']:
                blocks.append(pytest.param(m.group(2),
                                           id=f'{rel(path)}#{i}'))
    return blocks


def logical_lines(text):
    """Lines with backslash continuations joined."""
    return re.sub(r'\\\n\s*', ' ', text).splitlines()


def tool_commands():
    found = []
    for path in DOC_FILES:
        for line in logical_lines(open(path).read()):
            for m in COMMAND.finditer(line):
                rest = m.group(2).split('`')[0]  # inline code ends at a backtick
                found.append((rel(path), m.group(1), rest.split()))
    return found


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp('docs_ws')
    for name in ('tools', 'configs', 'projects', 'tests', 'datasets'):
        os.symlink(osp.join(REPO, name), ws / name)
    return ws


@pytest.mark.parametrize('block', runnable_blocks())
def test_runnable_block(block, workspace):
    env = dict(os.environ,
               PATH=osp.dirname(sys.executable) + os.pathsep +
               os.environ.get('PATH', ''),
               PYTHONPATH=REPO, WANDB_MODE='disabled', PYTHONUNBUFFERED='1')
    proc = subprocess.run(['bash', '-euo', 'pipefail', '-c', block],
                          cwd=workspace, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, (block + '\n---\n' + proc.stdout[-3000:] +
                                  proc.stderr[-3000:])


def test_quickcheck_outputs(workspace):
    """The one-minute check of getting_started.md leaves what it promises."""
    q = workspace / 'work_dirs' / 'quickcheck'
    if not q.exists():
        pytest.skip('runs after the runnable block of getting_started.md')
    assert (q / 'train' / 'iter_2.pth').is_file()
    assert (q / 'betaburg_seg.mp4').stat().st_size > 0
    assert glob.glob(str(q / 'flow' / 'betaburg' / '*_flow_fw.png'))
    assert glob.glob(str(q / 'train' / '*' / 'vis_data' / 'scalars.json'))


def test_there_are_runnable_blocks():
    assert len(runnable_blocks()) >= 2


def _tool_flags(tool):
    return set(re.findall(r"'(--[\w-]+)'", open(osp.join(REPO, tool)).read()))


@pytest.mark.parametrize('doc,tool,args', [
    pytest.param(*c, id=f'{c[0]}:{c[1]}') for c in tool_commands()])
def test_documented_command_is_valid(doc, tool, args):
    assert osp.isfile(osp.join(REPO, tool)), f'{doc}: no {tool}'
    flags = _tool_flags(tool)
    for arg in args:
        if arg.startswith('--'):
            flag = arg.split('=')[0]
            assert flag in flags, f'{doc}: {tool} has no option {flag}'
        elif (arg.endswith('.py') and arg.startswith(('configs/', 'projects/'))
              and not PLACEHOLDER.search(arg)):
            assert osp.isfile(osp.join(REPO, arg)), f'{doc}: no file {arg}'


def test_every_doc_page_is_linked_from_the_index():
    index = open(osp.join(REPO, 'docs', 'index.md')).read()
    for path in glob.glob(osp.join(REPO, 'docs', '**', '*.md'),
                          recursive=True):
        name = osp.relpath(path, osp.join(REPO, 'docs'))
        if name != 'index.md':
            assert f'({name})' in index, f'docs/index.md does not link {name}'
