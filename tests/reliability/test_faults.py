"""Fault injection for real: SIGKILL + resume, kills and full disks while saving,
NaN losses, config typos, 2-process training."""
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import torch

import uda_video  # noqa: F401  (checkpoint allow-list)
from helpers import REPO, run_tool

AUG = 'tests/configs/tiny_encdec_aug.py'


def data_opts(root):
    return [f'{k}_dataloader.dataset.data_root={root}'
            for k in ('train', 'val', 'test')]


def train_args(cfg, work, root, options=(), flags=()):
    return ['tools/train.py', cfg, '--work-dir', str(work), *flags,
            '--cfg-options', *data_opts(root), *options]


def state(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory, tiny_folder_dataset):
    work = tmp_path_factory.mktemp('uninterrupted')
    proc = run_tool(train_args(AUG, work, tiny_folder_dataset))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return state(work / 'iter_6.pth')


def test_sigkill_then_resume_equals_uninterrupted(tmp_path, uninterrupted,
                                                  tiny_folder_dataset):
    # The kill must land before the run finishes; on a loaded machine the
    # poller can be descheduled for as long as the whole run, so a kill that
    # came too late is retried in a fresh work dir (at most 3 times).
    for attempt in range(3):
        work = tmp_path / f'attempt{attempt}'
        work.mkdir()
        log = open(work / 'killed.log', 'w')
        proc = subprocess.Popen(
            [sys.executable] + train_args(AUG, work, tiny_folder_dataset),
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while not (work / 'iter_2.pth').exists():
            assert proc.poll() is None, open(work / 'killed.log').read()[-3000:]
            assert time.time() < deadline
            time.sleep(0.02)
        time.sleep(0.05 * attempt)  # in iteration 3 or 4, or saving iter_4
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not (work / 'iter_6.pth').exists():
            break
    else:
        pytest.fail('killed too late in 3 attempts')
    assert proc.returncode == -signal.SIGKILL
    tmp_path = work
    # Nothing half-written is left under a checkpoint name.
    for name in os.listdir(tmp_path):
        if name.endswith('.pth'):
            torch.load(tmp_path / name, weights_only=True)
    resumed = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                                  flags=['--resume']))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed epoch: 0, iter:' in resumed.stdout + resumed.stderr
    final = state(tmp_path / 'iter_6.pth')
    assert final.keys() == uninterrupted.keys()
    for k in final:
        assert torch.equal(final[k], uninterrupted[k]), k


def test_resume_without_rng_states_diverges(tmp_path, uninterrupted,
                                            tiny_folder_dataset):
    """The control: the random generators are what makes resume exact."""
    first = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                                options=['train_cfg.max_iters=2']))
    assert first.returncode == 0, first.stderr[-3000:]
    ckpt = torch.load(tmp_path / 'iter_2.pth', weights_only=True)
    del ckpt['rng_states']
    torch.save(ckpt, tmp_path / 'iter_2.pth')
    resumed = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                                  flags=['--resume']))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = state(tmp_path / 'iter_6.pth')
    assert any(not torch.equal(final[k], uninterrupted[k]) for k in final)


WRITER = textwrap.dedent('''
    import os, resource, signal, sys
    from uda_video.utils.fileio import AtomicLocalBackend
    path, mode = sys.argv[1], sys.argv[2]
    backend = AtomicLocalBackend()
    if mode == 'loop':
        i = 0
        while True:
            backend.put(bytes([i % 2]) * (32 << 20), path)
            i += 1
            print(i, flush=True)
    else:  # a file-size limit plays a full disk: the second write fails
        backend.put(b'good' * 1000, path)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        try:
            backend.put(b'x' * (8 << 20), path)
        except OSError as e:
            print('write failed:', e.errno)
            sys.exit(3)
''')


def test_kill_while_saving_leaves_whole_file(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    proc = subprocess.Popen([sys.executable, '-c', WRITER, path, 'loop'],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == '1'  # one whole file exists
    time.sleep(0.15)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = open(path, 'rb').read()
    assert len(data) == 32 << 20
    assert data.count(data[:1]) == len(data)  # all one write, never mixed


def test_full_disk_keeps_previous_checkpoint(tmp_path):
    path = tmp_path / 'ckpt.pth'
    proc = subprocess.run([sys.executable, '-c', WRITER, str(path), 'full'],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert path.read_bytes() == b'good' * 1000
    assert os.listdir(tmp_path) == ['ckpt.pth']  # the temporary file is gone


def test_checkpoints_are_written_atomically_by_default(tmp_path):
    from mmengine.fileio import get_file_backend
    from mmengine.runner.checkpoint import save_checkpoint
    from uda_video.utils.fileio import AtomicLocalBackend
    assert isinstance(get_file_backend(str(tmp_path / 'x.pth')),
                      AtomicLocalBackend)
    written = []
    original = AtomicLocalBackend.put
    AtomicLocalBackend.put = lambda self, obj, path: written.append(path) or \
        original(self, obj, path)
    try:
        save_checkpoint({'w': torch.ones(1)}, str(tmp_path / 'x.pth'))
    finally:
        AtomicLocalBackend.put = original
    assert written == [str(tmp_path / 'x.pth')]
    from mmengine.config import Config
    runtime = Config.fromfile(osp.join(REPO, 'configs/_base_/default_runtime.py'))
    assert {h['type'] for h in runtime.custom_hooks} >= {
        'FiniteLossHook', 'RandomStateHook'}


def test_nan_loss_stops_and_keeps_last_good(tmp_path, tiny_folder_dataset):
    proc = run_tool(
        train_args('tests/configs/tiny_encdec_nan.py', tmp_path,
                   tiny_folder_dataset),
        env=dict(PYTHONPATH=osp.join(REPO, 'tests')))
    assert proc.returncode != 0
    assert 'FloatingPointError: loss "' in proc.stderr
    assert 'at iteration 4' in proc.stderr
    assert not (tmp_path / 'iter_4.pth').exists()
    last = open(tmp_path / 'last_checkpoint').read().strip()
    assert last.endswith('iter_3.pth')
    assert all(torch.isfinite(v).all() for v in state(last).values()
               if v.is_floating_point())


def test_config_typo_fails_before_training(tmp_path, tiny_folder_dataset):
    proc = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                               options=['trian_cfg.max_iters=3']))
    assert proc.returncode != 0
    assert 'unknown config key "trian_cfg"' in proc.stderr
    assert 'did you mean "train_cfg"' in proc.stderr
    assert not any(n.endswith('.pth') for n in os.listdir(tmp_path))


def test_unknown_type_fails_before_training(tmp_path, tiny_folder_dataset):
    proc = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                               options=['model.decode_head.type=NoSuchHead']))
    assert proc.returncode != 0
    assert 'NoSuchHead' in proc.stderr
    assert not any(n.endswith('.pth') for n in os.listdir(tmp_path))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_processes_match_one(tmp_path, tiny_folder_dataset):
    """2 ranks x batch 2 reach the weights of 1 rank x batch 4 (BN frozen)."""
    common = ['train_cfg.max_iters=3', 'model.backbone.norm_eval=True',
              'default_hooks.checkpoint.interval=3']
    one = run_tool(train_args('tests/configs/tiny_encdec.py', tmp_path / 'one',
                              tiny_folder_dataset,
                              options=common + ['train_dataloader.batch_size=4']))
    assert one.returncode == 0, one.stderr[-3000:]
    env = dict(os.environ, PORT=str(free_port()), PYTHON=sys.executable,
               OMP_NUM_THREADS='1')
    two = subprocess.run(
        ['bash', 'tools/dist_train.sh', 'tests/configs/tiny_encdec.py', '2',
         '--work-dir', str(tmp_path / 'two'), '--cfg-options',
         *data_opts(tiny_folder_dataset), *common,
         'train_dataloader.batch_size=2'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    assert 'nccl -> gloo' in two.stdout + two.stderr
    a = state(tmp_path / 'one' / 'iter_3.pth')
    b = state(tmp_path / 'two' / 'iter_3.pth')
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5)
    assert 'Distributed training: True' in two.stdout + two.stderr


def test_checkpoint_of_another_model_is_refused(tmp_path, tiny_folder_dataset):
    first = run_tool(train_args('tests/configs/tiny_encdec.py', tmp_path,
                                tiny_folder_dataset))
    assert first.returncode == 0, first.stderr[-3000:]
    # Resuming another model (an FCN head instead of DeepLab-v2's ASPP).
    other = run_tool(train_args(AUG, tmp_path, tiny_folder_dataset,
                                flags=['--resume']))
    assert other.returncode != 0
    assert 'does not match the model' in other.stderr
    assert 'decode_head.conv_seg.weight' in other.stderr  # missing
    assert 'decode_head.aspp.0.weight' in other.stderr  # unexpected
    assert not (tmp_path / 'iter_3.pth').exists()
    # load_from with other class count: shapes differ -> refused, named.
    shapes = run_tool(train_args(
        'tests/configs/tiny_encdec.py', tmp_path / 'b', tiny_folder_dataset,
        options=[f'load_from={tmp_path / "iter_2.pth"}',
                 'model.decode_head.num_classes=3']))
    assert shapes.returncode != 0
    assert 'shape mismatches: [decode_head.aspp.0.bias' in shapes.stderr
