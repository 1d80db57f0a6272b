"""tools/analysis_tools/benchmark.py (uda_video.apis.benchmark): statistics,
FLOP counting, key/non-key split, JSON."""
import json
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder

from helpers import REPO, load_tool
from uda_video.apis import benchmark
from uda_video.registry import MODELS

TINY = osp.join(REPO, 'tests', 'configs', 'tiny_encdec.py')


def test_latency_stats():
    stats = benchmark.latency_stats([1, 2, 3, 4, 100])
    assert stats['count'] == 5 and stats['mean'] == pytest.approx(22.0)
    assert stats['p50'] == 3.0 and stats['p95'] == pytest.approx(80.8)
    assert benchmark.latency_stats([]) is None


def test_flop_counter_counts_conv_and_linear_macs():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Flatten(),
                        nn.Linear(8 * 4 * 4, 5),
                        nn.Unflatten(1, (5, 1, 1)),
                        nn.ConvTranspose2d(5, 2, 2, stride=2))
    with benchmark.FlopCounter(net) as counter:
        net(torch.randn(2, 3, 4, 4))
    conv = 2 * 8 * 4 * 4 * 3 * 9
    linear = 2 * 5 * 128
    deconv = 2 * 5 * 1 * 1 * 2 * 4
    assert counter.total == conv + linear + deconv
    with benchmark.FlopCounter(net) as counter:  # hooks removed on exit
        pass
    net(torch.randn(1, 3, 4, 4))
    assert counter.total == 0


@MODELS.register_module()
class _BenchKeyEveryTwo(EncoderDecoder):
    """Test double: a full forward on even frames, a tiny one on odd ones."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cheap = nn.Conv2d(3, 1, 1)
        self.last_frame_was_key = None

    def predict(self, inputs, data_samples=None):
        frame_id = data_samples[0].metainfo['frame_id']
        self.last_frame_was_key = frame_id % 2 == 0
        if self.last_frame_was_key:
            return super().predict(inputs, data_samples)
        self.cheap(inputs)
        return data_samples


def run_bench(tmp_path, extra=()):
    out = str(tmp_path / 'bench.json')
    tool = load_tool('tools/analysis_tools/benchmark.py')
    result = tool.main([TINY, '--frames', '4', '--warmup', '1',
                        '--shape', '32', '48', '--device', 'cpu',
                        '--out', out, *extra])
    with open(out) as f:
        saved = json.load(f)
    assert saved['latency_ms'] == result['latency_ms']
    return saved


def test_image_segmentor_end_to_end(tmp_path):
    saved = run_bench(tmp_path)
    assert saved['frames'] == 4 and saved['shape'] == [32, 48]
    assert saved['latency_ms']['count'] == 4
    assert saved['fps'] == pytest.approx(1000 / saved['latency_ms']['mean'])
    assert not saved['reports_key_frames']
    assert saved['key']['latency_ms'] is None
    assert saved['peak_memory_mb'] > 0
    # Every frame of an image segmentor costs the same.
    flops = {f['flops'] for f in saved['per_frame']}
    assert len(flops) == 1 and flops.pop() == saved['flops_per_frame'] > 0
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('uda_video')
    model = MODELS.build(Config.fromfile(TINY).model)
    assert saved['params'] == sum(p.numel() for p in model.parameters())


def test_key_and_non_key_frames_apart(tmp_path):
    saved = run_bench(tmp_path, ['--cfg-options',
                                 'model.type=_BenchKeyEveryTwo'])
    assert saved['reports_key_frames']
    assert [f['key'] for f in saved['per_frame']] == [True, False, True, False]
    assert saved['key']['latency_ms']['count'] == 2
    assert saved['non_key']['latency_ms']['count'] == 2
    assert saved['non_key']['flops_per_frame'] == 3 * 32 * 48
    assert saved['key']['flops_per_frame'] > 100 * saved['non_key'][
        'flops_per_frame']


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        run_bench(tmp_path, ['--checkpoint', str(tmp_path / 'nope.pth')])
