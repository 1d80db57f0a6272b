# Deep Feature Flow on the synthetic benchmark (tools/dataset_converters/make_synthetic_dataset.py
# --out data/synthetic): half-width DeepLab-v2 R18 as the feature/task network,
# a narrow FlowNetS (width 16) at half resolution, trained end to end on
# (current, key) pairs from the labelled target-domain clips; tested frame by
# frame on whole val videos with a key frame every 5 frames.
_base_ = [
    '../_base_/models/deeplabv2_r18-half-d8.py',
    '../_base_/clip_preprocessor.py',
    '../_base_/synthetic_video.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='DFFSegmentor',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(128, 128)),
    # Only the level the head reads is cached and propagated.
    backbone=dict(norm_cfg=norm_cfg, out_indices=(3, )),
    decode_head=dict(in_index=0, num_classes=15),
    # Start from a flow network trained on ground-truth flow (configs/flow) with
    # init_cfg=dict(type='Pretrained', checkpoint=..., prefix='flow_net.')
    # when its checkpoint holds a segmentor, or without prefix otherwise.
    flow_source=dict(type='FlowNetS', base_channels=16),
    scale_field=dict(type='ScaleFieldHead', out_channels=(256, ), channels=32),
    flow_input_scale=0.5,
    test_cfg=dict(mode='whole', key_frame_interval=5))
# (current, key) pairs: the key frame 0..4 frames before the labelled frame,
# the distances a key interval of 5 produces at test time.
train_dataloader = dict(dataset=dict(frame_offsets=[0, [-4, 0]]))
