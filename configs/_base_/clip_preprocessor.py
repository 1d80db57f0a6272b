# The data preprocessor of every clip model (video segmentors, UDA segmentors,
# flow estimators): ClipDataPreProcessor normalizes each frame of a clip with the
# ImageNet RGB statistics of the image bases (frames are loaded as BGR), batches
# clips as N x T x 3 x H x W, and at test time pads frames to a multiple of 8,
# the networks' output stride. A config inherits this file beside its model base
# and replaces the image preprocessor, setting the training size:
#   model = dict(data_preprocessor=dict(
#       _delete_=True, **_base_.clip_preprocessor, size=crop_size))
# Other statistics (the caffe-style DeepLab-v2) override mean/std/bgr_to_rgb:
#   dict(_base_.clip_preprocessor, mean=_base_.caffe_mean, ...)
clip_preprocessor = dict(
    type='ClipDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    test_cfg=dict(size_divisor=8))
