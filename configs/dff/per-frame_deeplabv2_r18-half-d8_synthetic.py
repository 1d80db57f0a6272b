# The per-frame baseline of DFF on the synthetic benchmark: the same feature and
# task network, trained on the same labelled target-domain frames and schedule,
# run on every frame.
_base_ = './dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
model = dict(
    _delete_=True,
    type='ClipEncoderDecoder',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.model.decode_head}},
    test_cfg=dict(mode='whole'))
train_dataloader = dict(dataset=dict(frame_offsets=[0]))
