"""Self-training: EMA teacher, online temporal labels (offline label files:
test_pseudo_label_files.py)."""
import copy

import pytest
import torch

from uda_helpers import TinyUDADataset, collate, sgd, tiny_segmentor


def build(**kwargs):
    from uda_video.registry import MODELS
    cfg = dict(type='SelfTrainingUDA', segmentor=tiny_segmentor(),
               num_frames=2, keep_fraction=0.5, ema_momentum=0.9)
    cfg.update(kwargs)
    return MODELS.build(cfg)


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
