"""FlowNetS / FlowNetC shapes, width, training signal, estimator wrapper."""
import pytest
import torch
from mmseg.structures import SegDataSample

from uda_video.models.flow import FlowEstimator, FlowNetC, FlowNetS
from uda_video.ops import flow_warp


def tiny_nets():
    return [
        FlowNetS(base_channels=4),
        FlowNetC(base_channels=4, max_displacement=4, corr_stride=2),
    ]


@pytest.mark.parametrize('net', tiny_nets(), ids=['S', 'C'])
@pytest.mark.parametrize('size', [(64, 64), (50, 70)])
def test_multiscale_outputs_and_full_resolution(net, size):
    img1, img2 = torch.randn(2, 2, 3, *size).unbind(0)
    flows = net(img1, img2)
    assert len(flows) == 5
    h, w = size
    for level, flow in enumerate(flows):
        stride = 4 * 2**level
        assert flow.shape == (2, 2, -(-h // stride), -(-w // stride))
    assert net.predict_flow(img1, img2).shape == (2, 2, h, w)


@pytest.mark.parametrize('cls', [FlowNetS, FlowNetC])
def test_width_is_configurable(cls):
    small = sum(p.numel() for p in cls(base_channels=4).parameters())
    large = sum(p.numel() for p in cls(base_channels=8).parameters())
    assert large > 3 * small


def test_flownetc_cost_volume_size_follows_displacement():
    net = FlowNetC(base_channels=4, max_displacement=6, corr_stride=2)
    assert net.conv3_1.conv.in_channels == 7 * 7 + 2


def shifted_pair(shift=(2, 1), size=32, n=2, seed=0):
    """img1(p) = img2(p + shift): the true flow from img1 to img2 is shift."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n, 3, size // 4, size // 4, generator=g)
    img2 = torch.nn.functional.interpolate(base, size=(size, size),
                                           mode='bilinear',
                                           align_corners=False)
    img1 = torch.roll(img2, shifts=(-shift[1], -shift[0]), dims=(2, 3))
    flow = torch.zeros(n, 2, size, size)
    flow[:, 0], flow[:, 1] = shift
    return img1, img2, flow


def test_shifted_pair_is_consistent_with_flow_warp():
    img1, img2, flow = shifted_pair()
    warped = flow_warp(img2, flow)
    torch.testing.assert_close(warped[..., :-2, :-2], img1[..., :-2, :-2])


def samples_with_flow(flow):
    out = []
    for i, f in enumerate(flow):
        s = SegDataSample(metainfo=dict(video_id='v', frame_id=i))
        s.gt_flow = f.unsqueeze(0)  # (T-1) x 2 x H x W
        out.append(s)
    return out


def test_estimator_trains_on_clips():
    torch.manual_seed(0)
    model = FlowEstimator(flow_net=dict(type='FlowNetS', base_channels=4))
    img1, img2, flow = shifted_pair()
    clips = torch.stack([img1, img2], dim=1)  # N x T x 3 x H x W
    samples = samples_with_flow(flow)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = float(model(clips, samples, mode='loss')['epe'])
    for _ in range(15):
        opt.zero_grad()
        model(clips, samples, mode='loss')['loss_epe'].backward()
        opt.step()
    final = float(model(clips, samples, mode='loss')['epe'])
    assert final < 0.6 * first
    preds = model(clips, samples_with_flow(flow), mode='predict')
    assert preds[0].pred_flow.data.shape == (2, 32, 32)


def test_flownetc_gradients_reach_the_trunk_through_the_cost_volume():
    torch.manual_seed(0)
    model = FlowEstimator(flow_net=dict(
        type='FlowNetC', base_channels=4, max_displacement=4, corr_stride=2))
    img1, img2, flow = shifted_pair()
    losses = model(torch.stack([img1, img2], 1), samples_with_flow(flow),
                   mode='loss')
    # Without the redirect path the trunk is reached only via correlation.
    model.flow_net.conv_redir.conv.weight.requires_grad_(False)
    losses['loss_epe'].backward()
    net = model.flow_net
    assert net.conv1.conv.weight.grad.abs().sum() > 0
    assert net.conv3_1.conv.weight.grad[:, :25].abs().sum() > 0


def test_estimator_reads_valid_mask():
    model = FlowEstimator(flow_net=dict(type='FlowNetS', base_channels=4))
    img1, img2, flow = shifted_pair(n=1)
    s = SegDataSample()
    s.gt_flow = flow  # (T-1) x 2 x H x W
    s.gt_flow_valid = torch.zeros(1, 32, 32, dtype=torch.bool)
    out = model(torch.stack([img1, img2], 1), [s], mode='loss')
    assert float(out['epe']) == 0.0  # nothing valid


def test_estimator_errors_name_the_problem():
    model = FlowEstimator(flow_net=dict(type='FlowNetS', base_channels=4))
    clip = torch.randn(1, 2, 3, 32, 32)
    s = SegDataSample(metainfo=dict(video_id='seq7', frame_id=3))
    with pytest.raises(KeyError, match="gt_flow.*seq7"):
        model(clip, [s], mode='loss')
    with pytest.raises(ValueError, match='N x T x C x H x W'):
        model(torch.randn(1, 3, 32, 32), [s], mode='tensor')
    with pytest.raises(ValueError, match="'bogus'"):
        model(clip, [s], mode='bogus')


def test_estimator_ignores_padding_below_img_shape():
    model = FlowEstimator(flow_net=dict(type='FlowNetS', base_channels=4))
    img1, img2, flow = shifted_pair(n=1)
    clip = torch.stack([img1, img2], 1)
    pred = model.flow_net.predict_flow(img1, img2).detach()

    def epe(gt, img_shape):
        s = SegDataSample(metainfo=dict(img_shape=img_shape))
        s.gt_flow = gt
        return float(model(clip, [s], mode='loss')['epe'])

    # gt equal to the prediction on the top half, garbage in the "padding".
    gt = pred.clone()
    gt[..., 16:, :] = 50.0
    assert epe(gt, (16, 32)) == pytest.approx(0.0, abs=1e-5)
    assert epe(gt, (32, 32)) > 10
