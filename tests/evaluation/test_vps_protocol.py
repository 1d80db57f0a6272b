"""Cityscapes-VPS test protocol: configs, submission writer, both evaluators agree."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from helpers import REPO, load_tool, run_tool
from real_trees import make_cityscapes_vps_tree

VPS_CONFIGS = sorted(glob.glob(osp.join(
    REPO, 'configs', 'uda', 'viper2cityscapes', '*-vps.py')))
VPQ_KEYS = [f'vpq_{p}_k{k}' for p in ('all', 'thing', 'stuff')
            for k in (0, 5, 10, 15)] + ['vpq_all', 'vpq_thing', 'vpq_stuff']


def _eval_vpq_main(argv):
    """tools/analysis_tools/eval_vpq.py's main() in this process."""
    return load_tool('tools/analysis_tools/eval_vpq.py').main(argv)


def test_every_viper2cityscapes_config_has_a_vps_test():
    methods = [p for p in glob.glob(osp.join(
        REPO, 'configs', 'uda', 'viper2cityscapes', '*.py'))
        if not p.endswith('-vps.py')]
    assert len(VPS_CONFIGS) == len(methods) >= 10
    for path in VPS_CONFIGS:
        cfg = Config.fromfile(path)
        loader = cfg.test_dataloader
        assert loader.sampler == dict(type='VideoSampler'), path
        assert loader.dataset.type == 'CityscapesVPSDataset'
        assert loader.dataset.protocol == 'shared15'
        assert loader.dataset.all_frames and loader.dataset.rider == 'person'
        types = [e['type'] for e in cfg.test_evaluator]
        assert types == ['VideoIoUMetric', 'VPQMetric', 'VPQMetric',
                         'TemporalConsistencyMetric'], path
        assert cfg.test_evaluator[2].derive_instances.flow_file_tmpl
        # the method's model and training stay those of its config
        base = Config.fromfile(path.replace('-vps.py', '.py'))
        assert cfg.model == base.model
    base = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                    'cityscapes_vps.py'))
    assert base.cityscapes_vps_val_19.protocol == 'cityscapes19'


@pytest.fixture(scope='module')
def vps_tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('vps_tree'))
    return make_cityscapes_vps_tree(root, splits=('val', ), size=(64, 32),
                                    videos=2, frames=10, with_flow=True)


def _dataset(tree, pipeline):
    from uda_video.registry import DATASETS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(VPS_CONFIGS[0]).test_dataloader.dataset
    cfg.update(data_root=tree['root'], pipeline=pipeline)
    return DATASETS.build(cfg)


def test_vps_config_indexes_the_real_tree(vps_tree):
    ds = _dataset(vps_tree, [])
    assert len(ds) == vps_tree['frames']['val'] == 20
    assert ds.metainfo['classes'][9] == 'person' and \
        len(ds.metainfo['classes']) == 15
    labelled = [ds.get_data_info(i)['is_labelled'] for i in range(len(ds))]
    assert sum(labelled) == vps_tree['annotated']['val'] == 4


def _predictions(tree):
    """Test samples of the tree in video order with made-up predictions: each
    frame the nearest annotated frame's ground truth scrolled as the scene
    scrolls (1 px per frame), shifted 2 px more on frame 9, plus a spurious
    car blob that stays in place."""
    pipeline = [dict(type='LoadClip', load_panoptic=True),
                dict(type='PackClipInputs')]
    ds = _dataset(tree, pipeline)
    car = ds.metainfo['classes'].index('car')
    items = [ds[i]['data_samples'] for video in ds.video_sample_indices()
             for i in video]
    labelled = {(d.video_id, d.frame_id): d.gt_sem_seg.data[0]
                for d in items if d.is_labelled}
    out = []
    for d in items:
        keys = sorted(labelled, key=lambda k: (k[0] != d.video_id,
                                               abs(k[1] - d.frame_id)))
        nearest = keys[0]
        sem = torch.roll(labelled[nearest], d.frame_id - nearest[1], dims=1)
        sem[sem == 255] = 0
        if d.frame_id == 9:
            sem = torch.roll(sem, 2, dims=1)
        sem[2:5, 40:44] = car
        sample = dict(d.metainfo, pred_sem_seg=dict(data=sem[None]))
        if d.is_labelled:
            sample['gt_panoptic_seg'] = dict(data=d.gt_panoptic_seg.data)
        out.append(sample)
    return ds, out


@pytest.mark.parametrize('derive', [False, True])
def test_metric_equals_eval_vpq_on_the_written_submission(vps_tree, tmp_path,
                                                          derive):
    from uda_video.evaluation import VPQMetric, evaluate_vps_submission
    from uda_video.evaluation.vps_submission import VPSSubmissionWriter
    ds, samples = _predictions(vps_tree)
    flow = '{img_dir}/../flow/{name}_flow_bw.png'
    options = dict(flow_file_tmpl=flow) if derive else None
    metric = VPQMetric(mode='panoptic', derive_instances=options)
    metric.dataset_meta = ds.metainfo
    evaluators = [dict(type='VPQMetric', derive_instances=options)]
    writer = VPSSubmissionWriter.from_dataset(str(tmp_path / 'sub'), ds,
                                              evaluators)
    assert (writer.deriver is not None) == derive
    for s in samples:
        if not derive:  # a semantic prediction as panoptic: class * 1000
            s = dict(s, pred_panoptic_seg=dict(
                data=s['pred_sem_seg']['data'] * 1000))
        metric.process({}, [s])
        writer.add(s)
    writer.close()
    ours = metric.evaluate(len(samples))
    theirs = evaluate_vps_submission(
        str(tmp_path / 'sub'), osp.join(vps_tree['root'], 'val',
                                        'panoptic_video'),
        vps_tree['json']['val'], ks=(0, 5), frames_per_video=2)
    for key in [k for k in VPQ_KEYS if k[-2:] in ('k0', 'k5')]:
        assert ours[key] == pytest.approx(theirs[key], abs=0.006), key
    assert 0 < ours['vpq_thing_k0'] < 100
    pred = json.loads((tmp_path / 'sub' / 'pred.json').read_text())
    gt = json.loads(open(vps_tree['json']['val']).read())
    assert [a['image_id'] for a in pred['annotations']] == \
        [a['image_id'] for a in gt['annotations']]
    for a in pred['annotations']:
        assert osp.isfile(tmp_path / 'sub' / 'pan_pred' / f'{a["image_id"]}.png')
        assert {s['category_id'] for s in a['segments_info']} <= set(range(19))
    cars = {s['id'] for a in pred['annotations'] for s in a['segments_info']
            if s['category_id'] == 13}
    # derived: the real car and the spurious blob are separate segments
    assert len(cars) > 1 if derive else len(cars) == 1


def test_tools_test_writes_the_submission_that_eval_vpq_scores(vps_tree,
                                                               tmp_path):
    """tools/test.py on a *-vps config: metrics and --format-vps in one run;
    tools/analysis_tools/eval_vpq.py on the submission gives the run's VPQ."""
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    config = tmp_path / 'vps.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/uda/synthetic/"
        "source-only-uda_deeplabv2_r18-half-d8_synthetic.py',\n"
        f"          '{REPO}/configs/_base_/datasets/cityscapes_vps.py']\n"
        'test_dataloader = {{_base_.cityscapes_vps_test_dataloader_15}}\n'
        'test_evaluator = {{_base_.cityscapes_vps_evaluator}}\n')
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    for param in model.segmentor.decode_head.parameters():
        param.data.normal_(0, 1)  # varied (random) classes, not one
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    sub, work = tmp_path / 'sub', tmp_path / 'work'
    proc = run_tool([
        'tools/test.py', str(config), ckpt, '--work-dir', str(work),
        '--format-vps', str(sub), '--cfg-options',
        f'test_dataloader.dataset.data_root={vps_tree["root"]}',
        'test_dataloader.num_workers=0',
        'test_dataloader.dataset.pipeline.2.transforms.0.scale=(64,32)'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((work / 'test_results.json').read_text())['metrics']
    assert {'mIoU', 'TC', 'vpq_all_k0', 'vpq_thing_k5', 'vpq_stuff'} <= \
        set(metrics)
    out = tmp_path / 'res.json'
    _eval_vpq_main([
        '--submit-dir', str(sub), '--truth-dir',
        osp.join(vps_tree['root'], 'val', 'panoptic_video'),
        '--pan-gt-json-file', vps_tree['json']['val'], '--ks', '0', '5',
        '--frames-per-video', '2', '--out', str(out)])
    res = json.loads(out.read_text())
    for key in ('vpq_all_k0', 'vpq_thing_k0', 'vpq_stuff_k5', 'vpq_all_k5'):
        ours, theirs = metrics[key], res[key]
        assert (ours is None and theirs is None) or \
            ours == pytest.approx(theirs, abs=0.006), key


def test_no_flow_evaluator_replaces_the_flow_metrics(tmp_path):
    config = tmp_path / 'no_flow.py'
    config.write_text(
        f"_base_ = ['{VPS_CONFIGS[0]}']\n"
        'test_evaluator = {{_base_.cityscapes_vps_evaluator_no_flow}}\n')
    cfg = Config.fromfile(str(config))
    assert [e['type'] for e in cfg.test_evaluator] == [
        'VideoIoUMetric', 'VPQMetric', 'VPQMetric']
    assert cfg.test_evaluator[2].derive_instances.flow_file_tmpl is None
