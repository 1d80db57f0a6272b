"""Distillation losses are zero when student equals teacher and positive otherwise."""
import pytest
import torch

from uda_video.models.losses import (FeatureDistillLoss,
                                     GroupedFeatureDistillLoss,
                                     PairwiseDistillLoss, PixelDistillLoss,
                                     affinity, grouped_feature_distill,
                                     pairwise_affinity_distill,
                                     pixel_kl_distill)
from uda_video.registry import MODELS


@pytest.fixture
def maps():
    torch.manual_seed(0)
    return torch.randn(2, 6, 8, 10), torch.randn(2, 6, 8, 10)


@pytest.mark.parametrize('cfg', [
    dict(type='PixelDistillLoss', temperature=2.0),
    dict(type='PairwiseDistillLoss', pool_size=2),
    dict(type='PairwiseDistillLoss'),
    dict(type='FeatureDistillLoss'),
])
def test_zero_when_equal_positive_otherwise(cfg, maps):
    loss = MODELS.build(cfg)
    teacher, other = maps
    assert float(loss(teacher.clone(), teacher)) == pytest.approx(0, abs=1e-6)
    student = other.clone().requires_grad_()
    value = loss(student, teacher)
    assert float(value.detach()) > 1e-4
    value.backward()
    assert student.grad.abs().sum() > 0


def test_grouped_zero_when_equal_positive_otherwise(maps):
    teacher, other = maps
    groups = list(teacher.chunk(3, dim=1))
    assert float(grouped_feature_distill(groups, teacher)) == 0
    groups[1] = other[:, 2:4]
    assert float(GroupedFeatureDistillLoss()(groups, teacher)) > 0
    with pytest.raises(ValueError, match='do not split into 4 groups'):
        grouped_feature_distill([teacher[:, :1]] * 4, teacher)


def test_pixel_kl_matches_definition_and_temperature():
    s = torch.tensor([[1.0, 0.0]]).view(1, 2, 1, 1)
    t = torch.tensor([[0.0, 1.0]]).view(1, 2, 1, 1)
    p_t, p_s = t.softmax(1), s.softmax(1)
    expected = (p_t * (p_t.log() - p_s.log())).sum()
    torch.testing.assert_close(pixel_kl_distill(s, t), expected)
    # A softer temperature shrinks the divergence before the T^2 factor.
    soft = pixel_kl_distill(s, t, temperature=4.0) / 16
    assert 0 < float(soft) < float(expected)


def test_pairwise_channel_free_and_resized():
    torch.manual_seed(1)
    student = torch.randn(1, 4, 6, 6)
    # A teacher with more channels carrying the same affinities: zero loss.
    teacher = torch.cat([student, student], dim=1)
    assert float(pairwise_affinity_distill(student, teacher)) < 1e-10
    a = affinity(student)
    assert a.shape == (1, 36, 36)
    torch.testing.assert_close(a.diagonal(dim1=1, dim2=2), torch.ones(1, 36))
    # Teacher at twice the resolution is brought to the student's grid.
    big = torch.randn(1, 8, 12, 12)
    assert float(PairwiseDistillLoss()(student, big)) > 0


def test_shape_errors_name_shapes():
    with pytest.raises(ValueError, match=r'differ in N or C'):
        FeatureDistillLoss()(torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, 4))
    with pytest.raises(ValueError, match=r'N x C x H x W'):
        PixelDistillLoss()(torch.zeros(3, 4, 4), torch.zeros(3, 4, 4))
