"""The demo figure (frames, ground truth, each method's prediction, a bar
chart of the metrics) and the predictions of a checkpoint it shows."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

DFF = 'configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
PALETTE = [(200, 10, 10), (10, 200, 10), (10, 10, 200)]


def label_maps():
    """Two 16x32 frames: class 1 everywhere but an ignored left quarter in
    the ground truth; method 'a' predicts 0, method 'b' predicts 2."""
    gt = np.ones((16, 32), np.int64)
    gt[:, :8] = 255
    frames = [np.full((16, 32, 3), (90, 60, 30), np.uint8)] * 2
    preds = {'a': [np.zeros((16, 32), np.int64)] * 2,
             'b': [np.full((16, 32), 2, np.int64)] * 2}
    return frames, [gt, gt.copy()], preds


def colours(img, box):
    """The distinct RGB colours inside a panel box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return {tuple(c) for c in img[y0:y1, x0:x1].reshape(-1, 3)}


def test_figure_paints_labels_with_the_palette(tmp_path):
    from uda_video.visualization import write_demo_figure
    frames, gts, preds = label_maps()
    table = {'a': dict(mIoU=20.0, TC=60.0), 'b': dict(mIoU=35.0, TC=55.0)}
    fig = write_demo_figure(frames, gts, preds, table, PALETTE,
                            str(tmp_path / 'out' / 'demo.png'))
    img = cv2.imread(fig.path)[..., ::-1]
    assert (img.shape[1], img.shape[0]) == fig.size
    assert set(fig.panels) == {(r, c) for r in range(2) for c in range(4)}
    for r in range(2):
        x0, y0, x1, y1 = fig.panels[(r, 1)]
        assert x1 - x0 >= 32 and y1 - y0 >= 16
        # ground truth: class 1 in its colour, the ignored quarter black
        left = (x0, y0, x0 + (x1 - x0) // 4 - 2, y1)
        right = (x0 + (x1 - x0) // 4 + 2, y0, x1, y1)
        assert colours(img, left) == {(0, 0, 0)}
        assert colours(img, right) == {PALETTE[1]}
        assert colours(img, fig.panels[(r, 0)]) == {(90, 60, 30)}
        assert colours(img, fig.panels[(r, 2)]) == {PALETTE[0]}
        assert colours(img, fig.panels[(r, 3)]) == {PALETTE[2]}
    # the bar chart sits below the grid: without a table the image is shorter
    bare = write_demo_figure(frames, gts, preds, {}, PALETTE,
                             str(tmp_path / 'bare.png'))
    assert bare.size[0] == fig.size[0] and bare.size[1] < fig.size[1]
    below = img[max(y1 for _, _, _, y1 in fig.panels.values()) + 40:]
    assert len(colours(below, (0, 0, below.shape[1], below.shape[0]))) > 3


def test_figure_refuses_a_method_with_missing_frames(tmp_path):
    from uda_video.visualization import write_demo_figure
    frames, gts, preds = label_maps()
    preds['b'] = preds['b'][:1]
    with pytest.raises(ValueError, match=r"method 'b' has 1 predictions for "
                       r'2 frames'):
        write_demo_figure(frames, gts, preds, {}, PALETTE,
                          str(tmp_path / 'demo.png'))


def test_predict_frames_follows_the_video_test_path(tiny_synthetic, tmp_path):
    """DFF (key frame every 2nd frame) on labelled val frames = the model
    fed every frame of their videos in order, as tools/test.py does."""
    from mmengine.dataset import pseudo_collate

    from uda_video.apis import predict_frames
    from uda_video.registry import DATASETS, MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(DFF)
    cfg.test_dataloader.dataset.data_root = str(tiny_synthetic /
                                                'cityscapes_vps')
    cfg.model.test_cfg.key_frame_interval = 2
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'dff.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    got = predict_frames(cfg, ckpt, [1, 0])

    # The tiny val video: 6 frames, frames 0 and 5 labelled; key frames 0,
    # 2, 4, so frame 5 is propagated from frame 4.
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    (video, ) = dataset.video_sample_indices()
    model.eval()
    with torch.no_grad():
        results = [model.test_step(pseudo_collate([dataset[j]]))[0]
                   for j in video]
    for i, want in enumerate([results[5], results[0]]):
        np.testing.assert_array_equal(
            got.predictions[i], want.pred_sem_seg.data[0].numpy())
        np.testing.assert_array_equal(
            got.gts[i], want.gt_sem_seg.data[0].numpy())
        assert got.names[i] == want.metainfo['img_path']
        # the RGB frame of the file, at the prediction's size
        np.testing.assert_array_equal(
            got.frames[i], cv2.imread(got.names[i])[..., ::-1])
    # frame 5 came after frames 0..4 of its video: propagated, not a key
    assert [m['is_key_frame'] for m in got.metainfo] == [False, True]
    assert len(got.palette) == 15
    with pytest.raises(IndexError, match='tests 2 labelled frames'):
        predict_frames(cfg, ckpt, [2])
