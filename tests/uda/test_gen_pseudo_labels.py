"""tools/misc/gen_pseudo_labels.py: one offline round of temporal pseudo labels."""
import json

import cv2
import numpy as np
import pytest

from helpers import load_tool, run_tool
from uda_helpers import VST_CONFIG
from uda_video.datasets import CityscapesSeqDataset
from uda_video.models.uda.self_training import pseudo_label_path

CONFIG = VST_CONFIG  # the config of the `checkpoint` fixture
KEEP = 0.5


def loader_options(root):
    opts = []
    # The labelled clips and the training target set they must cover.
    for d in ('pseudo_label_dataloader.dataset',
              'train_dataloader.dataset.target'):
        opts += [f'{d}.data_root={root}/cityscapes', f'{d}.snippet_length=6']
    return opts


def test_writes_one_label_per_frame_with_class_balanced_kept_fractions(
        tmp_path, tiny_synthetic, checkpoint):
    out = tmp_path / 'round1'
    proc = run_tool([
        'tools/misc/gen_pseudo_labels.py', CONFIG, str(checkpoint), '--out',
        str(out), '--cfg-options', *loader_options(tiny_synthetic),
        f'model.keep_fraction={KEEP}', 'model.max_threshold=1.0'
    ])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    stats = json.loads((out / 'statistics.json').read_text())
    assert stats['weights'] == 'student'  # the checkpoint has no teacher
    frames = CityscapesSeqDataset(
        data_root=f'{tiny_synthetic}/cityscapes', split='train',
        protocol='shared15', rider='person', snippet_length=6,
        all_frames=True, lazy_init=False)
    assert stats['frames'] == len(frames) > 0
    kept = np.zeros(15, np.int64)
    ignored = total = 0
    for i in range(len(frames)):
        info = frames.get_data_info(i)
        path = pseudo_label_path(str(out), info['video_id'], info['frame_id'])
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert label is not None, f'no pseudo label {path}'
        assert label.shape == (64, 128)
        assert set(np.unique(label).tolist()) <= set(range(15)) | {255}
        kept += np.bincount(label[label != 255].ravel(), minlength=15)
        ignored += int((label == 255).sum())
        total += label.size
    # The files are what the statistics say.
    assert kept.tolist() == stats['kept_pixels']
    assert stats['ignored_fraction'] == pytest.approx(ignored / total)
    assert not (out / '.cache').exists()
    # Class-balanced: at most KEEP of each class's predicted pixels is kept
    # (thresholds come from the whole split), and some of every class that
    # is predicted on many pixels.
    predicted = np.asarray(stats['predicted_pixels'])
    assert (kept <= KEEP * predicted + 0.5).all()
    assert kept.sum() > 0
    assert 0.0 < stats['ignored_fraction'] < 1.0


def test_asking_for_a_missing_teacher_names_the_checkpoint(
        tmp_path, tiny_synthetic, checkpoint, repo_root):
    tool = load_tool('tools/misc/gen_pseudo_labels.py')
    with pytest.raises(KeyError, match='holds no EMA teacher') as err:
        tool.main([f'{repo_root}/{CONFIG}', str(checkpoint), '--out',
                   str(tmp_path / 'x'), '--weights', 'teacher',
                   '--cfg-options', *loader_options(tiny_synthetic)])
    assert str(checkpoint) in str(err.value)
