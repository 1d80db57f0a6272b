"""Self-training: EMA teacher, online temporal labels, offline label files."""
import copy

import cv2
import numpy as np
import pytest
import torch

from uda_helpers import NUM_CLASSES, SIZE, TinyUDADataset, collate, tiny_segmentor


def build(**kwargs):
    from uda_video.registry import MODELS
    cfg = dict(type='SelfTrainingUDA', segmentor=tiny_segmentor(),
               num_frames=2, keep_fraction=0.5, ema_momentum=0.9)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def sgd(model):
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    return NamedModulesOptimWrapperConstructor(dict(segmentor=dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))(model)


def test_ema_teacher_update_rule():
    from uda_video.models.uda import EMATeacher
    student = torch.nn.Linear(2, 2)
    teacher = EMATeacher(student, momentum=0.9)
    teacher.train()
    assert not teacher.model.training
    assert not any(p.requires_grad for p in teacher.parameters())
    w0 = student.weight.detach().clone()
    with torch.no_grad():
        student.weight.add_(1.0)
    assert teacher.update(student) == 0.0  # first step copies
    assert torch.allclose(teacher.model.weight, w0 + 1.0)
    with torch.no_grad():
        student.weight.add_(1.0)
    alpha = teacher.update(student)
    assert alpha == pytest.approx(0.5)
    assert torch.allclose(teacher.model.weight, w0 + 1.5)
    assert int(teacher.num_updates) == 2


def test_online_step_trains_student_not_teacher():
    torch.manual_seed(0)
    model = build()
    model.train()
    model.teacher.copy_from(model.segmentor)
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    student_before = copy.deepcopy(model.segmentor.state_dict())
    batch = collate([TinyUDADataset()[0], TinyUDADataset()[1]])
    log = model.train_step(batch, sgd(model))
    assert 0 < float(log['tgt.pseudo.kept']) < 1
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k
    assert any(not torch.equal(v, student_before[k])
               for k, v in model.segmentor.state_dict().items()
               if v.dtype.is_floating_point)
    assert torch.isfinite(model.class_thresholds).any()


def test_missing_flow_is_reported():
    model = build()
    batch = collate([TinyUDADataset()[0]])
    del batch['target']['data_samples'][0].gt_flow
    with pytest.raises(KeyError, match='gt_flow'):
        model.train_step(batch, sgd(model))


def test_file_pseudo_labels_follow_flip_and_size(tmp_path):
    model = build(num_frames=1, pseudo_labels='files',
                  pseudo_label_dir=str(tmp_path))
    batch = collate([TinyUDADataset()[0]])
    sample = batch['target']['data_samples'][0]
    label = np.zeros((SIZE // 2, SIZE // 2), np.uint8)
    label[:, :4] = 2
    label[0, 0] = 255
    path = tmp_path / sample.video_id / '000005.png'
    path.parent.mkdir()
    cv2.imwrite(str(path), label)
    sample.set_metainfo(dict(flip=True, flip_direction='horizontal'))
    got = model.file_pseudo_labels([sample])[0]
    assert got.shape == (SIZE, SIZE)
    # 16x16 file -> 32x32 (nearest), mirrored: class 2 on the right.
    assert (got[2:, -8:] == 2).all() and (got[:, :-8] == 0).all()
    assert (got[:2, -2:] == 255).all()
    other = batch['target']['data_samples'][0].clone()
    other.set_metainfo(dict(video_id='absent'))
    with pytest.raises(FileNotFoundError, match='gen_pseudo_labels'):
        model.file_pseudo_labels([other])
    assert NUM_CLASSES == 3
