"""Temporal pseudo labels: warping, fusion, agreement and class balance."""
import pytest
import torch

from uda_video.models.uda import (class_balanced_thresholds,
                                  temporal_pseudo_labels, warp_clip_probs)

K, H, W = 3, 8, 12


def one_hot(labels, conf=0.9):
    """H x W labels -> K x H x W probabilities with ``conf`` on the label."""
    p = torch.full((K, ) + labels.shape, (1 - conf) / (K - 1))
    p.scatter_(0, labels.unsqueeze(0), conf)
    return p


def shifted_clip():
    """A key frame and a reference moved 2 px right, with the exact flow."""
    gt = torch.randint(0, K, (H, W), generator=torch.Generator().manual_seed(0))
    ref = torch.roll(gt, shifts=2, dims=1)  # ref(x) = gt(x - 2)
    flow = torch.zeros(1, 1, 2, H, W)
    flow[:, :, 0] = 2.0  # key p -> ref p + (2, 0)
    probs = torch.stack([one_hot(gt), one_hot(ref)]).unsqueeze(0)
    return gt, probs, flow


def test_warp_with_known_flow_aligns_reference():
    gt, probs, flow = shifted_clip()
    warped, valid = warp_clip_probs(probs, flow)
    assert torch.equal(warped[0, 1].argmax(0)[:, :W - 2], gt[:, :W - 2])
    # Pixels whose source lies outside the reference frame are invalid.
    assert not valid[0, 1, :, W - 2:].any() and valid[0, 1, :, :W - 2].all()


def test_fusion_reproduces_gt_where_frames_agree_and_ignores_elsewhere():
    gt, probs, flow = shifted_clip()
    # Make the reference disagree on a block of the key frame's grid.
    bad = torch.zeros(H, W, dtype=torch.bool)
    bad[2:5, 3:7] = True
    ref_labels = probs[0, 1].argmax(0)
    # key pixel p reads ref at p + 2: corrupt those reference pixels.
    ys, xs = torch.nonzero(bad, as_tuple=True)
    ref_labels[ys, xs + 2] = (gt[ys, xs] + 1) % K
    probs[0, 1] = one_hot(ref_labels, conf=0.8)
    labels, _, _ = temporal_pseudo_labels(probs, flow, keep_fraction=1.0,
                                          consistency=True)
    labels = labels[0]
    assert (labels[bad] == 255).all()
    good = ~bad
    assert torch.equal(labels[good], gt[good])
    # Without the agreement filter the disagreeing block gets a label.
    loose, _, _ = temporal_pseudo_labels(probs, flow, keep_fraction=1.0,
                                         consistency=False)
    assert (loose[0][bad] != 255).all()


def test_class_balanced_thresholds_keep_fraction_per_class():
    gen = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 4, (4000, ), generator=gen)
    # Class 0 very confident, class 3 barely: a global threshold would starve 3.
    conf = torch.rand(4000, generator=gen) * 0.2 + 0.2 * labels.float() + 0.1
    conf = 1.0 - conf
    for fraction in (0.2, 0.5, 0.8):
        thr = class_balanced_thresholds(conf, labels, num_classes=5,
                                        keep_fraction=fraction)
        assert torch.isinf(thr[4])  # no pixel of class 4
        kept = conf >= thr[labels]
        for c in range(4):
            n = int((labels == c).sum())
            got = int(kept[labels == c].sum())
            assert abs(got - round(fraction * n)) <= 1, (c, fraction, got, n)
    capped = class_balanced_thresholds(conf, labels, 5, 0.2, max_threshold=0.5)
    assert capped[:4].max() <= 0.5


def test_single_frame_is_class_balanced_self_training():
    gen = torch.Generator().manual_seed(2)
    probs = torch.softmax(torch.randn(2, 1, K, H, W, generator=gen) * 3, dim=2)
    labels, conf, thr = temporal_pseudo_labels(probs, None, keep_fraction=0.5,
                                               max_threshold=1.0)
    pred = probs[:, 0].argmax(1)
    kept = labels != 255
    assert torch.equal(labels[kept], pred[kept])
    for c in range(K):
        n = int((pred == c).sum())
        assert abs(int(kept[pred == c].sum()) - round(0.5 * n)) <= 1


def test_split_thresholds_from_histogram_match_exact_ones():
    """Offline rounds: additive histograms give the per-batch thresholds."""
    from uda_video.models.uda import (confidence_histogram,
                                      thresholds_from_histogram)
    gen = torch.Generator().manual_seed(3)
    labels = torch.randint(0, 3, (2, 50, 40), generator=gen)
    conf = torch.rand(2, 50, 40, generator=gen) * 0.6 + 0.4
    bins = 1000
    hist = confidence_histogram(conf[0], labels[0], 4, bins) + \
        confidence_histogram(conf[1], labels[1], 4, bins)
    thr = thresholds_from_histogram(hist, keep_fraction=0.3)
    assert torch.isinf(thr[3])
    q = (conf * (bins - 1)).round()
    for c in range(3):
        sel = labels == c
        first = int(torch.ceil(thr[c] * (bins - 1) + 0.5 - 1e-4))
        kept = int((q[sel] >= first).sum())
        exact = 0.3 * int(sel.sum())
        # At most the fraction, short of it by less than one bin's pixels.
        assert kept <= exact + 0.5
        assert kept > exact - int((q[sel] == first - 1).sum()) - 0.5


def test_an_occluded_reference_is_left_out_of_fusion_and_vote():
    from uda_video.models.uda.pseudo_labels import (fused_predictions,
                                                    photometric_valid)
    gt, probs, flow = shifted_clip()
    image = torch.rand(3, H, W, generator=torch.Generator().manual_seed(1))
    ref_image = torch.roll(image, shifts=2, dims=2)
    # An occluder covers the reference where key pixels of `hidden` land,
    # and the reference predicts the occluder's class there.
    hidden = torch.zeros(H, W, dtype=torch.bool)
    hidden[2:5, 3:7] = True
    ys, xs = torch.nonzero(hidden, as_tuple=True)
    ref_image[:, ys, xs + 2] = 5.0
    ref_labels = probs[0, 1].argmax(0)
    ref_labels[ys, xs + 2] = (gt[ys, xs] + 1) % K
    probs[0, 1] = one_hot(ref_labels, conf=0.99)
    images = torch.stack([image, ref_image]).unsqueeze(0)
    valid = photometric_valid(images, flow, threshold=0.5)
    assert valid[0, 0].all()
    seen = torch.zeros(H, W, dtype=torch.bool)
    seen[:, :W - 2] = True  # the rest falls outside the reference
    assert not valid[0, 1][hidden].any() and valid[0, 1][~hidden & seen].all()
    labels, _, candidates = fused_predictions(
        probs, flow, True, images, photometric_threshold=0.5)
    # The key frame alone decides there: its label, kept by the vote.
    assert torch.equal(labels[0], gt) and candidates[0][hidden].all()
    plain, _, agree = fused_predictions(probs, flow, True)
    assert not agree[0][hidden].any()


def test_a_non_positive_photometric_threshold_is_refused():
    from uda_video.models.uda.pseudo_labels import photometric_valid
    _, _, flow = shifted_clip()
    with pytest.raises(ValueError, match='photometric threshold.*0'):
        photometric_valid(torch.zeros(1, 2, 3, H, W), flow, threshold=0.0)
