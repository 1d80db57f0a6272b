import os.path as osp

import cv2
import numpy as np
import pytest

from uda_video.datasets.classes import (CITYSCAPES_19, SHARED_15,
                                        cityscapes_label_map, name_to_protocol_index,
                                        trainid19_label_map,
                                        viper_label_map)
from uda_video.datasets.video_base import parse_frame_offsets, resolve_clip

from dataset_helpers import TINY, cs_seq, cs_vps, viper

F = TINY['frames']
LOAD = [dict(type='LoadClip')]


def test_class_maps():
    assert len(SHARED_15) == 15 and set(SHARED_15) <= set(CITYSCAPES_19)
    m = cityscapes_label_map('shared15', rider='person')
    assert m[7] == 0 and m[26] == SHARED_15.index('car') and m[25] == SHARED_15.index('person')
    assert m[17] == 255 and m[12] == 255  # pole, wall are not shared
    assert cityscapes_label_map('shared15', rider='ignore')[25] == 255
    assert cityscapes_label_map('cityscapes19')[25] == CITYSCAPES_19.index('rider')
    assert trainid19_label_map('shared15', 'ignore')[12] == 255
    v = viper_label_map('shared15')
    assert v[3] == 0 and v[7] == v[8] == SHARED_15.index('vegetation')
    assert v[24] == SHARED_15.index('car') and v[25] == 255 and v[1] == 255
    with pytest.raises(ValueError, match='no rider class'):
        name_to_protocol_index('rider', 'shared15', 'rider')


def test_offsets_parse_and_clamp():
    assert parse_frame_offsets([0, -1, [1, 3]]) == [(0, 0), (-1, -1), (1, 3)]
    for bad in ([1, 0], [], [0, [3, 1]], [0, 'a']):
        with pytest.raises(ValueError):
            parse_frame_offsets(bad)
    ids, eff = resolve_clip(0, 10, [(0, 0), (-2, -2), (1, 1)])
    assert ids == [0, 0, 1] and eff == [0, 0, 1]
    ids, eff = resolve_clip(9, 10, [(0, 0), (-1, -1), (2, 2)])
    assert ids == [9, 8, 9] and eff == [0, -1, 0]
    rng = np.random.RandomState(0)
    draws = {resolve_clip(5, 10, [(0, 0), (-3, -1)], rng)[1][1] for _ in range(50)}
    assert draws == {-3, -2, -1}


def test_viper_indexing_mapping_and_ego(synth_root):
    ds = viper(synth_root, pipeline=LOAD, ego_vehicle_mask=osp.join(
        synth_root, 'viper', 'ego_vehicle_mask.png'))
    assert len(ds) == F and ds.metainfo['classes'] == SHARED_15
    assert [ds.get_data_info(i)['frame_id'] for i in range(F)] == list(range(F))
    res = ds[3]
    raw = cv2.imread(ds.get_data_info(3)['seg_map_path'], 0)
    lab = res['gt_seg_map'][0]
    lut = np.array([viper_label_map()[i] if i < 32 else 0 for i in range(256)])
    ego = cv2.imread(osp.join(synth_root, 'viper', 'ego_vehicle_mask.png'), 0) > 0
    assert ego.any() and (lab[ego] == 255).all()
    assert np.array_equal(lab[~ego], lut[raw][~ego])
    assert set(np.unique(lab).tolist()) <= set(range(15)) | {255}
    assert res['img'][0].shape == (32, 64, 3)


def test_cityscapes_seq_keys_and_all_frames(synth_root):
    ds = cs_seq(synth_root)
    assert len(ds) == 1  # one labelled frame per snippet, 1 train video
    info = ds.get_data_info(0)
    assert info['frame_id'] == F - 1 and info['video_id'] == 'alphaville_000000_000000'
    full = cs_seq(synth_root, all_frames=True, test_mode=True)
    assert len(full) == F
    labelled = [full.get_data_info(i)['is_labelled'] for i in range(F)]
    assert labelled == [False] * (F - 1) + [True]
    res = cs_seq(synth_root, all_frames=True, pipeline=LOAD)[0]
    assert (res['gt_seg_map'][0] == 255).all()  # unlabelled frame: all ignore


def test_clip_offsets_at_video_borders(synth_root):
    ds = viper(synth_root, frame_offsets=[0, -1, 1], pipeline=LOAD)
    first, last = ds.get_data_info(0), ds.get_data_info(F - 1)
    assert first['frame_offsets'] == [0, 0, 1]
    assert first['clip_img_paths'][1] == first['img_path']
    assert last['frame_offsets'] == [0, -1, 0]
    assert len(ds[0]['img']) == 3


def test_vps_semantic_and_panoptic(synth_root):
    ds = cs_vps(synth_root, protocol='shared15',
                pipeline=[dict(type='LoadClip', load_panoptic=True)])
    assert len(ds) == 3  # frames 0, 5, 10 of the one train video
    assert [ds.get_data_info(i)['frame_id'] for i in range(3)] == [0, 5, 10]
    tracks = []
    for i in range(3):
        r = ds[i]
        sem, pan = r['gt_seg_map'][0], r['gt_panoptic_seg'][0]
        assert np.array_equal(pan // 1000, sem.astype(np.int64))
        things = pan % 1000 > 0
        assert set(np.unique(sem[things]).tolist()) <= {
            SHARED_15.index(c) for c in ('person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle')}
        tracks.append(set(np.unique(pan[things]).tolist()))
    # The same objects keep their ids across annotated frames.
    assert tracks[0] & tracks[1]
    full = cs_vps(synth_root, all_frames=True, test_mode=True)
    assert len(full) == F and sum(full.get_data_info(i)['is_labelled'] for i in range(F)) == 3
    n19 = cs_vps(synth_root, protocol='cityscapes19', pipeline=LOAD)
    assert n19.metainfo['classes'] == CITYSCAPES_19


def test_video_sample_indices_in_frame_order(synth_root):
    ds = cs_seq(synth_root, split='train', all_frames=True, test_mode=True)
    groups = ds.video_sample_indices()
    assert groups == [list(range(F))]
