# Cityscapes sequences (target); 15-class protocol with rider merged into person
# (set rider='ignore' for the other convention) or protocol='cityscapes19'.
# Training pipelines, both moving flow with the frames:
# - cityscapes_field_pipeline: the Sim2Real field's protocol (DA-VSN, built on
#   AdvEnt: Dayan-Guan/DA-VSN davsn/domain_adaptation/config.py,
#   TRAIN.INPUT_SIZE_TARGET = (1024, 512)): the whole 2048x1024 frame resized to
#   1024x512, no crop, no flip, no photometric change;
# - cityscapes_train_pipeline (named 'scale_crop' in cityscapes_pipelines): random
#   scale 0.5-1.0 of 2048x1024, 512x1024 crop, flip, photometric distortion (the
#   supervised video-segmentation configs, and this project's option for UDA).
# Test: frames resized to 1024x512 (the field's TEST.INPUT_SIZE_TARGET), labels
# kept at 2048x1024 (KeepLabelResolution): predictions are upsampled to the
# label's full resolution before scoring (TEST.OUTPUT_SIZE_TARGET = (2048, 1024)).
cityscapes_root = 'data/cityscapes'
frame_offsets = [0]
cityscapes_field_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='FlowAwareResize', scale=(1024, 512), keep_ratio=True)]),
    dict(type='PackClipInputs'),
]
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
cityscapes_pipelines = dict(field=cityscapes_field_pipeline,
                            scale_crop=cityscapes_train_pipeline)
cityscapes_test_pipeline = [
    dict(type='LoadClip'),
    dict(type='KeepLabelResolution'),
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
