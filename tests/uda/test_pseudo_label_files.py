"""Offline pseudo labels are loaded in the pipeline and move with their frame."""
import cv2
import numpy as np
import pytest
import torch

H, W = 64, 128  # frame
BLOCK = 8       # label blocks of the frame (4 px in the half-size label file)
NUM_CLASSES = 15


def block_classes(bx, by):
    return (bx + 3 * by) % NUM_CLASSES


def coordinate_frame():
    """BGR frame whose channels 0 / 1 encode the block column / row (x16)."""
    y, x = np.mgrid[:H, :W]
    img = np.zeros((H, W, 3), np.uint8)
    img[..., 0] = (x // BLOCK) * 16
    img[..., 1] = (y // BLOCK) * 16
    return img


def write_half_size_label(path):
    """The pseudo label of the coordinate frame, at half its size (as a
    round at the test input size writes it)."""
    y, x = np.mgrid[:H // 2, :W // 2]
    label = block_classes(x // (BLOCK // 2), y // (BLOCK // 2)).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), label)
    return label


def clip_results(img, frame_id=7, video_id='cologne_000003'):
    return dict(img=[img, img.copy()],
                gt_seg_map=[np.full(img.shape[:2], 1, np.uint8)] * 2,
                seg_fields=['gt_seg_map'], video_id=video_id,
                frame_id=frame_id, img_path=f'{video_id}_{frame_id}.png',
                img_shape=img.shape[:2], ori_shape=img.shape[:2],
                frame_offsets=[0, -1], is_labelled=False)


def pipeline(root, scale_crop=True, flip=True):
    from mmcv.transforms import Compose
    geometry = [dict(type='RandomResize', scale=(W, H), ratio_range=(0.75, 1.5),
                     keep_ratio=True, resize_type='FlowAwareResize')]
    if scale_crop:
        geometry.append(dict(type='FlowAwareRandomCrop', crop_size=(40, 56)))
    if flip:
        geometry.append(dict(type='FlowAwareRandomFlip', prob=1.0))
    from uda_video.registry import TRANSFORMS
    return Compose([TRANSFORMS.build(t) for t in [
        dict(type='LoadPseudoLabel', pseudo_label_dir=str(root),
             num_classes=NUM_CLASSES),
        dict(type='ClipBroadcaster', transforms=geometry),
        dict(type='PackClipInputs')]])


def decode(img):
    """Expected class of every pixel from the transformed frame; the mask
    keeps block interiors (a label resized nearest and a frame resized
    bilinearly may differ by one pixel at a block border)."""
    c = img.astype(np.float32) / 16
    bx, by = np.round(c[..., 0]), np.round(c[..., 1])
    expected = block_classes(bx.astype(int), by.astype(int))
    pure = (np.abs(c[..., 0] - bx) < 0.05) & (np.abs(c[..., 1] - by) < 0.05)
    same = np.ones_like(pure)
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        same &= np.roll(expected, (dy, dx), axis=(0, 1)) == expected
    interior = pure & same
    interior[[0, -1], :] = False
    interior[:, [0, -1]] = False
    return expected, interior


def test_pseudo_label_follows_resize_crop_and_flip(tmp_path):
    import uda_video  # noqa: F401  (registers the transforms)
    from uda_video.datasets.transforms import pseudo_label_path
    np.random.seed(3)
    path = tmp_path / 'cologne_000003' / '000007.png'
    assert pseudo_label_path(str(tmp_path), 'cologne_000003', 7) == str(path)
    file_label = write_half_size_label(path)
    pipe = pipeline(tmp_path)
    for _ in range(5):
        out = pipe(clip_results(coordinate_frame()))
        sample = out['data_samples']
        frame = out['inputs'][0].permute(1, 2, 0).numpy()
        label = sample.gt_sem_seg.data[0].numpy()
        assert label.shape == frame.shape[:2] == (40, 56)
        assert sample.flip and sample.seg_map_path == str(path)
        expected, pure = decode(frame)
        assert pure.mean() > 0.3
        assert (label[pure] == expected[pure]).mean() > 0.99
        # What the model did before: the whole-frame label resized to the
        # crop's shape and flipped does not land on the frame's pixels.
        naive = cv2.resize(file_label, (56, 40),
                           interpolation=cv2.INTER_NEAREST)[:, ::-1]
        assert (naive[pure] == expected[pure]).mean() < 0.5


def test_reference_frames_never_carry_target_ground_truth(tmp_path):
    import uda_video  # noqa: F401
    from uda_video.registry import TRANSFORMS
    write_half_size_label(tmp_path / 'cologne_000003' / '000007.png')
    t = TRANSFORMS.build(dict(type='LoadPseudoLabel',
                              pseudo_label_dir=str(tmp_path)))
    out = t(clip_results(coordinate_frame()))
    assert out['gt_seg_map'][0].shape == (H, W)
    assert (out['gt_seg_map'][1] == 255).all()
    assert out['is_labelled']
    # No folder: the step passes the results through unchanged.
    none = TRANSFORMS.build(dict(type='LoadPseudoLabel', pseudo_label_dir=None))
    res = clip_results(coordinate_frame())
    assert none(res)['gt_seg_map'][0].max() == 1


def test_bad_pseudo_label_folders_are_named(tmp_path):
    import uda_video  # noqa: F401
    from uda_video.registry import TRANSFORMS
    t = TRANSFORMS.build(dict(type='LoadPseudoLabel',
                              pseudo_label_dir=str(tmp_path),
                              num_classes=NUM_CLASSES))
    missing = tmp_path / 'cologne_000003' / '000007.png'
    with pytest.raises(FileNotFoundError, match=str(missing)):
        t(clip_results(coordinate_frame()))
    missing.parent.mkdir()
    cv2.imwrite(str(missing), np.zeros((H, H), np.uint8))  # square: not this frame
    with pytest.raises(ValueError, match='aspect ratio') as err:
        t(clip_results(coordinate_frame()))
    assert str(missing) in str(err.value)
    cv2.imwrite(str(missing), np.full((H, W), 20, np.uint8))  # id 20 of 15
    with pytest.raises(ValueError, match=r'ids \[20\] outside the 15 classes'):
        t(clip_results(coordinate_frame()))


def test_files_mode_refuses_ground_truth_labels(tmp_path):
    from uda_helpers import TinyUDADataset, collate, tiny_segmentor
    from uda_video.registry import MODELS
    model = MODELS.build(dict(type='SelfTrainingUDA', segmentor=tiny_segmentor(),
                              num_frames=1, pseudo_labels='files'))
    batch = collate([TinyUDADataset()[0]])
    sample = batch['target']['data_samples'][0]
    with pytest.raises(KeyError, match='LoadPseudoLabel'):
        model.file_pseudo_labels([sample])
    from uda_video.datasets.transforms import pseudo_label_path
    sample.set_metainfo(dict(seg_map_path=pseudo_label_path(
        str(tmp_path), sample.video_id, sample.frame_id)))
    labels = model.file_pseudo_labels([sample])
    assert torch.equal(labels[0], sample.gt_sem_seg.data[0].long())
