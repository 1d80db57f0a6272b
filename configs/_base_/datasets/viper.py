# VIPER (source), 15 shared classes; see datasets/README.md for the layout.
# Training pipelines (names are the `aug` option of the VIPER -> Cityscapes configs):
# - field: the Sim2Real field's protocol (Dayan-Guan/DA-VSN
#   davsn/scripts/configs/davsn_viper2city.yml, TRAIN.INPUT_SIZE_SOURCE: 1280, 720):
#   the whole 1920x1080 frame resized to 1280x720, no crop, no flip, no
#   photometric change;
# - scale_crop: random scale 0.5-1.0 of 1920x1080, 720x1280 crop, flip,
#   photometric distortion (this project's option).
# Only viper_* names here, so the file can be inherited beside cityscapes_seq.py.
viper_root = 'data/viper'
viper_field_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='FlowAwareResize', scale=(1280, 720), keep_ratio=True)]),
    dict(type='PackClipInputs'),
]
viper_scale_crop_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(1920, 1080), ratio_range=(0.5, 1.0),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=(720, 1280),
             cat_max_ratio=0.75),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
viper_pipelines = dict(field=viper_field_pipeline,
                       scale_crop=viper_scale_crop_pipeline)
viper_train = dict(
    type='VIPERDataset', data_root=viper_root, split='train',
    protocol='shared15', img_suffix='.jpg', frame_offsets=[0],
    pipeline=viper_field_pipeline)
