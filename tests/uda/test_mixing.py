"""ClassMix, mixed labels, DACS's confidence weight and strong augmentation."""
import pytest
import torch


def test_class_mix_mask_pastes_half_of_the_present_classes():
    from uda_video.models.uda.mixing import class_mix_masks
    labels = torch.full((3, 8, 8), 255, dtype=torch.long)
    labels[0, :, :2], labels[0, :, 2:4], labels[0, :, 4:6] = 0, 3, 5
    labels[0, :, 6:] = 7                     # 4 classes (+ no ignore)
    labels[1, :4], labels[1, 4:6] = 1, 2     # 2 classes and ignored pixels
    labels[2] = 4                            # 1 class
    g = torch.Generator().manual_seed(0)
    masks = class_mix_masks(labels, generator=g)
    for i, expect in enumerate((2, 1, 1)):
        pasted = torch.unique(labels[i][masks[i]])
        assert pasted.numel() == expect
        assert 255 not in pasted.tolist()
        # every pixel of a chosen class is pasted, none of the others
        chosen = torch.isin(labels[i], pasted)
        assert torch.equal(masks[i], chosen)
    # the draw differs between seeds (not always the first classes)
    draws = {tuple(torch.unique(labels[0][class_mix_masks(
        labels[:1], generator=torch.Generator().manual_seed(s))[0]]).tolist())
        for s in range(20)}
    assert len(draws) > 1


def test_mixed_label_image_and_weight():
    from uda_video.models.uda.mixing import (confidence_weight, mix,
                                             mixed_pixel_weight)
    src_lbl = torch.tensor([[[1, 1], [2, 3]]])
    pseudo = torch.tensor([[[7, 8], [9, 255]]])
    mask = torch.tensor([[[True, False], [False, True]]])
    assert mix(src_lbl, pseudo, mask).tolist() == [[[1, 8], [9, 3]]]
    # one mask for every frame and channel of a clip
    src = torch.zeros(1, 3, 2, 2, 2)
    tgt = torch.ones(1, 3, 2, 2, 2)
    out = mix(src, tgt, mask)
    for t in range(3):
        for c in range(2):
            assert out[0, t, c].tolist() == [[0.0, 1.0], [1.0, 0.0]]
    conf = torch.tensor([[[0.99, 0.5], [0.97, 0.99]]])
    w = confidence_weight(conf, 0.968)
    assert float(w) == pytest.approx(0.75)
    # pixels outside the mask (rejected labels) are never confident
    w = confidence_weight(conf, 0.968, mask=pseudo != 255)
    assert float(w) == pytest.approx(0.5)
    pw = mixed_pixel_weight(mask, w)
    assert pw.tolist() == [[[1.0, 0.5], [0.5, 1.0]]]


def test_bad_inputs_are_named():
    from uda_video.models.uda.mixing import check_threshold, mix
    mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    with pytest.raises(ValueError, match=r'\(1, 3, 4, 4\).*\(1, 3, 4, 6\)'):
        mix(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 6), mask)
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match='pseudo_threshold'):
            check_threshold(bad)


def test_strong_augment_one_draw_per_clip():
    from uda_video.models.uda.mixing import random_rescale, strong_augment
    g = torch.Generator().manual_seed(0)
    frame = torch.rand(3, 16, 16) * 255
    clips = torch.stack([frame, frame]).unsqueeze(0).repeat(2, 1, 1, 1, 1)
    mean = torch.tensor([100.0, 110.0, 120.0]).view(1, 3, 1, 1)
    std = torch.tensor([50.0, 60.0, 70.0]).view(1, 3, 1, 1)
    norm = (clips - mean.unsqueeze(0)) / std.unsqueeze(0)
    out = strong_augment(norm, mean, std, jitter=0.5, jitter_prob=1.0,
                         grayscale_prob=0.0, blur_prob=1.0, generator=g)
    assert out.shape == norm.shape
    assert not torch.allclose(out, norm)
    # the same transformation for both frames of a clip
    assert torch.allclose(out[:, 0], out[:, 1])
    # nothing drawn: unchanged
    same = strong_augment(norm, mean, std, jitter_prob=0.0, blur_prob=0.0)
    assert torch.allclose(same, norm, atol=1e-5)
    scaled = random_rescale(norm, (0.5, 0.5))
    assert scaled.shape == (2, 2, 3, 8, 8)
