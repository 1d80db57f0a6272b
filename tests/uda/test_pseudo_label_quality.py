"""Pseudo-label quality: statistics, training log vars, and the tools that
write them (gen_pseudo_labels, compare_pseudo_labels, the plot)."""
import copy
import json
import math

import cv2
import numpy as np
import pytest
import torch

from helpers import load_tool
from uda_helpers import (NUM_CLASSES, VST_CONFIG, TinyUDADataset, collate,
                         sgd, tiny_segmentor)

CONFIG = VST_CONFIG  # the config of the `checkpoint` fixture
IMAGE_ST_CONFIG = ('configs/uda/synthetic/'
                   'vat2st_deeplabv2_r18-half-d8_synthetic.py')


# ---- pure statistics ------------------------------------------------------
def test_hand_computed_precision_coverage_iou():
    from uda_video.evaluation.functional import (pseudo_label_quality,
                                                 pseudo_label_stats)
    pseudo = torch.tensor([[0, 0, 1, 255], [1, 1, 255, 2]])
    gt = torch.tensor([[0, 1, 1, 1], [1, 255, 0, 2]])
    stats = pseudo_label_stats(pseudo, gt, 3)
    # rows: correct, labelled (by pseudo class), covered, gt (by gt class);
    # the pixel with gt 255 (pseudo 1) is not evaluated.
    assert stats.tolist() == [[1, 2, 1], [2, 2, 1], [1, 3, 1], [2, 4, 1]]
    q = pseudo_label_quality(stats, ['a', 'b', 'c'])
    # 5 labelled pixels with ground truth, 4 right; 7 ground-truth pixels,
    # 5 of them labelled: precision and coverage differ, so a swap shows.
    assert q['precision'] == pytest.approx(4 / 5)
    assert q['coverage'] == pytest.approx(5 / 7)
    assert q['class_precision'] == pytest.approx([1 / 2, 1.0, 1.0])
    assert q['class_coverage'] == pytest.approx([1 / 2, 3 / 4, 1.0])
    # IoU: unlabelled ground-truth pixels are misses.
    assert q['class_IoU'] == pytest.approx([1 / 3, 2 / 4, 1.0])
    assert q['mIoU'] == pytest.approx((1 / 3 + 1 / 2 + 1) / 3)
    assert q['gt_pixels'] == 7 and q['classes'] == ['a', 'b', 'c']


def test_undefined_values_are_nan_and_bad_ids_refused():
    from uda_video.evaluation.functional import (pseudo_label_quality,
                                                 pseudo_label_stats)
    q = pseudo_label_quality(pseudo_label_stats(
        torch.full((2, 2), 255), torch.zeros(2, 2, dtype=torch.long), 2))
    assert q['coverage'] == 0.0 and q['mIoU'] == 0.0  # class 0 all missed
    assert math.isnan(q['precision'])  # nothing labelled
    assert math.isnan(q['class_IoU'][1])  # class 1 nowhere
    with pytest.raises(ValueError, match=r'\[7\] outside the 3 classes'):
        pseudo_label_stats(torch.tensor([7, 0]), torch.tensor([0, 0]), 3)
    with pytest.raises(ValueError, match='differ in shape'):
        pseudo_label_stats(torch.zeros(2, 3), torch.zeros(3, 2), 3)


def test_accumulated_over_batches_equals_one_shot():
    from uda_video.evaluation.functional import (pseudo_label_quality,
                                                 pseudo_label_stats)
    g = torch.Generator().manual_seed(0)
    pseudo = torch.randint(0, 5, (6, 9, 11), generator=g)
    pseudo[torch.rand(pseudo.shape, generator=g) < 0.4] = 255
    gt = torch.randint(0, 5, (6, 9, 11), generator=g)
    gt[torch.rand(gt.shape, generator=g) < 0.2] = 255
    total = sum(pseudo_label_stats(pseudo[i:i + 2], gt[i:i + 2], 5)
                for i in range(0, 6, 2))
    once = pseudo_label_stats(pseudo, gt, 5)
    assert torch.equal(total, once)
    a, b = pseudo_label_quality(total), pseudo_label_quality(once)
    for key in ('precision', 'coverage', 'mIoU'):
        assert a[key] == pytest.approx(b[key])
    # ... and the mIoU is mmseg's on the same areas (unlabelled = no class).
    from uda_video.evaluation.functional import intersect_and_union
    inter, union, _, _ = intersect_and_union(pseudo, gt, 5)
    assert b['mIoU'] == pytest.approx(float(np.nanmean(
        (inter / union).numpy())))


def test_threshold_for_coverage_keeps_that_fraction():
    from uda_video.evaluation.functional import threshold_for_coverage
    conf = torch.rand(1000, generator=torch.Generator().manual_seed(1))
    for coverage in (0.0, 0.137, 0.5, 1.0):
        thr = threshold_for_coverage(conf, coverage)
        assert float((conf >= thr).float().mean()) == pytest.approx(
            coverage, abs=1e-3)
    assert threshold_for_coverage(conf, 0.0) == math.inf
    with pytest.raises(ValueError, match='coverage must be in'):
        threshold_for_coverage(conf, 1.5)


# ---- logged in a VST training step ---------------------------------------
def build_vst(**kwargs):
    from uda_video.registry import MODELS
    cfg = dict(type='SelfTrainingUDA', segmentor=tiny_segmentor(),
               num_frames=2, keep_fraction=0.5, ema_momentum=0.9)
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.train()
    model.teacher.copy_from(model.segmentor)
    return model


def test_vst_step_logs_quality_of_its_pseudo_labels():
    model = build_vst()
    batch = collate([TinyUDADataset()[0], TinyUDADataset()[1]])
    clips, samples = model.preprocess(copy.deepcopy(batch), 'target')
    labels = model.online_pseudo_labels(clips, samples)[0].numpy()
    kept = labels != 255
    assert 0 < kept.sum() < kept.size
    # Sample 0: ground truth = its pseudo labels where labelled, class 0
    # elsewhere. Sample 1: a wrong map on a frame without a label
    # (is_labelled False): it must not count.
    gt0 = np.where(kept, labels, 0)
    tgt = batch['target']['data_samples']
    tgt[0].gt_sem_seg.data = torch.from_numpy(gt0)[None].long()
    tgt[1].gt_sem_seg.data = (tgt[1].gt_sem_seg.data + 1) % NUM_CLASSES
    tgt[1].set_metainfo(dict(is_labelled=False))
    log = model.train_step(batch, sgd(model))
    assert float(log['pl.precision']) == pytest.approx(1.0)
    assert float(log['pl.coverage']) == pytest.approx(kept.mean(), abs=1e-6)
    ious = []
    for c in range(NUM_CLASSES):
        n_lab, n_gt = (labels == c).sum(), (gt0 == c).sum()
        if n_gt:
            ious.append(n_lab / n_gt)  # correct = labelled pixels of c
    assert float(log['pl.mIoU']) == pytest.approx(np.mean(ious), abs=1e-6)
    # Logged, not optimised: the total is the pseudo-label loss alone.
    assert float(log['loss']) == pytest.approx(float(log['tgt.pseudo.loss']))


def test_ground_truth_never_changes_training_and_is_not_logged_without_it():
    batch = collate([TinyUDADataset()[0], TinyUDADataset()[1]])
    other = copy.deepcopy(batch)
    for s in other['target']['data_samples']:
        s.gt_sem_seg.data = (s.gt_sem_seg.data + 1) % NUM_CLASSES
    a, b = build_vst(), build_vst()
    torch.manual_seed(1)  # the same dropout in both steps
    log_a = a.train_step(batch, sgd(a))
    torch.manual_seed(1)
    log_b = b.train_step(other, sgd(b))
    assert float(log_a['tgt.pseudo.loss'].detach()) == float(
        log_b['tgt.pseudo.loss'].detach())
    assert float(log_a['pl.precision']) != float(log_b['pl.precision'])
    for (k, v), w in zip(a.segmentor.state_dict().items(),
                         b.segmentor.state_dict().values()):
        assert torch.equal(v, w), k
    # No sample with ground truth: nothing logged.
    for s in batch['target']['data_samples']:
        s.set_metainfo(dict(is_labelled=False))
    log = build_vst().train_step(batch, sgd(build_vst()))
    assert not [k for k in log if k.startswith('pl.')]
    # A target dataset of pseudo labels ('dataset'): its labels are no
    # ground truth.
    m = build_vst(pseudo_labels='dataset')
    assert not [k for k in m.train_step(other, sgd(m)) if k.startswith('pl.')]


# ---- tools ----------------------------------------------------------------
GEN_TOOL = 'tools/misc/gen_pseudo_labels.py'
COMPARE_TOOL = 'tools/analysis_tools/compare_pseudo_labels.py'
PLOT_TOOL = 'tools/analysis_tools/plot_pseudo_label_quality.py'


# Two clips of each train video: its labelled last frame and the one before.
FRAMES = '[4,5,10,11,16,17]'


def loader_options(root):
    opts = []
    for d in ('pseudo_label_dataloader.dataset',
              'train_dataloader.dataset.target'):
        opts += [f'{d}.data_root={root}/cityscapes', f'{d}.snippet_length=6',
                 f'{d}.indices={FRAMES}']
    return opts


def labelled_frames(root):
    """(pseudo-label path parts, ground truth in class ids) of the train
    split's labelled frames."""
    from uda_video.datasets import CityscapesSeqDataset
    ds = CityscapesSeqDataset(
        data_root=f'{root}/cityscapes', split='train', protocol='shared15',
        rider='person', snippet_length=6, all_frames=True, lazy_init=False)
    out = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        if info['seg_map_path'] is None:
            continue
        raw = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
        gt = info['label_lut'][raw].astype(np.int64)
        gt[gt < 0] = 255
        out.append((info['video_id'], info['frame_id'], gt))
    return out


def test_gen_and_compare_report_quality_at_matched_coverage(
        tmp_path, tiny_synthetic, checkpoint, repo_root, capsys):
    from uda_video.models.uda.self_training import pseudo_label_path
    opts = ['--cfg-options', *loader_options(tiny_synthetic)]
    cfg = f'{repo_root}/{CONFIG}'
    out = tmp_path / 'round'
    load_tool(GEN_TOOL).main(
        [cfg, str(checkpoint), '--out', str(out), *opts])
    printed = capsys.readouterr().out
    stats = json.loads((out / 'statistics.json').read_text())
    frames = labelled_frames(tiny_synthetic)
    assert stats['frames_with_gt'] == len(frames) == 3
    # The written labels of the labelled frames, scored by hand.
    correct = labelled = gt_px = 0
    for video_id, frame_id, gt in frames:
        pl = cv2.imread(pseudo_label_path(str(out), video_id, frame_id),
                        cv2.IMREAD_UNCHANGED).astype(np.int64)
        ok = gt != 255
        correct += int(((pl == gt) & ok).sum())
        labelled += int(((pl != 255) & ok).sum())
        gt_px += int(ok.sum())
    q = stats['quality']
    assert labelled > 0
    assert q['precision'] == pytest.approx(correct / labelled)
    assert q['coverage'] == pytest.approx(labelled / gt_px)
    assert len(q['class_IoU']) == 15 and q['classes'][0] == 'road'
    assert 'quality against the ground truth of 3 labelled frames' in printed

    result_file = tmp_path / 'compare.json'
    load_tool(COMPARE_TOOL).main(
        [cfg, str(checkpoint), '--out', str(result_file), *opts])
    printed = capsys.readouterr().out
    result = json.loads(result_file.read_text())
    assert result['frames'] == stats['frames'] and \
        result['frames_with_gt'] == 3
    # The temporal labels are the round's.
    for key in ('precision', 'coverage', 'mIoU'):
        assert result['temporal'][key] == pytest.approx(q[key])
    # Matched coverage: equal up to one pixel of the scored ones.
    cov_t = result['temporal']['coverage']
    assert 0 < cov_t < 1
    assert result['single_frame_matched']['coverage'] == pytest.approx(
        cov_t, abs=1.0 / gt_px)
    assert result['precision_gain'] == pytest.approx(
        result['temporal']['precision'] -
        result['single_frame_matched']['precision'])
    assert 0 < result['thresholds']['single_frame_matched'] < 1
    assert 'single_frame_matched' in printed and 'matched coverage' in printed


def test_compare_refuses_single_frame_configs(tiny_synthetic, checkpoint,
                                              repo_root):
    tool = load_tool(COMPARE_TOOL)
    with pytest.raises(ValueError, match='num_frames > 1'):
        tool.main([f'{repo_root}/{IMAGE_ST_CONFIG}', str(checkpoint),
                   '--cfg-options', *loader_options(tiny_synthetic)])


def write_scalars(path, rows):
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))


def test_plot_reads_runs_in_order_and_draws(tmp_path, repo_root, capsys):
    from uda_video.visualization.scalar_curves import read_series
    work = tmp_path / 'vst'
    write_scalars(work / '20240101_000000' / 'vis_data' / 'scalars.json', [
        {'loss': 1.0, 'step': 20},
        {'loss': 0.9, 'pl.precision': 0.5, 'pl.coverage': 0.2,
         'pl.mIoU': 0.1, 'step': 40},
        {'mIoU': 30.0, 'step': 40},
        {'pl.precision': 0.55, 'pl.coverage': 0.25, 'pl.mIoU': 0.12,
         'step': 60}])
    # Resumed from iteration 40: the second run's step 60 replaces the first.
    write_scalars(work / '20240102_000000' / 'vis_data' / 'scalars.json', [
        {'pl.precision': 0.6, 'pl.coverage': 0.3, 'pl.mIoU': 0.2, 'step': 60},
        {'pl.precision': 0.7, 'pl.coverage': 0.35, 'pl.mIoU': 0.25,
         'step': 80}])
    series = read_series(str(work), ['pl.precision', 'pl.coverage',
                                     'pl.mIoU', 'absent'])
    assert series['pl.precision'] == ([40, 60, 80], [0.5, 0.6, 0.7])
    assert series['pl.coverage'] == ([40, 60, 80], [0.2, 0.3, 0.35])
    assert 'absent' not in series
    tool = load_tool(PLOT_TOOL)
    out = tmp_path / 'plot' / 'pl.png'
    tool.main([str(work), '--out', str(out)])
    assert '1 run(s), 9 points' in capsys.readouterr().out
    img = cv2.imread(str(out))
    assert img is not None and img.shape[1] > 2 * img.shape[0]
    empty = tmp_path / 'src' / 'x' / 'vis_data' / 'scalars.json'
    write_scalars(empty, [{'loss': 1.0, 'step': 1}])
    with pytest.raises(SystemExit, match='none of'):
        tool.main([str(tmp_path / 'src'), '--out', str(out)])
