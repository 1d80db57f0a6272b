# Cityscapes sequences (target); 15-class protocol with rider merged into person
# (set rider='ignore' for the other convention) or protocol='cityscapes19'.
cityscapes_root = 'data/cityscapes'
frame_offsets = [0]
cityscapes_train_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 1.0),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=(512, 1024), cat_max_ratio=0.75),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
cityscapes_test_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(1024, 512), keep_ratio=True)]),
    dict(type='PackClipInputs'),
]
cityscapes_seq_train = dict(
    type='CityscapesSeqDataset', data_root=cityscapes_root, split='train',
    protocol='shared15', rider='person', all_frames=True,
    frame_offsets=frame_offsets, pipeline=cityscapes_train_pipeline)
cityscapes_seq_val = dict(
    type='CityscapesSeqDataset', data_root=cityscapes_root, split='val',
    protocol='shared15', rider='person', test_mode=True,
    pipeline=cityscapes_test_pipeline)
