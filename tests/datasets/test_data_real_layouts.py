"""The datasets on miniature trees named exactly like the real releases."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from helpers import REPO
from real_trees import (CITYSCAPES_SEQ_LABELS, make_cityscapes_seq_tree,
                        make_cityscapes_vps_tree, make_viper_tree,
                        write_frame_list, write_label_png)
from uda_video.datasets import (CityscapesSeqDataset, CityscapesVPSDataset,
                                VIPERDataset)
from uda_video.datasets.classes import (CITYSCAPES_19, cityscapes_label_map,
                                        label_map_lut, viper_label_map)
from uda_video.datasets.transforms.loading import read_label
from uda_video.registry import DATASETS

LOAD = [dict(type='LoadClip')]


@pytest.fixture(scope='module')
def cs_tree(tmp_path_factory):
    return make_cityscapes_seq_tree(str(tmp_path_factory.mktemp('cityscapes')),
                                    with_flow=True)


@pytest.fixture(scope='module')
def viper_trees(tmp_path_factory):
    root = tmp_path_factory.mktemp('viper')
    return dict(
        every_10th=make_viper_tree(str(root / 'tenth'), splits=('train', )),
        every_frame=make_viper_tree(str(root / 'all'), splits=('train', ),
                                    labels='every_frame', seqs=1))


@pytest.fixture(scope='module')
def vps_tree(tmp_path_factory):
    return make_cityscapes_vps_tree(str(tmp_path_factory.mktemp('vps')),
                                    splits=('train', 'val'))


@pytest.fixture
def val_tree(tmp_path):
    """A private val-only Cityscapes tree to damage."""
    return make_cityscapes_seq_tree(str(tmp_path / 'cs'), splits=('val', ))


def _frame(root, split, city, seq, n):
    return osp.join(root, 'leftImg8bit_sequence', split, city,
                    f'{city}_{seq}_{n:06d}_leftImg8bit.png')


# -- Cityscapes sequences -----------------------------------------------------
@pytest.mark.parametrize('split', ['train', 'val'])
def test_cityscapes_every_label_indexes_across_snippet_gaps(cs_tree, split):
    ds = CityscapesSeqDataset(data_root=cs_tree['root'], split=split)
    assert len(ds) == len(cs_tree['labels'][split]) == len(CITYSCAPES_SEQ_LABELS[split])
    spans = sorted((v['video_id'], len(v['frames'])) for v in ds.videos)
    want = sorted((f'{c}_{s}_{first:06d}', 30)
                  for c, s, first, _, _ in cs_tree['snippets'][split])
    assert spans == want
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['frame_id'] == 19
        assert info['seg_map_path'].endswith('_gtFine_labelIds.png')
        assert info['seg_map_path'] in cs_tree['labels'][split]
    every = CityscapesSeqDataset(data_root=cs_tree['root'], split=split,
                                 all_frames=True)
    assert len(every) == cs_tree['frames'][split]
    if split == 'val':  # frankfurt_000001: labels 012699 and 012738
        ids = [v['video_id'] for v in ds.videos]
        assert 'frankfurt_000001_012680' in ids and 'frankfurt_000001_012719' in ids
        v = ds.videos[ids.index('frankfurt_000001_012680')]['frames']
        assert v[-1]['img_path'].endswith('frankfurt_000001_012709_leftImg8bit.png')


def test_cityscapes_missing_frame_inside_snippet_is_named(val_tree):
    root = val_tree['root']
    gone = _frame(root, 'val', 'frankfurt', '000001', 12705)
    os.remove(gone)
    with pytest.raises(FileNotFoundError) as e:
        CityscapesSeqDataset(data_root=root, split='val')
    assert f'missing frame {gone} ' in str(e.value)
    # The first frame of the second snippet (right after the gap).
    make_cityscapes_seq_tree(root, splits=('val', ))
    gone = _frame(root, 'val', 'frankfurt', '000001', 12719)
    os.remove(gone)
    with pytest.raises(FileNotFoundError, match=f'missing frame {gone} '):
        CityscapesSeqDataset(data_root=root, split='val')


def test_cityscapes_overlap_stray_frames_and_unlabelled_runs(val_tree):
    root = val_tree['root']
    gt = osp.join(root, 'gtFine', 'val', 'frankfurt')
    # A frame inside the gap is a run of 1 outside every labelled snippet.
    stray = _frame(root, 'val', 'frankfurt', '000001', 12712)
    Image.new('RGB', (64, 32)).save(stray)
    with pytest.raises(FileNotFoundError, match='012712..012712.*run of 1 frames'):
        CityscapesSeqDataset(data_root=root, split='val')
    os.remove(stray)
    # Labels less than 30 frames apart: overlapping snippets, both named.
    extra = osp.join(gt, 'frankfurt_000001_012709_gtFine_labelIds.png')
    write_label_png(extra, np.full((32, 64), 7, np.uint8), palette=False)
    with pytest.raises(ValueError, match='frankfurt_000001_012699 and '
                       'frankfurt_000001_012709.*overlap'):
        CityscapesSeqDataset(data_root=root, split='val')
    os.remove(extra)
    # Without its label a snippet is an unlabelled 30-frame run (test split).
    os.remove(osp.join(root, 'gtFine', 'val', 'lindau',
                       'lindau_000000_000019_gtFine_labelIds.png'))
    ds = CityscapesSeqDataset(data_root=root, split='val', all_frames=True)
    assert len(ds) == val_tree['frames']['val']
    assert sum(ds.get_data_info(i)['is_labelled'] for i in range(len(ds))) == 2
    # snippet_length=None: any run of consecutive frames is a video.
    ds = CityscapesSeqDataset(data_root=root, split='val', snippet_length=None)
    assert sorted(len(v['frames']) for v in ds.videos) == [30, 30, 30]
    # Labels of a city whose frames are not unpacked.
    shutil.rmtree(osp.join(root, 'leftImg8bit_sequence', 'val', 'frankfurt'))
    with pytest.raises(FileNotFoundError, match=r'gtFine/val/frankfurt has labels '
                       r'but \S*leftImg8bit_sequence/val/frankfurt is not a folder'):
        CityscapesSeqDataset(data_root=root, split='val')


def test_labels_palette_and_grayscale_decode_to_the_same_ids(cs_tree, tmp_path):
    ids = np.arange(34, dtype=np.uint8).repeat(3)[None].repeat(4, 0)
    write_label_png(str(tmp_path / 'p.png'), ids, palette=True)
    write_label_png(str(tmp_path / 'l.png'), ids, palette=False)
    assert Image.open(tmp_path / 'p.png').mode == 'P'
    assert Image.open(tmp_path / 'l.png').mode == 'L'
    assert np.array_equal(read_label(str(tmp_path / 'p.png')), ids)
    assert np.array_equal(read_label(str(tmp_path / 'l.png')), ids)
    # cv2 turns the palette PNG into colours: not ids.
    assert cv2.imread(str(tmp_path / 'p.png'), cv2.IMREAD_UNCHANGED).ndim == 3
    # Through the dataset: the tree holds both kinds; every label decodes.
    ds = CityscapesSeqDataset(data_root=cs_tree['root'], split='train',
                              pipeline=LOAD)
    lut = label_map_lut(cityscapes_label_map('shared15', 'person'))
    kinds = set()
    for i in range(len(ds)):
        res = ds[i]
        path = ds.get_data_info(i)['seg_map_path']
        kinds.add(Image.open(path).mode)
        raw = np.array(Image.open(path))
        assert np.array_equal(res['gt_seg_map'][0], lut[raw].astype(np.uint8))
        assert (res['gt_seg_map'][0] != 255).mean() > 0.5
        assert len(set(np.unique(res['gt_seg_map'][0]).tolist()) - {255}) >= 4
    assert kinds == {'P', 'L'}


def test_gtfine_companions_are_beside_labels_and_ignored(cs_tree):
    gt = osp.join(cs_tree['root'], 'gtFine', 'val', 'frankfurt')
    names = os.listdir(gt)
    for suffix in ('_gtFine_color.png', '_gtFine_instanceIds.png',
                   '_gtFine_polygons.json', '_gtFine_labelTrainIds.png'):
        assert any(n.endswith(suffix) for n in names), suffix
    ds = CityscapesSeqDataset(data_root=cs_tree['root'], split='val',
                              all_frames=True)
    paths = {ds.get_data_info(i)['seg_map_path'] for i in range(len(ds))} - {None}
    assert paths == set(cs_tree['labels']['val'])


def test_shipped_dataset_configs_on_the_real_trees(cs_tree, viper_trees, vps_tree):
    cs = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/cityscapes_seq.py'))
    for key, split in (('cityscapes_seq_train', 'train'), ('cityscapes_seq_val', 'val')):
        cfg = cs[key].to_dict()
        cfg['data_root'] = cs_tree['root']
        ds = DATASETS.build(cfg)
        n = cs_tree['frames'][split] if cfg.get('all_frames') else len(cs_tree['labels'][split])
        assert len(ds) == n
    sample = ds[0]  # val pipeline: resized to 1024 x 512, labels kept
    assert tuple(sample['inputs'].shape[-2:]) == (512, 1024)
    assert (sample['data_samples'].gt_sem_seg.data != 255).any()
    vp = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/viper.py'))
    cfg = vp.viper_train.to_dict()
    cfg['data_root'] = viper_trees['every_10th']['root']
    assert len(DATASETS.build(cfg)) == len(viper_trees['every_10th']['labels']['train'])
    vps = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/cityscapes_vps.py'))
    cfg = vps.cityscapes_vps_val.to_dict()
    cfg['data_root'] = vps_tree['root']
    ds = DATASETS.build(cfg)
    assert len(ds) == vps_tree['frames']['val']
    labelled = [i for i in range(len(ds)) if ds.get_data_info(i)['is_labelled']]
    assert len(labelled) == vps_tree['annotated']['val']


# -- VIPER --------------------------------------------------------------------
def test_viper_key_frame_options_count(viper_trees):
    tenth, every = viper_trees['every_10th'], viper_trees['every_frame']
    # Labels on every 10th frame: 00000, 00010, 00020 of 21 frames, 2 seqs.
    assert len(VIPERDataset(data_root=tenth['root'])) == 6
    keys = VIPERDataset(data_root=tenth['root'], key_frames='every_10th',
                        frame_offsets=[0, -1])
    assert len(keys) == 4 == len(tenth['key_frames']['train'])
    for i in range(len(keys)):
        info = keys.get_data_info(i)
        n = int(info['img_path'][-9:-4])
        assert n % 10 == 0 and n > 0 and info['frame_offsets'] == [0, -1]
        assert info['clip_img_paths'][1].endswith(f'_{n - 1:05d}.jpg')
    # Labels on every frame: all of them, or the same key frames.
    assert len(VIPERDataset(data_root=every['root'])) == 21
    assert len(VIPERDataset(data_root=every['root'], key_frames='every_10th')) == 2
    with pytest.raises(ValueError, match='key_frames'):
        VIPERDataset(data_root=every['root'], key_frames='every_tenth')


def test_viper_frame_list(viper_trees, tmp_path):
    tree = viper_trees['every_10th']
    entries = tree['key_frames']['train'][:3]  # 001_00010, 001_00020, 002_00010
    lst = write_frame_list(str(tmp_path / 'train.txt'), entries)
    ds = VIPERDataset(data_root=tree['root'], frame_list=lst)
    got = [osp.relpath(ds.get_data_info(i)['img_path'],
                       osp.join(tree['root'], 'train', 'img')) for i in range(len(ds))]
    assert got == entries
    # A path prefix and a .png suffix are tolerated.
    lst2 = write_frame_list(str(tmp_path / 'prefixed.txt'),
                            [e.replace('.jpg', '.png') for e in entries],
                            prefix='/data/viper/train/img')
    assert len(VIPERDataset(data_root=tree['root'], frame_list=lst2)) == 3
    missing = write_frame_list(str(tmp_path / 'missing.txt'),
                               entries + ['001/001_00500.jpg'])
    with pytest.raises(FileNotFoundError, match=r"'001/001_00500.jpg'.*001_00500.jpg not found"):
        VIPERDataset(data_root=tree['root'], frame_list=missing)
    unlabelled = write_frame_list(str(tmp_path / 'unlabelled.txt'), ['001/001_00005.jpg'])
    with pytest.raises(FileNotFoundError, match=r'label \S*001_00005.png not found'):
        VIPERDataset(data_root=tree['root'], frame_list=unlabelled)
    no_seq = write_frame_list(str(tmp_path / 'noseq.txt'), ['077/077_00010.jpg'])
    with pytest.raises(FileNotFoundError, match="'077/077_00010.jpg'.*077 not found"):
        VIPERDataset(data_root=tree['root'], frame_list=no_seq)


def test_viper_palette_and_grayscale_cls(viper_trees):
    tree = viper_trees['every_10th']
    ds = VIPERDataset(data_root=tree['root'], pipeline=LOAD)
    lut = label_map_lut(viper_label_map('shared15'))
    kinds = set()
    for i in range(len(ds)):
        path = ds.get_data_info(i)['seg_map_path']
        kinds.add(Image.open(path).mode)
        got = ds[i]['gt_seg_map'][0]
        assert np.array_equal(got, lut[np.array(Image.open(path))].astype(np.uint8))
        assert len(set(np.unique(got).tolist()) - {255}) >= 4
    assert kinds == {'P', 'L'}


# -- Cityscapes-VPS -----------------------------------------------------------
@pytest.mark.parametrize('naming', ['cityscapes', 'vps'])
def test_vps_real_naming_indexes(vps_tree, tmp_path, naming):
    tree = vps_tree if naming == 'cityscapes' else make_cityscapes_vps_tree(
        str(tmp_path / 'vps'), img_all_names='vps', frames=10)
    frames = 30 if naming == 'cityscapes' else 10
    ds = CityscapesVPSDataset(data_root=tree['root'], split='val', all_frames=True,
                              pipeline=[dict(type='LoadClip', load_panoptic=True)])
    assert [v['video_id'] for v in ds.videos] == ['0001', '0002']
    assert [len(v['frames']) for v in ds.videos] == [frames, frames]
    labelled = [i for i in range(len(ds)) if ds.get_data_info(i)['is_labelled']]
    assert len(labelled) == tree['annotated']['val'] == 2 * (frames // 5)
    assert [ds.get_data_info(i)['frame_id'] for i in labelled[:frames // 5]] == \
        list(range(4, frames, 5))
    # The car keeps its track id over the video; vegetation ('vegitation'
    # in the release's JSON) is a known class.
    car, veg = CITYSCAPES_19.index('car'), CITYSCAPES_19.index('vegetation')
    tracks = set()
    for i in labelled[:frames // 5]:
        res = ds[i]
        pan, sem = res['gt_panoptic_seg'][0], res['gt_seg_map'][0]
        tracks |= {int(p) for p in np.unique(pan) if p // 1000 == car}
        assert (sem == veg).any()
    assert tracks == {car * 1000 + 1}


def test_vps_train_split_has_only_annotated_frames(vps_tree):
    assert not osp.isdir(osp.join(vps_tree['root'], 'train', 'img_all'))
    ds = CityscapesVPSDataset(data_root=vps_tree['root'], split='train',
                              protocol='shared15')
    assert len(ds) == vps_tree['annotated']['train'] == 12
    names = {osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))}
    assert any(n.endswith('_newImg8bit.png') for n in names)
    assert any(n.endswith('_leftImg8bit.png') for n in names)


# -- bad input ----------------------------------------------------------------
def test_bad_labels_and_flow_are_named(val_tree, tmp_path):
    root = val_tree['root']
    label = val_tree['labels']['val'][0]
    ids = read_label(label)
    bad = ids.copy()
    bad[0, :2] = 200
    write_label_png(label, bad, palette=True)
    ds = CityscapesSeqDataset(data_root=root, split='val', pipeline=LOAD)
    i = [ds.get_data_info(k)['seg_map_path'] for k in range(len(ds))].index(label)
    with pytest.raises(ValueError, match=rf'{label}: unknown label values \[200\]'):
        ds[i]
    write_label_png(label, ids[:, :32], palette=False)
    with pytest.raises(ValueError, match=rf'label {label} is 32x32, its frame is 64x32'):
        ds[i]
    rgb = tmp_path / 'rgb.png'
    Image.new('RGB', (64, 32)).save(rgb)
    with pytest.raises(ValueError, match=rf"label {rgb} is a 'RGB' image"):
        read_label(str(rgb))
    # Flow of the wrong size names the flow file.
    tree = make_cityscapes_seq_tree(str(tmp_path / 'flow'), splits=('val', ),
                                    with_flow=True)
    ds = CityscapesSeqDataset(data_root=tree['root'], split='val', load_flow=True,
                              frame_offsets=[0, 1], pipeline=LOAD)
    path = ds.get_data_info(0)['clip_flow_paths'][0]
    from uda_video.datasets.flow_io import write_flow
    write_flow(path, np.zeros((16, 32, 2), np.float32))
    with pytest.raises(ValueError, match=rf'flow {path} is 32x16, frames are 64x32'):
        ds[0]
