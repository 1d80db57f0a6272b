"""Issue item 6: bad input gives a clear error naming the file or path."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from uda_video.datasets import CityscapesSeqDataset, VIPERDataset

from dataset_helpers import cs_seq, cs_vps, viper

LOAD = [dict(type='LoadClip')]


def test_empty_or_mistyped_root(synth_root, tmp_path):
    with pytest.raises(ValueError, match='data_root'):
        VIPERDataset(data_root='')
    missing = str(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match='nope'):
        viper(missing)
    # An existing folder with the wrong layout names the folder it expected.
    with pytest.raises(FileNotFoundError, match=r'cityscapes.*leftImg8bit_sequence'):
        CityscapesSeqDataset(data_root=osp.join(synth_root, 'cityscapes', 'gtFine'))
    empty = tmp_path / 'empty' / 'viper' / 'train' / 'img'
    empty.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no videos'):
        viper(str(tmp_path / 'empty'))
    with pytest.raises(FileNotFoundError, match='split'):
        viper(synth_root, split='tset')


def test_missing_frame_at_build(synth_copy):
    gone = osp.join(synth_copy, 'viper', 'train', 'img', '001', '001_00004.jpg')
    os.remove(gone)
    with pytest.raises(FileNotFoundError, match='001_00004.jpg'):
        viper(synth_copy)
    cs = osp.join(synth_copy, 'cityscapes', 'leftImg8bit_sequence', 'train',
                  'alphaville', 'alphaville_000000_000003_leftImg8bit.png')
    os.remove(cs)
    with pytest.raises(FileNotFoundError, match='alphaville_000000_000003_leftImg8bit'):
        cs_seq(synth_copy)
    vps = osp.join(synth_copy, 'cityscapes_vps', 'train', 'img_all')
    os.remove(osp.join(vps, sorted(os.listdir(vps))[2]))
    with pytest.raises(FileNotFoundError, match='misses frame 0002'):
        cs_vps(synth_copy)


def test_missing_frame_at_read(synth_copy):
    ds = viper(synth_copy, frame_offsets=[0, 1], pipeline=LOAD)
    os.remove(osp.join(synth_copy, 'viper', 'train', 'img', '001', '001_00007.jpg'))
    with pytest.raises(FileNotFoundError, match='001_00007.jpg'):
        ds[6]


def corrupt_frame(root, name):
    """Overwrite VIPER frame ``name`` of video 001 under ``root`` with bytes
    that are no JPEG."""
    path = osp.join(root, 'viper', 'train', 'img', '001', name)
    with open(path, 'wb') as f:
        f.write(b'not a jpeg at all')


def test_corrupt_image(synth_copy):
    corrupt_frame(synth_copy, '001_00002.jpg')
    ds = viper(synth_copy, pipeline=LOAD)
    with pytest.raises(ValueError, match='corrupt.*001_00002.jpg'):
        ds[2]


def test_label_of_wrong_size(synth_copy):
    lab = osp.join(synth_copy, 'viper', 'train', 'cls', '001', '001_00001.png')
    cv2.imwrite(lab, np.zeros((16, 64), np.uint8))
    with pytest.raises(ValueError, match=r'001_00001.png is 64x16.*64x32'):
        viper(synth_copy, pipeline=LOAD)[1]


def test_unknown_label_values(synth_copy):
    lab = osp.join(synth_copy, 'viper', 'train', 'cls', '001', '001_00000.png')
    raw = cv2.imread(lab, 0)
    raw[0, :3] = 77
    cv2.imwrite(lab, raw)
    with pytest.raises(ValueError, match=r'001_00000.png: unknown label values \[77\]'):
        viper(synth_copy, pipeline=LOAD)[0]
    gt = osp.join(synth_copy, 'cityscapes', 'gtFine', 'train', 'alphaville',
                  'alphaville_000000_000011_gtFine_labelIds.png')
    raw = cv2.imread(gt, 0)
    raw[5, 5] = 40
    cv2.imwrite(gt, raw)
    with pytest.raises(ValueError, match=r'gtFine_labelIds.png: unknown label values \[40\]'):
        cs_seq(synth_copy, pipeline=LOAD)[0]


def test_vps_unknown_segment_and_bad_json(synth_copy):
    root = osp.join(synth_copy, 'cityscapes_vps')
    ann_file = osp.join(root, 'panoptic_gt_train_city_vps.json')
    ann = json.load(open(ann_file))
    ann['annotations'][0]['segments_info'] = ann['annotations'][0]['segments_info'][1:]
    json.dump(ann, open(ann_file, 'w'))
    with pytest.raises(ValueError, match='gtFine_color.png: unknown label values'):
        cs_vps(synth_copy, pipeline=LOAD)[0]
    with open(ann_file, 'w') as f:
        f.write('{"images": [')
    with pytest.raises(ValueError, match='panoptic_gt_train_city_vps.json is not valid JSON'):
        cs_vps(synth_copy)


def test_flow_needs_small_offsets(synth_root):
    with pytest.raises(ValueError, match='within -1..1'):
        viper(synth_root, frame_offsets=[0, -2], load_flow=True)


def test_skip_bad_samples_is_opt_in_counted_and_bounded(synth_copy):
    from mmengine.logging import MessageHub

    from uda_video.datasets import SkipBadSamples
    corrupt_frame(synth_copy, '001_00002.jpg')
    plain = viper(synth_copy, pipeline=LOAD)
    with pytest.raises(ValueError, match='001_00002.jpg'):
        plain[2]
    hub = MessageHub.get_instance('skip_bad_samples_test')
    before = hub.get_info('data/skipped_samples', 0)
    wrapped = SkipBadSamples(dataset=plain, max_consecutive=2)
    sample = wrapped[2]  # replaced by the next sample
    assert sample['img_path'].endswith('001_00003.jpg')
    assert wrapped.skipped == 1
    assert hub.get_info('data/skipped_samples') == before + 1
    assert len(wrapped) == len(plain) and wrapped.metainfo == plain.metainfo
    # A run of bad samples longer than max_consecutive still stops the run.
    for k in (3, 4):
        corrupt_frame(synth_copy, f'001_0000{k}.jpg')
    with pytest.raises(ValueError, match='corrupt'):
        wrapped[2]


def test_flow_back_needs_flow_and_names_missing_files(synth_root, synth_copy):
    for make in (viper, cs_seq, cs_vps):
        with pytest.raises(ValueError, match='load_flow_back=True needs load_flow=True'):
            make(synth_root, frame_offsets=[0, -1], load_flow_back=True)
    # Key 001_00004 with offset -1: its reverse flow is 001_00003's fw file.
    os.remove(osp.join(synth_copy, 'viper', 'train', 'flow', '001',
                       '001_00003_flow_fw.png'))
    ds = viper(synth_copy, frame_offsets=[0, -1], load_flow=True,
               load_flow_back=True)
    ds[3]  # key 001_00003 needs 001_00002's fw file: still there
    with pytest.raises(FileNotFoundError,
                       match=r'forward flow file for frame \S*001_00003\.jpg'):
        ds[4]
    # Without load_flow_back the missing file is not needed.
    viper(synth_copy, frame_offsets=[0, -1], load_flow=True)[4]
