"""Runs the documented ``python tools/<tool>.py ...`` commands (test_docs.py).

One worker process (``serve``) imports torch and mmengine once and runs each
command in process, as ``python`` would run it from the scratch workspace:
``runpy`` executes the tool as ``__main__`` with ``sys.argv`` = the command,
the working folder = the workspace, the command's environment prefix
(``PYTHONPATH=. ...``) applied and ``sys.path`` = the tool's folder, then
``PYTHONPATH``, then a fresh interpreter's path. A config's
``custom_imports`` must be importable from that path (imports are process
state: a module imported by an earlier command would hide a missing
``PYTHONPATH=.``). After each command the mmengine instances it created
(loggers, visualizers, message hubs, scopes; named after the config and the
second) are released, its dataloader workers stopped and its objects freed,
as the end of a process would.

What differs from the documented command:

- ``tools/train.py``: ``--cfg-options`` appended (they win): one iteration,
  batch size 2 (BatchNorm of pooled features needs two), no dataloader
  workers, a checkpoint at iteration 1. mmengine validates after the last
  iteration, as at the end of the documented schedule. ``iter_1.pth`` is
  then linked as ``iter_<max_iters>.pth``, the name the documented schedule
  leaves (max_iters and the work dir from tools/train.py's own
  ``build_config`` of the documented command).
- ``tools/analysis_tools/benchmark.py``: 2 frames, 1 warm-up frame, 64 x 128.
- ``tools/analysis_tools/tune_clock.py``: 10 frames, 2 bisection steps.
- ``tools/demo.py``: 1 iteration per stage; the tools it starts as
  ``[sys.executable, 'tools/X.py', ...]`` subprocesses run in process too.
- ``tools/dataset_converters/make_synthetic_dataset.py``: the tiny benchmark (``TINY_BENCHMARK``).
- torch uses one thread (two threads on a shared, loaded 2-core machine are
  several times slower), and configs are logged and dumped without yapf's
  formatting, their syntax still checked (``skip_config_formatting``).
"""
import ast
import gc
import json
import multiprocessing
import os
import os.path as osp
import runpy
import subprocess
import sys
import time
import traceback

# 4 videos (3 train, 1 val) of 30 frames (the configs' Cityscapes snippet
# length) at 64 x 128.
TINY_BENCHMARK = ['--videos', '4', '--height', '64', '--width', '128',
                  '--pretrain-videos', '2']
SMOKE_ARGS = {
    'tools/analysis_tools/benchmark.py': ['--frames', '2', '--warmup', '1',
                           '--shape', '64', '128'],
    'tools/analysis_tools/tune_clock.py': ['--frames', '10', '--steps', '2'],
    'tools/demo.py': ['--iters', '1', '--pretrain-iters', '1'],
    'tools/dataset_converters/make_synthetic_dataset.py': TINY_BENCHMARK,
}
SMOKE_TRAIN = ['train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1',
               'train_dataloader.batch_size=2',
               'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False']


class _Process:
    """Saves and restores what a command may change in this process.

    ``collect``: on exit, stop the daemonic processes the command started
    (dataloader workers, which a process would kill when it exits, instead
    of letting them finish their prefetched batches) and free its objects.
    """

    def __init__(self, collect=False):
        self.collect = collect

    def __enter__(self):
        self.saved = (os.getcwd(), list(sys.argv), list(sys.path),
                      dict(os.environ))
        self.instances = _manager_instances()
        return self

    def __exit__(self, *exc):
        cwd, argv, path, environ = self.saved
        os.chdir(cwd)
        sys.argv[:] = argv
        sys.path[:] = path
        os.environ.clear()
        os.environ.update(environ)
        _release_new_instances(self.instances)
        if self.collect:
            for child in multiprocessing.active_children():
                if child.daemon:
                    child.terminate()
                    child.join()
            gc.collect()


def _manager_classes():
    from mmengine.utils import ManagerMixin
    todo, found = [ManagerMixin], []
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _manager_instances():
    return {cls: set(cls._instance_dict) for cls in _manager_classes()}


def _release_new_instances(before):
    import logging
    for cls in _manager_classes():
        for name in list(cls._instance_dict):
            if name in before.get(cls, ()):
                continue
            instance = cls._instance_dict.pop(name)
            if isinstance(instance, logging.Logger):
                for handler in list(instance.handlers):
                    handler.close()
                    instance.removeHandler(handler)


def _config_arg(args):
    for arg in args:
        if arg.startswith('-'):
            return None
        if arg.endswith('.py') and osp.isfile(arg):
            return arg
    return None


def _check_custom_imports(args):
    """A config's custom_imports must be importable from this sys.path."""
    import importlib.util

    from mmengine.config import Config
    config = _config_arg(args)
    if config is None or 'custom_imports' not in open(config).read():
        return
    cfg = Config.fromfile(config, import_custom_modules=False)
    for module in (cfg.get('custom_imports') or {}).get('imports', []):
        top = module.split('.')[0]
        loaded = sys.modules.pop(top, None)
        try:
            spec = importlib.util.find_spec(top)
        finally:
            if loaded is not None:
                sys.modules[top] = loaded
        if spec is None:
            raise ModuleNotFoundError(
                f"No module named '{top}': {config} imports {module} "
                f'(custom_imports), which a fresh interpreter does not find '
                f'on its path {sys.path[:2]}... (PYTHONPATH=. missing?)')


def _as_python_would(tool, args, env, base_path):
    """Environment and sys.path of ``env python tool args``."""
    os.environ.update(env)
    pythonpath = [osp.abspath(p) for p in
                  os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]
    sys.path[:] = ([osp.dirname(osp.realpath(tool))] + pythonpath +
                   list(base_path))
    _check_custom_imports(args)
    sys.argv[:] = [tool] + list(args)


def run_tool(tool, args, env=None, cwd='.', base_path=None):
    """``env python tool args`` in this process, from ``cwd``."""
    base_path = BASE_PATH if base_path is None else base_path
    with _Process(collect=True):
        os.chdir(cwd)
        _as_python_would(tool, args, env or {}, base_path)
        real_run = subprocess.run
        if tool == 'tools/demo.py':
            subprocess.run = _in_process_run(real_run, base_path)
        try:
            runpy.run_path(tool, run_name='__main__')
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise RuntimeError(f'{tool} exited with status {exc.code}')
        finally:
            subprocess.run = real_run


def _in_process_run(real_run, base_path):
    """subprocess.run running ``[sys.executable, 'tools/X.py', ...]`` here."""

    def run(cmd, *args, cwd=None, check=False, **kwargs):
        if not (isinstance(cmd, (list, tuple)) and len(cmd) > 1
                and cmd[0] == sys.executable and cmd[1].endswith('.py')):
            return real_run(cmd, *args, cwd=cwd, check=check, **kwargs)
        try:
            run_tool(cmd[1], cmd[2:], cwd=cwd or os.getcwd(),
                     base_path=base_path)
        except Exception as exc:
            if check:
                raise subprocess.CalledProcessError(1, cmd) from exc
            return subprocess.CompletedProcess(cmd, 1)
        return subprocess.CompletedProcess(cmd, 0)

    return run


def documented_train_config(args, env, base_path):
    """tools/train.py's own config of the documented command ``args``."""
    with _Process():
        _as_python_would('tools/train.py', args, env, base_path)
        train = runpy.run_path('tools/train.py', run_name='docs_train')
        return train['build_config'](train['parse_args']())


def smoke_command(tool, args, env, base_path=None):
    """(arguments of the smoke run, tools/train.py's documented config)."""
    if tool == 'tools/train.py':
        cfg = documented_train_config(args, env, base_path)
        return list(args) + ['--cfg-options'] + SMOKE_TRAIN, cfg
    return list(args) + SMOKE_ARGS.get(tool, []), None


def run_documented(job, base_path=None):
    """The smoke run of a documented command (from the working folder)."""
    base_path = BASE_PATH if base_path is None else base_path
    job['ran'], cfg = smoke_command(job['tool'], job['args'], job['env'],
                                    base_path)
    run_tool(job['tool'], job['ran'], job['env'], '.', base_path)
    if cfg is not None:
        link_final_checkpoint(cfg)


def link_final_checkpoint(cfg):
    """iter_<max_iters>.pth -> the smoke run's iter_1.pth."""
    done = osp.join(cfg.work_dir, 'iter_1.pth')
    if not osp.isfile(done):
        raise FileNotFoundError(f'the smoke run left no {done}')
    final = osp.join(cfg.work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
    if final != done:
        if osp.lexists(final):
            os.remove(final)
        os.symlink('iter_1.pth', final)


def fresh_interpreter_path():
    """sys.path of ``python tool.py`` minus the script's folder."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.check_output(
        [sys.executable, '-c',
         'import json, sys; print(json.dumps(sys.path[1:]))'],
        env=env, text=True)
    return json.loads(out)


BASE_PATH = None


class _Redirect:
    """fds 1 and 2 to ``path`` (tools, loggers and workers write there)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = [os.dup(1), os.dup(2)]
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)


def _parse_only(text, style_config=None, **kwargs):
    """yapf's FormatCode without the formatting: the syntax check only."""
    ast.parse(text)
    return text, False


def skip_config_formatting():
    """Configs are logged and dumped unformatted (their syntax still checked).

    yapf formats a config each time it is logged or dumped, six times per
    Runner: half the time of a one-iteration training.
    """
    import mmengine.config.config
    mmengine.config.config.FormatCode = _parse_only


def serve(conn, workspace):
    """Worker loop: job dicts in, dict(ok, ran, seconds[, error]) out."""
    global BASE_PATH
    os.chdir(workspace)
    os.environ['WANDB_MODE'] = 'disabled'
    os.environ.pop('PYTHONPATH', None)
    BASE_PATH = fresh_interpreter_path()
    import mmengine.runner  # noqa: F401  (imported once for every command)
    import torch
    torch.set_num_threads(1)
    skip_config_formatting()
    conn.send(dict(ready=True))
    while True:
        job = conn.recv()
        if job is None:
            return
        start = time.time()
        answer = dict(ok=True)
        with _Redirect(job['log']):
            try:
                run_documented(job)
            except BaseException:  # noqa: B036 (a SystemExit is a failure too)
                answer = dict(ok=False, error=traceback.format_exc())
        answer['ran'] = job.get('ran')
        answer['seconds'] = time.time() - start
        conn.send(answer)
