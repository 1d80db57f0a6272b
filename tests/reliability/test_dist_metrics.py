"""Video metrics gathered over 2 ranks equal those of 1 process.

Two processes (torch.distributed, gloo on CPU) run mmengine's ValLoop as the
runner does on each rank: the VideoSampler gives each rank whole videos in
frame order, the model predicts, the metrics (VideoIoUMetric,
TemporalConsistencyMetric) process their rank's samples and mmengine's
Evaluator gathers the results (BaseMetric.evaluate -> collect_results) and
computes the metrics on rank 0, broadcast to every rank. The 3 videos of the
tiny benchmark's train split are split unevenly (2 videos and 1).
"""
import json
import os
import socket
from types import SimpleNamespace

import torch
import torch.multiprocessing as mp

CLASSES = 15


class IntensityModel:
    """Deterministic predictions without weights: a class per pixel from
    the key frame's colour (stable over time, so consecutive predictions
    mostly agree along the flow). Records the samples each rank sees."""

    def __init__(self):
        self.seen = []

    def eval(self):
        return self

    def val_step(self, data_batch):
        from mmengine.structures import PixelData
        samples = data_batch['data_samples']
        for clip, sample in zip(data_batch['inputs'], samples):
            key = clip[0].long()  # 3 x H x W uint8 (BGR) of the key frame
            pred = (key[0] // 64 * 16 + key[1] // 64 * 4 + key[2] // 64)
            sample.pred_sem_seg = PixelData(data=(pred % CLASSES)[None])
            self.seen.append([sample.video_id, int(sample.frame_id)])
        return samples


def evaluate(rank, world_size, root, port, out, sampler='VideoSampler'):
    """One rank's validation; writes its metrics and the samples it saw."""
    import torch.distributed as dist
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner, ValLoop

    from uda_video.utils import register_all_modules
    torch.set_num_threads(1)
    if world_size > 1:
        os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
        dist.init_process_group('gloo', rank=rank, world_size=world_size)
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('uda_video'):
        loader = Runner.build_dataloader(dict(
            batch_size=1, num_workers=0, sampler=dict(type=sampler),
            dataset=dict(
                type='CityscapesVPSDataset',
                data_root=f'{root}/cityscapes_vps', split='train',
                protocol='shared15', rider='person', all_frames=True,
                test_mode=True,
                pipeline=[dict(type='LoadClip', load_panoptic=True),
                          dict(type='PackClipInputs')])))
        evaluator = Evaluator([
            dict(type='VideoIoUMetric'),
            dict(type='TemporalConsistencyMetric', flow_source='file',
                 flow_file_tmpl='{img_dir}/../flow/{name}_flow_fw.png')])
        model = IntensityModel()
        runner = SimpleNamespace(
            model=model, visualizer=SimpleNamespace(dataset_meta=None),
            call_hook=lambda *args, **kwargs: None)
        metrics = ValLoop(runner, loader, evaluator).run()
    with open(os.path.join(out, f'{rank}_of_{world_size}.json'), 'w') as f:
        json.dump(dict(metrics=metrics, seen=model.seen), f)
    if world_size > 1:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_ranks_gather_the_metrics_of_one_process(tmp_path, tiny_benchmark):
    mp.spawn(evaluate, args=(2, str(tiny_benchmark), free_port(),
                             str(tmp_path)), nprocs=2, join=True)
    evaluate(0, 1, str(tiny_benchmark), None, str(tmp_path))
    load = lambda name: json.loads((tmp_path / f'{name}.json').read_text())
    one, ranks = load('0_of_1'), [load('0_of_2'), load('1_of_2')]

    # Every rank reports the metrics of the whole split, as 1 process does.
    assert one['metrics']['TC_pairs'] > 0 and 'mIoU' in one['metrics']
    for part in ranks:
        assert part['metrics'] == one['metrics']

    # Whole videos per rank, in frame order; none lost or duplicated.
    frames = {}
    for video_id, frame_id in one['seen']:
        frames.setdefault(video_id, []).append(frame_id)
    assert len(frames) == 3 and all(f == sorted(f) for f in frames.values())
    owners = {}
    for rank, part in enumerate(ranks):
        assert part['seen'], f'rank {rank} got no sample'
        mine = {}
        for video_id, frame_id in part['seen']:
            mine.setdefault(video_id, []).append(frame_id)
        for video_id, got in mine.items():
            assert got == frames[video_id], (rank, video_id, got)
            assert video_id not in owners, f'video {video_id} on 2 ranks'
            owners[video_id] = rank
    assert set(owners) == set(frames)
    assert sorted(len(part['seen']) for part in ranks) == [6, 12]  # uneven
