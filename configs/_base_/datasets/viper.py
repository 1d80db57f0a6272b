# VIPER (source), 15 shared classes; see datasets/README.md for the layout.
viper_root = 'data/viper'
crop_size = (720, 1280)
frame_offsets = [0]
viper_train_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(1920, 1080), ratio_range=(0.5, 1.0),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
viper_train = dict(
    type='VIPERDataset', data_root=viper_root, split='train',
    protocol='shared15', img_suffix='.jpg', frame_offsets=frame_offsets,
    pipeline=viper_train_pipeline)
