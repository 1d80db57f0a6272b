# Shared by the video segmentors built on DeepLab-v2 R101 on Cityscapes
# sequences (DFF, Clockwork): the network on clips of 512x1024 crops, the
# sequence datasets with video validation, the 40k schedule.
_base_ = [
    './models/deeplabv2_r101-d8.py', './clip_preprocessor.py',
    './datasets/cityscapes_seq_video_val.py', './default_runtime.py',
    './schedules/schedule_40k.py'
]
model = dict(
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(512, 1024)),
    test_cfg=dict(mode='whole'))
