"""Kill-and-resume soaks (benchmarks/soak_resume.py) of real configs on the
tiny synthetic benchmark, run a few at a time in the background.

A test parametrized over ``SoakCase`` objects (argument name ``case``) asks
the session's ``soak_pool`` fixture (conftest.py) for its result; the pool
starts every collected case at its first use, so the soaks of all modules
overlap (each soak's legs are subprocesses, mostly start-up time).
"""
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

from helpers import REPO

# Four iterations, a checkpoint and a SIGKILL after iteration 2, a resume.
ITERS, KILL_EVERY = 4, 2
# The kill comes at most this long after the checkpoint of iteration 2 is
# recorded: in iteration 3, well before the next checkpoint (an iteration
# takes 0.2 s or more, saving one about 1 s).
KILL_DELAY = 0.2
# Validation at the end is not what is compared: skip it.
NO_VAL = ['val_dataloader=None', 'val_cfg=None', 'val_evaluator=None']
# One thread per training process: several soaks share the cores.
ENV = dict(WANDB_MODE='disabled', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
CONCURRENCY = 3
TIMEOUT = 900  # seconds per soak


@dataclass(frozen=True)
class SoakCase:
    """A config and the options that point it at the tiny benchmark.

    ``options(root, work_dir)`` returns the --cfg-options (root: the tiny
    benchmark; work_dir: the case's folder, e.g. for a start checkpoint it
    writes); it runs in the test process's main thread when the soak is
    queued.
    ``cost`` orders the starts (the slowest first).
    """
    name: str
    config: str
    options: Callable[[Path, Path], List[str]]
    cost: int = 1

    def __str__(self):
        return self.name


def small_crops(pipeline: str, preprocessors: List[str]) -> List[str]:
    """64 x 64 crops instead of 128 x 128 (the train pipeline of
    configs/_base_/datasets/synthetic_clips.py: item 1 is the
    ClipBroadcaster of RandomResize, FlowAwareRandomCrop and
    FlowAwareRandomFlip)."""
    geometry = f'{pipeline}.1.transforms'
    return ([f'{geometry}.0.scale=(128,64)',
             f'{geometry}.1.crop_size=(64,64)'] +
            [f'{p}.size=(64,64)' for p in preprocessors])


def run_soak(config: str, options: List[str], work: Path,
             running: set) -> dict:
    """Run the soak; returns returncode, output, soak.json and seconds.

    The soak and its training legs form a process group of their own, in
    ``running`` while they run (SoakPool.close ends what is left).
    """
    start = time.time()
    proc = subprocess.Popen(
        [sys.executable, 'benchmarks/soak_resume.py', config,
         '--iters', str(ITERS), '--kill-every', str(KILL_EVERY),
         '--max-kill-delay', str(KILL_DELAY),
         '--work-dir', str(work), '--cfg-options', *NO_VAL, *options],
        cwd=REPO, env=dict(os.environ, PYTHONUNBUFFERED='1', **ENV),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    running.add(proc)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        kill_group(proc)
        running.discard(proc)
    result_file = work / 'soak.json'
    return dict(returncode=proc.returncode,
                output=out[-2000:] + err[-5000:],
                result=(json.loads(result_file.read_text())
                        if result_file.exists() else None),
                seconds=time.time() - start)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL what is left of the process group ``proc`` leads."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class SoakPool:
    """Runs soaks ``CONCURRENCY`` at a time; ``result(case)`` waits for one."""

    def __init__(self, root: Path, base: Path) -> None:
        self.root, self.base = root, base
        self.executor = ThreadPoolExecutor(CONCURRENCY)
        self.futures = {}
        self.running = set()

    def start(self, cases) -> None:
        for case in sorted(cases, key=lambda c: -c.cost):
            if case.name not in self.futures:
                work = self.base / case.name
                work.mkdir(parents=True)
                self.futures[case.name] = self.executor.submit(
                    run_soak, case.config, case.options(self.root, work),
                    work, self.running)

    def result(self, case: SoakCase) -> dict:
        self.start([case])
        return self.futures[case.name].result()

    def close(self) -> None:
        """Drop the soaks not started; end those still running (a run
        stopped early, e.g. by -x)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        for proc in list(self.running):
            kill_group(proc)
        self.executor.shutdown(wait=True)


def check_exact(outcome: dict) -> None:
    """The assertions of every kill-and-resume test."""
    assert outcome['returncode'] == 0, outcome['output']
    result = outcome['result']
    assert result is not None, outcome['output']
    assert result['kills'] >= 1, result
    # Each resume started at its kill point (not after a later checkpoint).
    assert result['resumed_from'] == list(range(KILL_EVERY, ITERS,
                                                KILL_EVERY)), result
    assert result['tensors'] > 0, result
    assert result['identical'], result
