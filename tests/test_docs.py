"""The commands in the documentation work.

Every ``python tools/<tool>.py ...`` command of docs/ and the projects/
READMEs (``documented_commands()``; backslash continuations joined, shell
words, ``VAR="..."`` lines of the page expanded where ``$VAR`` is used) is

- **run** when it names concrete files: in documented order, each distinct
  command (environment prefix, tool, arguments) once, in a scratch workspace
  that links tools/, configs/, projects/, tests/ and datasets/ and holds a
  tiny synthetic benchmark in ``data/synthetic`` (4 videos of 30 frames at
  64 x 128, where the synthetic configs read it). One worker process
  (tests/docs_runner.py) runs each as ``python`` would (``__main__``,
  ``sys.argv``, working folder, environment prefix, import path), with smoke
  settings appended: one training iteration, short benchmarks, ``--iters 1``
  for the demo (the full list is in docs_runner.py). A training leaves
  ``iter_1.pth`` linked as ``iter_<max_iters>.pth``, the name its documented
  schedule leaves, so the later commands that name that checkpoint (tests,
  ``load_from``, teacher checkpoints of configs) run as written, and a wrong
  name fails. A failure names the page, the line and the command; a test
  selected alone first runs the commands before it.
- **executed as a block** when it lies in a fenced ```` ```bash runnable ````
  block (bash -euo pipefail in the same workspace, this interpreter first on
  PATH as ``python``, wandb disabled): the one-minute check of
  docs/getting_started.md.
- **checked statically only** (``not_run_because()`` says why) when it has a
  placeholder: the synopses with ``CONFIG`` (training_testing.md, logging.md,
  reliability.md, projects/README.md), the checkpoint ``C`` and the phase
  ``P`` of methods/dff_clockwork.md, ``W1``/``W2``/``D`` of results.md,
  ``W`` of uda.md (its stage.py comes from a 1000-iteration demo), ``$i``
  and ``SUBMISSION`` of datasets.md; or when it reads a real dataset
  (``data/viper``, ``data/cityscapes*``): the flow conversion and
  computation commands of datasets.md.

Every command is also checked statically: the tool exists, every config path
it names exists, and every ``--flag`` is one the tool defines.
"""
import glob
import multiprocessing
import os
import os.path as osp
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

import pytest

from helpers import REPO

DOC_FILES = sorted(
    glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True) +
    glob.glob(osp.join(REPO, 'projects', '**', 'README.md'), recursive=True))
FENCE = re.compile(r'^```([^\n]*)\n(.*?)^```', re.S | re.M)
COMMAND = re.compile(r'python (tools/[\w./-]+\.py)')
ASSIGNMENT = re.compile(r'^([A-Za-z_]\w*)=(.*)$', re.S)
SHELL_OPERATORS = {';', '&', '&&', '|', '||'}
PLACEHOLDER_PART = re.compile(r'^[A-Z][A-Z0-9_]*$')
WORKSPACE_LINKS = ('tools', 'configs', 'projects', 'tests', 'datasets')
COMMAND_TIMEOUT = 600


def rel(path):
    return osp.relpath(path, REPO)


@dataclass(frozen=True)
class Command:
    doc: str  # relative to the repository
    line: int  # where the command starts, 1-based
    text: str  # as written (continuations joined)
    env: Tuple[Tuple[str, str], ...]  # prefix assignments, e.g. PYTHONPATH=.
    tool: str
    args: Tuple[str, ...]  # shell words, documented variables expanded
    runnable_block: bool

    @property
    def where(self):
        return f'{self.doc}:{self.line}'

    @property
    def key(self):
        return (self.env, self.tool, self.args)


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
    """(first line number, line, fence info or None), continuations joined."""
    lines = text.split('\n')
    fence = None
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        if line.strip().startswith('```'):
            fence = line.strip()[3:].strip() if fence is None else None
            continue
        while line.endswith('\\') and i < len(lines):
            line = line[:-1] + ' ' + lines[i].strip()
            i += 1
        yield number, line, fence


def _expand(segment, variables):
    for name, value in variables.items():
        segment = re.sub(r'\$\{?' + name + r'\}?(?!\w)',
                         lambda _: value, segment)
    return segment


def _parse_command(segment, tool):
    """(env, args) of the shell command in ``segment`` that runs ``tool``."""
    words = shlex.split(segment, comments=True)
    for j in range(len(words) - 1):
        if (words[j] == 'python' or words[j].endswith('/python')) \
                and words[j + 1] == tool:
            break
    else:
        raise ValueError(f'no "python {tool}" in {segment!r}')
    env = []
    for word in reversed(words[:j]):
        m = ASSIGNMENT.match(word)
        if not m:
            break
        env.insert(0, (m.group(1), m.group(2)))
    args = []
    for word in words[j + 2:]:
        if word in SHELL_OPERATORS:
            break
        args.append(word)
    return tuple(env), tuple(args)


def documented_commands():
    """Every ``python tools/<tool>.py`` command of the docs, in order."""
    found = []
    for path in DOC_FILES:
        variables = {}
        for number, line, fence in logical_lines(open(path).read()):
            if not COMMAND.search(line):
                try:
                    words = shlex.split(line, comments=True)
                except ValueError:
                    continue
                m = len(words) == 1 and ASSIGNMENT.match(words[0])
                if m:  # VAR="..." in a code block: used as $VAR below
                    variables[m.group(1)] = m.group(2)
                continue
            for m in COMMAND.finditer(line):
                start, end = 0, len(line)
                if line[:m.start()].count('`') % 2:  # inline code
                    start = line.rfind('`', 0, m.start()) + 1
                    end = line.find('`', m.start())
                    end = len(line) if end < 0 else end
                segment = _expand(line[start:end], variables)
                env, args = _parse_command(segment, m.group(1))
                runnable = (fence or '').split()[:2] == ['bash', 'runnable']
                found.append(Command(rel(path), number,
                                     line[start:end].strip(), env,
                                     m.group(1), args, runnable))
    return found


def tool_commands():
    """(doc, tool, args) of every documented command."""
    return [(c.doc, c.tool, list(c.args)) for c in documented_commands()]


def is_placeholder(word):
    # A path with '*' is a shell glob (the runner runs no shell); a bare
    # pattern like --glob "x_*" is the tool's own argument.
    return (any(ch in word for ch in '<>[]$') or '...' in word
            or ('*' in word and '/' in word) or any(
                PLACEHOLDER_PART.match(part)
                for part in re.split(r'[=/,:]', word)))


def not_run_because(cmd: Command) -> Optional[str]:
    """Why a documented command is not run (None: it is run)."""
    if cmd.runnable_block:
        return 'runs in its `bash runnable` block'
    words = [w for w in cmd.args + tuple(v for _, v in cmd.env)
             if is_placeholder(w)]
    if words:
        return 'placeholder ' + ', '.join(map(repr, words))
    for word in cmd.args:
        if word.startswith('data/') and not word.startswith('data/synthetic'):
            return f'reads the real dataset {word}'
    return None


def commands_to_run():
    """The distinct runnable commands, in documented order."""
    runs = {}
    for cmd in documented_commands():
        if not_run_because(cmd) is None:
            runs.setdefault(cmd.key, []).append(cmd)
    return list(runs.values())


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp('docs_ws')
    for name in WORKSPACE_LINKS:
        os.symlink(osp.join(REPO, name), ws / name)
    return ws


class Worker:
    """The process that runs the documented commands (docs_runner.serve)."""

    def __init__(self, workspace):
        self.workspace = str(workspace)
        self.logs = osp.join(self.workspace, 'command_logs')
        os.makedirs(self.logs, exist_ok=True)
        self.count = 0
        self.process = None
        self.answers = {}  # Command.key -> answer of its run

    def start(self):
        import docs_runner
        ctx = multiprocessing.get_context('spawn')
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=docs_runner.serve,
                                   args=(child, self.workspace))
        self.process.start()
        child.close()
        self.receive(300)

    def receive(self, timeout):
        if not self.conn.poll(timeout):
            self.stop()
            raise TimeoutError(f'no answer from the worker in {timeout} s')
        try:
            return self.conn.recv()
        except EOFError:
            self.stop()
            raise RuntimeError('the worker process died (see its log)')

    def run(self, tool, args, env=()):
        if self.process is None or not self.process.is_alive():
            self.start()
        self.count += 1
        log = osp.join(self.logs, f'{self.count:03d}_{osp.basename(tool)}.log')
        self.conn.send(dict(tool=tool, args=list(args), env=dict(env),
                            log=log))
        answer = self.receive(COMMAND_TIMEOUT)
        answer['log'] = log
        return answer

    def stop(self):
        if self.process is not None and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(30)
            except (OSError, EOFError):
                pass
            if self.process.is_alive():
                self.process.kill()
        self.process = None


def _log_tail(path, chars=4000):
    try:
        with open(path, errors='replace') as f:
            return f.read()[-chars:]
    except OSError:
        return ''


@pytest.fixture(scope='module')
def docs_worker(workspace):
    worker = Worker(workspace)
    # The tiny benchmark the configs read (docs_runner.TINY_BENCHMARK).
    answer = worker.run('tools/dataset_converters/make_synthetic_dataset.py',
                        ['--out', 'data/synthetic'])
    assert answer['ok'], answer['error'] + _log_tail(answer['log'])
    yield worker
    worker.stop()
    if worker.answers and all(a['ok'] for a in worker.answers.values()):
        for name in ('work_dirs', 'wd'):  # checkpoints: about 1 GB
            shutil.rmtree(osp.join(workspace, name), ignore_errors=True)


@pytest.mark.parametrize('block', runnable_blocks())
def test_runnable_block(block, workspace):
    env = dict(os.environ,
               PATH=osp.dirname(sys.executable) + os.pathsep +
               os.environ.get('PATH', ''),
               PYTHONPATH=REPO, WANDB_MODE='disabled', PYTHONUNBUFFERED='1',
               OMP_NUM_THREADS='1')  # faster on a shared 2-core machine
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


RUNS = commands_to_run()


@pytest.mark.parametrize('index', [
    pytest.param(i, id=f'{same[0].where}:{osp.basename(same[0].tool)}')
    for i, same in enumerate(RUNS)])
def test_documented_command_runs(index, docs_worker):
    """Commands run in documented order; a test selected alone first runs
    the commands before it (their outputs may be its inputs)."""
    for same in RUNS[:index]:
        if same[0].key not in docs_worker.answers:
            _run(docs_worker, same)
    same = RUNS[index]
    answer = _run(docs_worker, same)
    if not answer['ok']:
        cmd = same[0]
        also = ''.join(f'\n  also at {c.where}' for c in same[1:])
        failed = [s[0].where for s in RUNS[:index]
                  if not docs_worker.answers[s[0].key]['ok']]
        before = (f'\n(earlier documented commands failed too: {failed})'
                  if failed else '')
        pytest.fail(
            f'{cmd.where}: documented command failed:\n  {cmd.text}{also}\n'
            f'ran (smoke settings appended): python {cmd.tool} '
            f'{shlex.join(answer.get("ran") or cmd.args)}{before}\n'
            f'{answer["error"]}\n--- log {answer["log"]} (tail) ---\n'
            f'{_log_tail(answer["log"])}', pytrace=False)


def _run(worker, same):
    cmd = same[0]
    answer = worker.run(cmd.tool, cmd.args, cmd.env)
    worker.answers[cmd.key] = answer
    return answer


def test_commands_are_run_unless_they_cannot_be():
    """Parsing and classification: most commands run; the rest say why."""
    commands = documented_commands()
    reasons = [not_run_because(c) for c in commands]
    assert all(r is None or r.startswith(('placeholder', 'reads the real',
                                          'runs in its'))
               for r in reasons)
    assert len(commands_to_run()) >= 30
    # The variables of a code block are expanded (VAR=... then $VAR).
    assert _expand('--cfg-options $OPTS ${OPTS} $OPTSX',
                   {'OPTS': 'a=1 b=2'}) == \
        '--cfg-options a=1 b=2 a=1 b=2 $OPTSX'
    assert all('#' not in ' '.join(c.args) for c in commands)


def test_a_failing_command_fails(docs_worker):
    answer = docs_worker.run('tools/test.py', ['configs/no_such_config.py',
                                               'work_dirs/x/iter_1.pth'])
    assert not answer['ok'] and 'no_such_config' in answer['error']
    answer = docs_worker.run('tools/train.py', [
        'projects/accel_fusion/configs/'
        'accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'])
    assert not answer['ok'] and 'PYTHONPATH' in answer['error']


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
        elif (arg.endswith('.py')
              and arg.startswith(('configs/', 'projects/', 'tests/'))
              and not is_placeholder(arg)):
            assert osp.isfile(osp.join(REPO, arg)), f'{doc}: no file {arg}'


def test_every_doc_page_is_linked_from_the_index():
    index = open(osp.join(REPO, 'docs', 'index.md')).read()
    for path in glob.glob(osp.join(REPO, 'docs', '**', '*.md'),
                          recursive=True):
        name = osp.relpath(path, osp.join(REPO, 'docs'))
        if name != 'index.md':
            assert f'({name})' in index, f'docs/index.md does not link {name}'
